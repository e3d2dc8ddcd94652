"""Length-prefixed frames carrying a JSON header and NumPy arrays.

Used on both sides of the sandbox boundary. The parent decodes arrays with
``allow_pickle=False``, so a frame can never make the grader run code.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile

import numpy as np

MAGIC = b"LGF1"
_HEAD = struct.Struct("<4sQI")  # magic, payload length, header length
MAX_FRAME_BYTES = 512 * 1024 * 1024


class ChannelError(Exception):
    """A frame that is malformed or too large."""


def encode_frame(header: dict, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    blobs = []
    header = dict(header)
    header["arrays"] = []
    for key, value in (arrays or {}).items():
        buf = io.BytesIO()
        np.save(buf, np.asarray(value, order="C"), allow_pickle=False)  # ascontiguousarray would turn 0-d into (1,)
        blob = buf.getvalue()
        header["arrays"].append([key, len(blob)])
        blobs.append(blob)
    head = json.dumps(header, default=_json_default).encode()
    payload = head + b"".join(blobs)
    return _HEAD.pack(MAGIC, len(payload), len(head)) + payload


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


class FrameDecoder:
    """Incremental decoder: feed bytes, collect complete (header, arrays) frames."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[dict, dict[str, np.ndarray]]]:
        self._buf.extend(data)
        frames = []
        while len(self._buf) >= _HEAD.size:
            magic, length, head_len = _HEAD.unpack_from(self._buf)
            if magic != MAGIC or length > MAX_FRAME_BYTES or head_len > length:
                raise ChannelError("corrupt frame on the observation channel")
            if len(self._buf) < _HEAD.size + length:
                break
            payload = bytes(self._buf[_HEAD.size : _HEAD.size + length])
            del self._buf[: _HEAD.size + length]
            frames.append(_decode_payload(payload, head_len))
        return frames


def _decode_payload(payload: bytes, head_len: int) -> tuple[dict, dict[str, np.ndarray]]:
    try:
        header = json.loads(payload[:head_len])
        if not isinstance(header, dict):
            raise ChannelError("frame header is not an object")
        arrays = {}
        offset = head_len
        for key, size in header.pop("arrays", []):
            array = np.load(io.BytesIO(payload[offset : offset + int(size)]), allow_pickle=False)
            if not isinstance(array, np.ndarray):  # e.g. an .npz archive
                raise ChannelError(f"frame entry {key!r} is not a NumPy array")
            arrays[str(key)] = array
            offset += int(size)
    except ChannelError:
        raise
    except (ValueError, TypeError, KeyError, EOFError, OSError, RecursionError, zipfile.BadZipFile) as exc:
        raise ChannelError(f"undecodable frame on the observation channel ({type(exc).__name__}: {exc})") from None
    return header, arrays


class FrameWriter:
    """Child side: writes frames to a private file descriptor."""

    def __init__(self, fd: int) -> None:
        # Move the channel off its well-known number so a stray os.write(3, ...)
        # in student code does not land in it by accident.
        self._fd = os.dup(fd)
        os.close(fd)
        os.set_inheritable(self._fd, False)
        self._write = os.write

    def send(self, header: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
        data = memoryview(encode_frame(header, arrays))
        while data:
            n = self._write(self._fd, data)
            data = data[n:]
