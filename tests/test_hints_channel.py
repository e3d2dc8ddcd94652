"""Keras 3 migration hints, error formatting, and the sandbox's observation channel frames."""

from __future__ import annotations

import io
import json
import pickle

import numpy as np
import pytest

from grader.harness.channel import MAGIC, MAX_FRAME_BYTES, ChannelError, FrameDecoder, _HEAD, encode_frame
from grader.hints import format_error, keras3_hint

# ---------------------------------------------------------------- hints

# (type, message, code) as Keras 3 / Python report them for Keras 2 code
KERAS2_ERRORS = {
    "Model(input=, output=) in Keras 3": (
        "ValueError",
        "Unrecognized keyword arguments passed to Model: {'input': <KerasTensor shape=(None, 4), dtype=float32, "
        "sparse=False, ragged=False, name=keras_tensor>, 'output': <KerasTensor shape=(None, 2), dtype=float32>}",
        "model = keras.Model(input=inputs, output=outputs)",
        "inputs= and outputs=",
    ),
    "Model(input=, output=) TypeError": (
        "TypeError",
        "Model.__init__() got an unexpected keyword argument 'input'",
        "model = Model(input=x, output=y)",
        "inputs= and outputs=",
    ),
    "fit_generator": (
        "AttributeError",
        "'Functional' object has no attribute 'fit_generator'",
        "model.fit_generator(gen, steps_per_epoch=10)",
        "fit_generator",
    ),
    "lr=": (
        "ValueError",
        "Argument(s) not recognized: {'lr': 0.01}",
        "opt = keras.optimizers.Adam(lr=0.01)",
        "learning_rate=",
    ),
    "lr= TypeError": (
        "TypeError",
        "SGD.__init__() got an unexpected keyword argument 'lr'",
        "",
        "learning_rate=",
    ),
    "keras.layers.normalization": (
        "ModuleNotFoundError",
        "No module named 'keras.layers.normalization'",
        "from keras.layers.normalization import BatchNormalization",
        "keras.layers.BatchNormalization",
    ),
}


@pytest.mark.parametrize("case", sorted(KERAS2_ERRORS))
def test_keras2_errors_get_a_keras3_hint(case):
    error_type, message, code, expected = KERAS2_ERRORS[case]
    hint = keras3_hint(error_type, message, code)
    assert hint is not None, case
    assert expected in hint
    assert "Keras 3" in hint or "keras" in hint.lower()


def test_hint_from_the_code_line_alone():
    hint = keras3_hint("AttributeError", "'Sequential' object has no attribute 'foo'", "model.fit_generator(g)")
    assert hint is not None and "fit_generator" in hint


@pytest.mark.parametrize("error_type, message", [
    ("ValueError", "operands could not be broadcast together with shapes (10,784) (10,)"),
    ("ValueError", "Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 of input shape to have value 784, but received input with shape (None, 28)"),
    ("IndexError", "list index out of range"),
    ("NameError", "name 'np' is not defined"),
    ("ValueError", "Unrecognized keyword arguments passed to Dense: {'input_shape': (4,)}"),
    ("TypeError", "Conv2D.__init__() got an unexpected keyword argument 'output_padding_x'"),
])
def test_unrelated_errors_get_no_hint(error_type, message):
    assert keras3_hint(error_type, message, "y = layer(x)") is None


def test_format_error_names_cell_and_line():
    error = {
        "type": "ValueError",
        "message": "Argument(s) not recognized: {'lr': 0.01}",
        "frames": [
            {"file": "cell 3", "line": 2, "function": "<module>", "code": "import keras"},
            {"file": "cell 7", "line": 12, "function": "build_sr_network", "code": "opt = keras.optimizers.Adam(lr=0.01)"},
        ],
    }
    text = format_error(error)
    first, second = text.split("\n")
    assert first == "cell 7, line 12, in build_sr_network: ValueError: Argument(s) not recognized: {'lr': 0.01}"
    assert second.strip().startswith("Keras 3:") and "learning_rate=" in second


def test_format_error_module_level_and_no_frames():
    error = {"type": "NameError", "message": "name 'np' is not defined",
             "frames": [{"file": "cell 2", "line": 5, "function": "<module>", "code": "x = np.zeros(3)"}]}
    assert format_error(error) == "cell 2, line 5: NameError: name 'np' is not defined"
    assert format_error({"type": "MemoryError", "message": "", "frames": []}) == "MemoryError:"
    assert format_error(None) == "unknown error"
    assert format_error({}) == "unknown error"


# ---------------------------------------------------------------- channel


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "noisy.0.5": rng.random((4, 28, 28, 1), dtype=np.float32),
        "labels": np.arange(10, dtype=np.int64),
        "mask": np.array([[True, False], [False, True]]),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 3), np.float16),
        "fortran": np.asfortranarray(rng.random((3, 5))),
        "strided": np.arange(20)[::3],
    }


def assert_arrays_equal(found: dict, expected: dict) -> None:
    assert list(found) == list(expected)
    for key, value in expected.items():
        assert isinstance(found[key], np.ndarray), key
        assert found[key].dtype == value.dtype and found[key].shape == value.shape, key
        assert np.array_equal(found[key], value), key


def test_round_trip():
    header = {"event": "result", "exercise": "add_noise", "values": {"n": np.int64(3), "x": np.float32(0.5), "ok": True},
              "nested": {"list": [1, 2, None]}}
    arrays = sample_arrays()
    frame = encode_frame(header, arrays)
    assert frame[:4] == MAGIC
    (decoded,) = FrameDecoder().feed(frame)
    got_header, got_arrays = decoded
    assert got_header["event"] == "result" and got_header["exercise"] == "add_noise"
    assert got_header["values"] == {"n": 3, "x": 0.5, "ok": True}
    assert got_header["nested"] == {"list": [1, 2, None]}
    assert "arrays" not in got_header
    assert_arrays_equal(got_arrays, arrays)


def test_encode_does_not_modify_the_header():
    header = {"event": "ready"}
    encode_frame(header, {"a": np.zeros(2)})
    assert header == {"event": "ready"}


def test_round_trip_without_arrays():
    (decoded,) = FrameDecoder().feed(encode_frame({"event": "ready", "defined": ["add_noise"]}))
    assert decoded == ({"event": "ready", "defined": ["add_noise"]}, {})


def test_byte_by_byte_feed():
    frames = [encode_frame({"i": i}, {"a": np.full((3, 3), i, np.int32)}) for i in range(3)]
    stream = b"".join(frames)
    decoder = FrameDecoder()
    got = []
    for i in range(len(stream)):
        out = decoder.feed(stream[i : i + 1])
        if out:
            # a frame completes exactly on its last byte
            assert i + 1 in np.cumsum([len(f) for f in frames])
        got.extend(out)
    assert [h["i"] for h, _ in got] == [0, 1, 2]
    for i, (_, arrays) in enumerate(got):
        assert np.array_equal(arrays["a"], np.full((3, 3), i, np.int32))


def test_several_frames_in_one_chunk_and_split_chunks():
    a = encode_frame({"n": 1}, {"x": np.ones(1000)})
    b = encode_frame({"n": 2})
    decoder = FrameDecoder()
    assert decoder.feed(a[:10]) == []
    assert decoder.feed(a[10:-1]) == []
    got = decoder.feed(a[-1:] + b + b[:5])
    assert [h["n"] for h, _ in got] == [1, 2]
    assert [h["n"] for h, _ in decoder.feed(b[5:])] == [2]


def test_corrupt_magic():
    frame = bytearray(encode_frame({"event": "ready"}))
    frame[:4] = b"XXXX"
    with pytest.raises(ChannelError, match="corrupt"):
        FrameDecoder().feed(bytes(frame))


def test_stray_bytes_before_a_frame():
    """Something else written on the channel (e.g. a print to the wrong fd) is detected, not skipped."""
    with pytest.raises(ChannelError):
        FrameDecoder().feed(b"hello\n" + encode_frame({"event": "ready"}))


def test_oversized_and_inconsistent_lengths():
    with pytest.raises(ChannelError):
        FrameDecoder().feed(_HEAD.pack(MAGIC, MAX_FRAME_BYTES + 1, 2) + b"{}")
    with pytest.raises(ChannelError):
        FrameDecoder().feed(_HEAD.pack(MAGIC, 2, 10) + b"{}")


def raw_frame(head: bytes, blobs: bytes = b"") -> bytes:
    payload = head + blobs
    return _HEAD.pack(MAGIC, len(payload), len(head)) + payload


@pytest.mark.parametrize("head", [
    b"not json",
    b"\xff\xfe\x00",
    b"[1, 2]",
    b'"a string"',
    b"null",
    b'{"arrays": 5}',
    b'{"arrays": [["a"]]}',
    pytest.param(b"[" * 50_000 + b"]" * 50_000, id="deeply-nested"),
])
def test_undecodable_headers_raise_channel_error(head):
    with pytest.raises(ChannelError):
        FrameDecoder().feed(raw_frame(head))


def npy(value, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, value, allow_pickle=allow_pickle)
    return buf.getvalue()


def test_object_arrays_cannot_be_encoded():
    with pytest.raises(ValueError):
        encode_frame({}, {"obj": np.array([{"a": 1}, None], dtype=object)})


class _Boom:
    def __reduce__(self):  # would run code if ever unpickled
        return (pytest.fail, ("the decoder unpickled a payload",))


def test_pickled_object_array_is_refused():
    blob = npy(np.array([_Boom(), 1], dtype=object), allow_pickle=True)
    head = json.dumps({"event": "result", "arrays": [["evil", len(blob)]]}).encode()
    with pytest.raises(ChannelError):
        FrameDecoder().feed(raw_frame(head, blob))


def test_raw_pickle_is_refused():
    blob = pickle.dumps(_Boom())
    head = json.dumps({"arrays": [["evil", len(blob)]]}).encode()
    with pytest.raises(ChannelError):
        FrameDecoder().feed(raw_frame(head, blob))


@pytest.mark.parametrize("blob_kind", ["truncated", "empty", "zip_garbage", "npz"])
def test_malformed_array_blobs_raise_channel_error(blob_kind):
    good = npy(np.arange(100))
    if blob_kind == "truncated":
        blob, size = good[:-10], len(good)  # the header announces more bytes than the payload has
    elif blob_kind == "empty":
        blob, size = b"", 0
    elif blob_kind == "zip_garbage":
        blob = b"PK\x03\x04" + b"\x00" * 40
        size = len(blob)
    else:  # a valid .npz is not an array: it must not reach the checks as one
        buf = io.BytesIO()
        np.savez(buf, a=np.arange(3))
        blob = buf.getvalue()
        size = len(blob)
    head = json.dumps({"arrays": [["x", size]]}).encode()
    with pytest.raises(ChannelError):
        FrameDecoder().feed(raw_frame(head, blob))


def test_decoder_keeps_working_on_array_keys_as_strings():
    blob = npy(np.ones(2))
    head = json.dumps({"arrays": [[7, len(blob)]]}).encode()
    ((_, arrays),) = FrameDecoder().feed(raw_frame(head, blob))
    assert list(arrays) == ["7"]
