"""Probes for lab 3. Each takes (student_object, inputs, params, obs).

Inputs are arrays the grader chose (random weights, training data, test
*inputs* without their targets); params are budgets and seeds. A probe never
decides pass/fail: it records what the student's code did.
"""

from __future__ import annotations

import numpy as np

from harness.observe import describe_model, final_activation, shape_list


def _keras():
    import keras

    return keras


# ---------------------------------------------------------------- 1. extract_W


def _softmax_models(inputs):
    keras = _keras()
    from keras import layers

    dense_then_activation = keras.Sequential(
        [keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Activation("softmax")]
    )
    dense_softmax_l2 = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.l2(1e-3)),
        ]
    )
    dense_then_activation.layers[1].set_weights([inputs["W_a"], inputs["b_a"]])
    dense_softmax_l2.layers[1].set_weights([inputs["W_b"], inputs["b_b"]])
    return {"dense_then_activation": dense_then_activation, "dense_softmax_l2": dense_softmax_l2}


def extract_W(fn, inputs, params, obs):
    for form, model in _softmax_models(inputs).items():
        result = obs.step(f"W.{form}", fn, model)
        if f"W.{form}.error" not in obs.values:
            obs.put_array(f"W.{form}", result)
    if params.get("skip_training") or "x_train" not in inputs:
        return
    # For the report only (no check reads it): the same function on a briefly
    # trained model, whose weights look like digits rather than noise.
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = _softmax_models(inputs)["dense_then_activation"]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    model.fit(inputs["x_train"][..., 0], inputs["y_train"], epochs=2, batch_size=64, verbose=0)
    result = obs.step("W.trained", fn, model)
    if "W.trained.error" not in obs.values:
        obs.put_array("W.trained", result)
        obs.put("W.trained.kernel", np.asarray(model.layers[1].get_weights()[0], np.float32))


# ---------------------------------------------------------------- 2. bottleneck_2d


def _conv_stack(x):
    from keras import layers

    x = layers.Conv2D(8, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    return layers.Conv2D(32, 3, activation="relu")(x)


def bottleneck_2d(fn, inputs, params, obs):
    keras = _keras()
    from keras import layers

    keras.utils.set_random_seed(int(params.get("seed", 0)))
    image = keras.Input((28, 28, 1))
    features = _conv_stack(image)
    encoded = fn(features)
    if not isinstance(encoded, keras.KerasTensor):
        obs.put("encoded.type", type(encoded).__name__)
        return
    obs.put("encoded.shape", shape_list(encoded.shape))
    flat = layers.Flatten()(encoded)
    obs.put("flatten.size", flat.shape[-1])
    if flat.shape[-1] != params["train_if_flat_size"]:
        obs.put("training.skipped", f"Flatten gives {flat.shape[-1]} values per image")
        return
    if params.get("skip_training"):
        return
    h = layers.Dense(64, activation="relu")(flat)
    h = layers.Dropout(0.5)(h)
    out = layers.Dense(10, activation="softmax")(h)
    model = keras.Model(image, out)
    model.compile(optimizer=keras.optimizers.Adam(params.get("learning_rate", 1e-3)), loss="sparse_categorical_crossentropy")
    model.fit(inputs["x_train"], inputs["y_train"], epochs=params["epochs"], batch_size=params["batch_size"], verbose=0)
    obs.put("test_probabilities", model.predict(inputs["x_test"], batch_size=256, verbose=0).astype(np.float32))
    # The 2-D codes of the test digits, for the report's scatter plot.
    encoder = keras.Model(image, flat)
    obs.put("test_codes", encoder.predict(inputs["x_test"][:500], batch_size=256, verbose=0).astype(np.float32))
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


# ---------------------------------------------------------------- 3. add_noise


def add_noise(fn, inputs, params, obs):
    for factor in params["noise_factors"]:
        x = inputs["flat"].copy()
        out = obs.step(f"noisy.{factor}", fn, x, noise_factor=factor)
        if f"noisy.{factor}.error" in obs.values:
            continue
        obs.put_array(f"noisy.{factor}", out)
        obs.put(f"input_changed.{factor}", bool(not np.array_equal(x, inputs["flat"])))
    digits = inputs["digits"].copy()
    out = obs.step("noisy.default", fn, digits)
    if "noisy.default.error" not in obs.values:
        obs.put_array("noisy.default", out)
        obs.put("input_changed.default", bool(not np.array_equal(digits, inputs["digits"])))


# ---------------------------------------------------------------- training helpers


def _fit(build, x_train, y_train, loss, params, seed):
    """Build a fresh model and train it under the rubric's budget (the student's own compile is replaced)."""
    keras = _keras()
    keras.utils.set_random_seed(int(seed))
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(params.get("learning_rate", 1e-3)), loss=loss)
    history = model.fit(x_train, y_train, epochs=params["epochs"], batch_size=params["batch_size"], verbose=0)
    return model, [float(v) for v in history.history.get("loss", [])]


def _predict(model, x):
    return model.predict(x, batch_size=256, verbose=0)


def _model_or_note(fn, obs, **kwargs):
    keras = _keras()
    model = fn(**kwargs)
    obs.put("model", describe_model(model))
    return model if isinstance(model, keras.Model) else None


def _io_matches(model, input_shape, output_shape) -> bool:
    try:
        return shape_list(model.inputs[0].shape) == input_shape and shape_list(model.outputs[0].shape) == output_shape
    except Exception:  # noqa: BLE001
        return False


# ---------------------------------------------------------------- 4. build_sr_network


def build_sr_network(fn, inputs, params, obs):
    model = _model_or_note(fn, obs)
    if model is None or not _io_matches(model, [None, 14, 14, 1], [None, 28, 28, 1]) or not model.trainable_weights:
        obs.put("training.skipped", "the model's shapes or weights are not those of a super-resolution network")
        return
    if params.get("skip_training"):
        return
    # Binary cross-entropy needs outputs in [0, 1]; anything else trains on MSE.
    loss = "binary_crossentropy" if final_activation(model) == "sigmoid" else "mse"
    obs.put("training.loss", loss)
    # A short budget occasionally leaves a correct network stuck (e.g. at the
    # mean image). Another seed is tried only when a run does worse on its own
    # training digits than copying each low-res pixel (nearest-neighbour) does;
    # that test uses training data only, nothing the grader keeps hidden.
    x_low, x_high = inputs["x_train_low"][:500], inputs["x_train"][:500]
    nearest_mse = float(np.mean((np.repeat(np.repeat(x_low, 2, axis=1), 2, axis=2) - x_high) ** 2))
    for seed in params["seeds"]:
        model, losses = _fit(fn, inputs["x_train_low"], inputs["x_train"], loss, params, seed)
        prediction = np.asarray(_predict(model, inputs["x_test_low"]), np.float32)
        obs.put(f"prediction.seed{seed}", prediction.reshape(len(prediction), -1))
        obs.put(f"training.loss_curve.seed{seed}", losses)
        train_mse = float(np.mean((np.asarray(_predict(model, x_low), np.float32) - x_high) ** 2))
        obs.put(f"training.mse.seed{seed}", train_mse)
        if train_mse < nearest_mse:
            break
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


# ---------------------------------------------------------------- 5. build_angle_cnn


def build_angle_cnn(fn, inputs, params, obs):
    model = _model_or_note(fn, obs)
    if model is None:
        return
    last = model.layers[-1] if model.layers else None
    obs.put("last_layer", {
        "class": type(last).__name__ if last is not None else None,
        "units": getattr(last, "units", None),
        "activation": getattr(getattr(last, "activation", None), "__name__", None),
    })
    if not _io_matches(model, [None, 28, 28, 1], [None, 1]):
        obs.put("training.skipped", "the model does not map (28, 28, 1) images to one number")
        return
    if params.get("skip_training"):
        return
    scale = float(params["angle_scale"])  # train on angle / scale: same optimum, better conditioned
    model, losses = _fit(fn, inputs["x_train"], inputs["angles_train"] / scale, "mse", params, params["seed"])
    predictions = _predict(model, inputs["x_test"])
    obs.put("predicted_angles", np.asarray(predictions, np.float32).reshape(-1) * scale)
    obs.put("training.loss_curve", losses)
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


# ---------------------------------------------------------------- 6. detector_channels


def build_detector(confidence: int, box: int, classes: int):
    """The lab's detector: a shared conv encoder and three 1x1-conv heads on a 2x2 grid."""
    keras = _keras()
    from keras import layers

    image = keras.Input((64, 64, 1))
    x = layers.Conv2D(16, 33, activation="relu")(image)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(4)(x)
    heads = [
        layers.Conv2D(confidence, 1, activation="sigmoid")(x),
        layers.Conv2D(box, 1)(x),
        layers.Conv2D(classes, 1, activation="softmax")(x),
    ]
    return keras.Model(image, layers.Concatenate(axis=-1)(heads))


def detector_channels(fn, inputs, params, obs):
    counts = fn()
    obs.put("counts.type", type(counts).__name__)
    try:
        values = [int(v) for v in counts]
    except Exception:  # noqa: BLE001
        obs.put("counts.repr", repr(counts)[:200])
        return
    obs.put("counts", values)
    if len(values) == 3 and all(v > 0 for v in values):
        detector = build_detector(*values)
        obs.put("detector", describe_model(detector))


# ---------------------------------------------------------------- 7. build_unet_no_skips


def build_unet_no_skips(fn, inputs, params, obs):
    keras = _keras()
    model = _model_or_note(fn, obs)
    if model is None:
        return
    output = obs.step("forward", model.predict, inputs["scenes"], verbose=0)
    if output is not None:
        obs.put_array("forward", output, dtype=np.float32)
    # Called again with other arguments: both must shape the model.
    other = obs.step("other_arguments", fn, input_shape=tuple(params["other_input_shape"]), num_classes=int(params["other_num_classes"]))
    if isinstance(other, keras.Model):
        obs.put("other_arguments.model", describe_model(other))


# ---------------------------------------------------------------- 8. BatchNormalizedLayer


def _dense(inputs):
    keras = _keras()
    return keras.layers.Dense(
        inputs["kernel"].shape[1],
        kernel_initializer=keras.initializers.Constant(inputs["kernel"]),
        bias_initializer=keras.initializers.Constant(inputs["bias"]),
    )


def BatchNormalizedLayer(cls, inputs, params, obs):
    keras = _keras()
    x = inputs["x"]

    def linear_in_training():
        layer = cls(_dense(inputs))
        out = layer(x, training=True)
        obs.put("trainable_weights", len(layer.trainable_weights))
        obs.put("non_trainable_weights", len(layer.non_trainable_weights))
        return out

    for key, run in [
        ("train_linear", linear_in_training),
        ("train_relu", lambda: cls(_dense(inputs), activation="relu")(x, training=True)),
        ("infer_linear", lambda: cls(_dense(inputs))(x, training=False)),
    ]:
        out = obs.step(key, run)
        if out is not None:
            obs.put_array(key, out, dtype=np.float32)

    def train_in_sequential():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([
            keras.Input(inputs["images"].shape[1:]),
            cls(keras.layers.Conv2D(4, 3), activation="relu"),
            cls(keras.layers.Conv2D(2, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ])
        before = [np.array(w) for w in model.trainable_weights]
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        loss = float(np.ravel(model.train_on_batch(inputs["images"], inputs["targets"]))[0])
        after = [np.array(w) for w in model.trainable_weights]
        obs.put("sequential.output_shape", shape_list(model.outputs[0].shape))
        obs.put("sequential.loss", loss)
        obs.put("sequential.trainable_tensors", len(before))
        obs.put("sequential.changed_tensors", sum(not np.array_equal(a, b) for a, b in zip(before, after)))
        return True

    obs.step("sequential", train_in_sequential)
