"""Thin shims that let Keras 2 era notebooks run on Keras 3 with the same meaning.

Old lab notebooks use spellings Keras 3 dropped (``Model(input=, output=)``,
``Adam(lr=)``, ``fit_generator``, ``keras.layers.normalization``, ...). Where
the Keras 3 replacement means exactly the same thing, the sandbox runs the
old spelling as the new one and tells the caller through ``record`` so the
report can name the replacement. Things whose meaning cannot be kept
(Keras 1's ``merge(mode=...)``, ``samples_per_epoch``, sessions, ...) are left
alone so they keep failing and ``grader/hints.py`` explains them.

This module runs inside the sandbox as ``harness.compat``: it may import only
the standard library, numpy and keras.

``install_keras2_shims`` must run before the integrity guard is created: it
replaces ``Model.fit`` (for ``nb_epoch=``), and the guard would otherwise take
that for tampering.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import inspect
import numbers
import sys
from typing import Callable

# Set on every function and object this module installs, so a second install
# (even through a second copy of this module) can tell what is already there.
_MARK = "__labgrader_keras2_shim__"

MODEL_KWARGS = "Model(input=..., output=...) was run as Model(inputs=..., outputs=...)"
FIT_GENERATOR = "model.fit_generator(...) was run as model.fit(...)"
EVALUATE_GENERATOR = "model.evaluate_generator(...) was run as model.evaluate(...)"
PREDICT_GENERATOR = "model.predict_generator(...) was run as model.predict(...)"
NB_EPOCH = "model.fit(nb_epoch=...) was run as model.fit(epochs=...)"
PREDICT_CLASSES_ARGMAX = "model.predict_classes(...) was run as model.predict(...).argmax(axis=-1)"
PREDICT_CLASSES_THRESHOLD = "model.predict_classes(...) was run as (model.predict(...) > 0.5).astype('int32')"
PREDICT_PROBA = "model.predict_proba(...) was run as model.predict(...)"
OPTIMIZER_LR_ATTRIBUTE = "optimizer.lr was run as optimizer.learning_rate"
IMAGE_DIM_ORDERING = "keras.backend.image_dim_ordering() was run as keras.backend.image_data_format()"
SET_VALUE = "keras.backend.set_value(x, value) was run as x.assign(value)"
HISTORY_ACC = "history.history['acc'] was read as history.history['accuracy'] (Keras 2.2's name for the accuracy metric)"

# Keras 2 module paths that only re-exported what Keras 3 keeps in one namespace.
OLD_MODULES: dict[str, tuple[str, ...]] = {
    "keras.layers.normalization": ("keras.layers",),
    "keras.layers.core": ("keras.layers",),
    "keras.layers.convolutional": ("keras.layers",),
    "keras.layers.pooling": ("keras.layers",),
    "keras.layers.merge": ("keras.layers",),
    "keras.layers.advanced_activations": ("keras.layers",),
    "keras.layers.recurrent": ("keras.layers",),
    "keras.layers.embeddings": ("keras.layers",),
    "keras.layers.wrappers": ("keras.layers",),
    "keras.layers.noise": ("keras.layers",),
    "keras.layers.convolutional_recurrent": ("keras.layers",),
    "keras.utils.np_utils": ("keras.utils",),
    "keras.utils.generic_utils": ("keras.utils",),
    "keras.utils.data_utils": ("keras.utils",),
    "keras.utils.vis_utils": ("keras.utils",),
    # keras.engine re-exported Input/Layer/InputSpec and Model
    "keras.engine": ("keras.layers", "keras.models"),
    "keras.engine.topology": ("keras.layers",),
    "keras.engine.base_layer": ("keras.layers",),
    "keras.engine.input_layer": ("keras.layers",),
    "keras.engine.training": ("keras.models",),
}

# Keras 2's positional order (tf.keras 2.x / Keras 2.3) after the generator.
_FIT_GENERATOR_ORDER = ("steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data", "validation_steps",
                        "validation_freq", "class_weight", "max_queue_size", "workers", "use_multiprocessing",
                        "shuffle", "initial_epoch")
_EVAL_GENERATOR_ORDER = ("steps", "callbacks", "max_queue_size", "workers", "use_multiprocessing", "verbose")
# These only chose how batches were fetched (threads, processes, queue length);
# Keras 3 moved them onto PyDataset, and dropping them changes no result.
_FETCH_ONLY = ("max_queue_size", "workers", "use_multiprocessing")


def _ignore(message: str) -> None:
    pass


_record: Callable[[str], None] = _ignore


def _note(message: str) -> None:
    _record(message)


def _is_shim(obj: object) -> bool:
    return bool(getattr(obj, _MARK, False))


def _wrap(original: Callable, replacement: Callable) -> Callable:
    """Mark ``replacement`` as a shim and give it ``original``'s signature.

    Keras inspects ``__init__`` signatures (auto get_config, functional-like
    constructors), so a wrapper must look exactly like what it wraps.
    """
    functools.update_wrapper(replacement, original)
    replacement.__signature__ = inspect.signature(original)
    setattr(replacement, _MARK, True)
    return replacement


# ------------------------------------------------------------------ Model(input=, output=)

def _renamed_model_kwargs(args: tuple, kwargs: dict) -> dict | None:
    """Keras 2's ``input=``/``output=`` renamed, when that makes a functional call; else None."""
    from keras.src.models.model import functional_init_arguments

    if "input" not in kwargs and "output" not in kwargs:
        return None
    renamed = dict(kwargs)
    for old, new in (("input", "inputs"), ("output", "outputs")):
        if old in renamed and new not in renamed:
            renamed[new] = renamed.pop(old)
    if "input" in renamed or "output" in renamed:  # both spellings given: leave the error to Keras
        return None
    return renamed if functional_init_arguments(args, renamed) else None


def _patch_model_constructor() -> None:
    import keras
    from keras.src.models.functional import Functional

    model_new = keras.Model.__dict__["__new__"]
    original_new = model_new.__func__ if isinstance(model_new, staticmethod) else model_new
    if not _is_shim(original_new):
        # Model.__new__ decides from the arguments whether Model(...) becomes
        # a Functional; it must see the Keras 3 names to decide right.
        def __new__(cls, *args, **kwargs):
            renamed = _renamed_model_kwargs(args, kwargs)
            return original_new(cls, *args, **(kwargs if renamed is None else renamed))

        keras.Model.__new__ = staticmethod(_wrap(original_new, __new__))

    # Python then calls __init__ with the caller's own keywords: Functional's
    # for Model(...), Model's for a subclass used the functional way.
    for cls in (keras.Model, Functional):
        original_init = cls.__dict__["__init__"]
        if _is_shim(original_init):
            continue

        def __init__(self, *args, _original=original_init, **kwargs):
            renamed = _renamed_model_kwargs(args, kwargs)
            if renamed is not None:
                _note(MODEL_KWARGS)
                kwargs = renamed
            return _original(self, *args, **kwargs)

        cls.__init__ = _wrap(original_init, __init__)


# ------------------------------------------------------------------ optimizers

def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _patch_optimizers() -> None:
    from keras.src.optimizers.base_optimizer import BaseOptimizer
    from keras.optimizers.schedules import InverseTimeDecay

    original_init = BaseOptimizer.__dict__["__init__"]
    if not _is_shim(original_init):
        def __init__(self, *args, **kwargs):
            name = type(self).__name__
            if "lr" in kwargs:
                # Every Keras 3 optimizer passes its own learning_rate default
                # up to here; as in Keras 2, an explicit lr= wins over it.
                lr = kwargs.pop("lr")
                if args:
                    args = (lr, *args[1:])
                else:
                    kwargs["learning_rate"] = lr
                _note(f"{name}(lr=...) was run as {name}(learning_rate=...)")
            rate = args[0] if args else kwargs.get("learning_rate")
            if isinstance(rate, numbers.Integral) and not isinstance(rate, bool):
                # Keras 2 took SGD(10 ** 0); Keras 3 refuses an int, though 1 and 1.0 mean the same rate.
                rate = float(rate)
                if args:
                    args = (rate, *args[1:])
                else:
                    kwargs["learning_rate"] = rate
                _note(f"{name}(learning_rate={int(rate)}) was run as {name}(learning_rate={rate!r}) (Keras 3 refuses an int learning rate)")
            decay = kwargs.get("decay")
            # Keras 3 ignores decay= (with a warning), which silently changes
            # training. Keras 2 used lr / (1 + decay * iterations): exactly
            # InverseTimeDecay with decay_steps=1 evaluated at the iteration count.
            # decay=0 needs nothing: ignoring it is what it meant.
            if _is_number(decay) and decay != 0 and _is_number(rate):
                del kwargs["decay"]
                schedule = InverseTimeDecay(initial_learning_rate=float(rate), decay_steps=1, decay_rate=float(decay))
                if args:
                    args = (schedule, *args[1:])
                else:
                    kwargs["learning_rate"] = schedule
                _note(f"{name}(decay=...) was run as {name}(learning_rate=keras.optimizers.schedules."
                      "InverseTimeDecay(lr, decay_steps=1, decay_rate=decay))")
            return original_init(self, *args, **kwargs)

        BaseOptimizer.__init__ = _wrap(original_init, __init__)

    if "lr" not in BaseOptimizer.__dict__:
        def get_lr(self):
            _note(OPTIMIZER_LR_ATTRIBUTE)
            return self.learning_rate

        def set_lr(self, value):
            _note(OPTIMIZER_LR_ATTRIBUTE)
            self.learning_rate = value

        setattr(get_lr, _MARK, True)
        BaseOptimizer.lr = property(get_lr, set_lr, doc="Keras 2's name for learning_rate.")


# ------------------------------------------------------------------ fit/evaluate/predict

def _bind(method: str, order: tuple[str, ...], args: tuple, kwargs: dict) -> dict:
    """Keras 2 positional arguments turned into keywords, as the old signature read them."""
    if len(args) > len(order):
        raise TypeError(f"{method}() takes at most {len(order) + 1} positional arguments ({len(args) + 1} given)")
    bound = dict(kwargs)
    for name, value in zip(order, args):
        if name in bound:
            raise TypeError(f"{method}() got multiple values for argument '{name}'")
        bound[name] = value
    for name in _FETCH_ONLY:
        bound.pop(name, None)
    return bound


def _batches(source, inputs_only: bool = False):
    """A plain iterator's batches in the form Keras 3's fit/evaluate/predict accept.

    Keras 2 called next() on any iterator and took a list (x, y) like a tuple,
    and for prediction a bare array or list as the inputs. Keras 3 takes only
    generators, and only tuples from them. Sequences/PyDatasets and tf.data
    are passed on untouched: Keras 3 reads them as Keras 2 did.
    """
    from keras.utils import PyDataset

    if isinstance(source, PyDataset) or not hasattr(source, "__next__"):
        return source

    def generate():
        for batch in source:
            if isinstance(batch, tuple):
                yield batch
            elif inputs_only:
                yield (batch,)
            else:
                yield tuple(batch)

    return generate()


def fit_generator(self, generator, *args, **kwargs):
    """Keras 2's fit_generator, run as fit (which takes generators in Keras 3)."""
    _note(FIT_GENERATOR)
    bound = _bind("fit_generator", _FIT_GENERATOR_ORDER, args, kwargs)
    bound.setdefault("verbose", 1)  # Keras 2's default here, where fit says "auto"
    if "validation_data" in bound:
        bound["validation_data"] = _batches(bound["validation_data"])
    return self.fit(_batches(generator), **bound)


def evaluate_generator(self, generator, *args, **kwargs):
    """Keras 2's evaluate_generator, run as evaluate."""
    _note(EVALUATE_GENERATOR)
    bound = _bind("evaluate_generator", _EVAL_GENERATOR_ORDER, args, kwargs)
    bound.setdefault("verbose", 0)  # evaluate_generator was quiet by default
    return self.evaluate(_batches(generator), **bound)


def predict_generator(self, generator, *args, **kwargs):
    """Keras 2's predict_generator, run as predict."""
    _note(PREDICT_GENERATOR)
    bound = _bind("predict_generator", _EVAL_GENERATOR_ORDER, args, kwargs)
    bound.setdefault("verbose", 0)
    return self.predict(_batches(generator, inputs_only=True), **bound)


def predict_classes(self, x, batch_size=32, verbose=0):
    """Keras 2's Sequential.predict_classes: argmax, or a 0.5 threshold for one output unit."""
    proba = self.predict(x, batch_size=batch_size, verbose=verbose)
    if proba.shape[-1] > 1:
        _note(PREDICT_CLASSES_ARGMAX)
        return proba.argmax(axis=-1)
    _note(PREDICT_CLASSES_THRESHOLD)
    return (proba > 0.5).astype("int32")


def predict_proba(self, x, batch_size=32, verbose=0):
    """Keras 2's Sequential.predict_proba: predict under its old name."""
    _note(PREDICT_PROBA)
    return self.predict(x, batch_size=batch_size, verbose=verbose)


def _patch_training() -> None:
    import keras

    for name, function in (("fit_generator", fit_generator), ("evaluate_generator", evaluate_generator),
                           ("predict_generator", predict_generator)):
        if not hasattr(keras.Model, name):
            setattr(function, _MARK, True)
            setattr(keras.Model, name, function)
    # Keras 2 had these on Sequential only; a functional model never did.
    for name, function in (("predict_classes", predict_classes), ("predict_proba", predict_proba)):
        if not hasattr(keras.Sequential, name):
            setattr(function, _MARK, True)
            setattr(keras.Sequential, name, function)

    original_fit = keras.Model.fit
    if not _is_shim(original_fit):
        def fit(self, *args, **kwargs):
            if "nb_epoch" in kwargs and "epochs" not in kwargs:  # Keras 1's name
                _note(NB_EPOCH)
                kwargs["epochs"] = kwargs.pop("nb_epoch")
            history = original_fit(self, *args, **kwargs)
            if isinstance(getattr(history, "history", None), dict) and not isinstance(history.history, Keras2HistoryDict):
                history.history = Keras2HistoryDict(history.history)
            return history

        keras.Model.fit = _wrap(original_fit, fit)


class Keras2HistoryDict(dict):
    """A History's ``history`` dict that still answers to Keras 2.2's 'acc' / 'val_acc' for 'accuracy' / 'val_accuracy'."""

    _OLD_NAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}

    def __missing__(self, key):
        new = self._OLD_NAMES.get(key)
        if new is not None and new in self:
            _note(HISTORY_ACC)
            return self[new]
        raise KeyError(key)

    def __reduce__(self):
        # np.save(path, history.history) pickles it: as a plain dict, so it loads anywhere.
        return (dict, (dict(self),))


setattr(Keras2HistoryDict, _MARK, True)


# ------------------------------------------------------------------ old module paths

class _OldModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a Keras 2 module path as a view of the Keras 3 namespace that replaced it.

    It sits last on sys.meta_path, so a module that really exists always wins.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in OLD_MODULES:
            return None
        is_package = any(other.startswith(fullname + ".") for other in OLD_MODULES)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec):
        return None  # a plain module

    def exec_module(self, module):
        targets = [importlib.import_module(name) for name in OLD_MODULES[module.__name__]]

        def __getattr__(name):
            # attributes resolve at use, so they are the very Keras 3 objects
            if not name.startswith("__"):
                for target in targets:
                    if hasattr(target, name):
                        return getattr(target, name)
            raise AttributeError(f"module {module.__name__!r} (a Keras 2 path, run as "
                                 f"{' and '.join(OLD_MODULES[module.__name__])}) has no attribute {name!r}")

        def __dir__():
            return sorted({n for t in targets for n in dir(t) if not n.startswith("_")})

        module.__getattr__ = __getattr__
        module.__dir__ = __dir__
        module.__all__ = __dir__()  # so `from keras.layers.core import *` works
        _note(f"{module.__name__} was run as {' and '.join(OLD_MODULES[module.__name__])}")


setattr(_OldModuleFinder, _MARK, True)


def _install_module_finder() -> None:
    if not any(_is_shim(type(finder)) for finder in sys.meta_path):
        sys.meta_path.append(_OldModuleFinder())


# ------------------------------------------------------------------ keras.backend

def set_image_dim_ordering(dim_ordering):
    """Keras 2's set_image_dim_ordering: 'tf' is channels_last, 'th' channels_first."""
    import keras

    formats = {"tf": "channels_last", "th": "channels_first"}
    if dim_ordering not in formats:
        raise ValueError(f"Unknown dim_ordering: {dim_ordering!r} (expected 'tf' or 'th')")
    _note(f"keras.backend.set_image_dim_ordering({dim_ordering!r}) was run as "
          f"keras.backend.set_image_data_format({formats[dim_ordering]!r})")
    keras.backend.set_image_data_format(formats[dim_ordering])


def image_dim_ordering():
    """Keras 2's image_dim_ordering: 'tf' for channels_last, 'th' for channels_first."""
    import keras

    _note(IMAGE_DIM_ORDERING)
    return "tf" if keras.backend.image_data_format() == "channels_last" else "th"


def set_value(x, value):
    """Keras 2's K.set_value, which for a Keras 3 variable is x.assign(value)."""
    import keras
    import numpy as np

    if isinstance(x, keras.Variable):
        _note(SET_VALUE)
        x.assign(np.asarray(value, dtype=x.dtype))
        return
    _note("keras.backend.set_value was run as tf.keras.backend.set_value")
    from keras._tf_keras.keras import backend as tf_keras_backend

    tf_keras_backend.set_value(x, value)


def _legacy_backend():
    """tf.keras's backend module: Keras 2's K.* functions, which Keras 3 still ships for tf.keras."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    from keras._tf_keras.keras import backend as tf_keras_backend

    return tf_keras_backend


def _backend_getattr(name: str):
    import keras

    if name.startswith("_"):
        raise AttributeError(f"module 'keras.backend' has no attribute {name!r}")
    own = {"set_image_dim_ordering": set_image_dim_ordering, "image_dim_ordering": image_dim_ordering,
           "set_value": set_value}
    if name in own:
        return own[name]
    legacy = _legacy_backend()
    if legacy is not None and name in vars(legacy):
        # only what tf.keras.backend itself offers: K.mean, K.square, ... on TF tensors
        _note(f"keras.backend.{name} was run as tf.keras.backend.{name}")
        return getattr(legacy, name)
    raise AttributeError(f"module {keras.backend.__name__!r} has no attribute {name!r}")


setattr(_backend_getattr, _MARK, True)


def _patch_backend() -> None:
    import keras

    if not _is_shim(getattr(keras.backend, "__getattr__", None)):
        keras.backend.__getattr__ = _backend_getattr


# ------------------------------------------------------------------ keras.preprocessing.image

def _patch_image_preprocessing() -> None:
    """Keras 3 dropped ``Iterator`` (the lab's RotNetDataGenerator's base) and friends from
    ``keras.preprocessing.image``; tf.keras still ships Keras 2's classes, built on PyDataset."""
    import keras
    import keras.preprocessing.image as image

    if _is_shim(getattr(image, "__getattr__", None)) or keras.backend.backend() != "tensorflow":
        return

    def __getattr__(name):
        from keras._tf_keras.keras.preprocessing import image as legacy

        if not name.startswith("_") and hasattr(legacy, name):
            _note(f"keras.preprocessing.image.{name} was run as tf.keras.preprocessing.image.{name} (Keras 2's class, kept by Keras 3 for tf.keras)")
            return getattr(legacy, name)
        raise AttributeError(f"module 'keras.preprocessing.image' has no attribute {name!r}")

    setattr(__getattr__, _MARK, True)
    image.__getattr__ = __getattr__


# ------------------------------------------------------------------ OpenCV

CV2_FLOAT_TEXT = "cv2.putText on a float image was drawn as OpenCV 4 did (OpenCV 5 draws text on 8-bit images only)"
CV2_ARRAY_ANGLE = "cv2.getRotationMatrix2D with a one-element array as the angle was run with float(angle), as OpenCV 4 did"


def _patch_opencv() -> None:
    """OpenCV 5 refuses what the lab's code passes and OpenCV 4 took: float images to putText, a one-element array as an angle."""
    try:
        import cv2
    except ImportError:
        return
    import numpy as np

    original = cv2.putText
    if _is_shim(original) or int(cv2.__version__.split(".")[0]) < 5:
        return

    def putText(img, text, org, fontFace, fontScale, color, thickness=1, lineType=8, bottomLeftOrigin=False):
        if not isinstance(img, np.ndarray) or img.dtype == np.uint8:
            return original(img, text, org, fontFace, fontScale, color, thickness, lineType, bottomLeftOrigin)
        _note(CV2_FLOAT_TEXT)
        # Draw the text as coverage on an 8-bit mask, then blend the colour into the float image.
        mask = np.zeros(img.shape[:2], np.uint8)
        original(mask, text, org, fontFace, fontScale, 255, thickness, lineType, bottomLeftOrigin)
        alpha = (mask.astype(np.float64) / 255.0)
        colour = np.asarray(color, np.float64)[: img.shape[2] if img.ndim == 3 else 1]
        if img.ndim == 3:
            alpha = alpha[..., None]
            colour = np.resize(colour, img.shape[2])
        else:
            colour = colour[0]
        img[...] = (img * (1 - alpha) + colour * alpha).astype(img.dtype)
        return img

    putText.__doc__ = original.__doc__
    setattr(putText, _MARK, True)
    cv2.putText = putText

    rotation_matrix = cv2.getRotationMatrix2D

    def getRotationMatrix2D(center, angle, scale):
        # OpenCV 4 took a one-element array (a model's prediction) for the angle.
        if isinstance(angle, np.ndarray) and angle.size == 1:
            _note(CV2_ARRAY_ANGLE)
            angle = float(angle.reshape(()))
        return rotation_matrix(center, angle, scale)

    getRotationMatrix2D.__doc__ = rotation_matrix.__doc__
    setattr(getRotationMatrix2D, _MARK, True)
    cv2.getRotationMatrix2D = getRotationMatrix2D


# ------------------------------------------------------------------ NumPy's removed aliases

#: NumPy 1.24 removed these aliases of Python's own types; notebooks of the Keras 2 years use them (np.geomspace(..., dtype=np.int)).
NUMPY_ALIASES = {"int": int, "float": float, "bool": bool, "object": object, "complex": complex, "str": str, "long": int}


def _patch_numpy_aliases() -> None:
    import numpy as np

    original = np.__dict__.get("__getattr__")
    if original is None or _is_shim(original):
        return

    def __getattr__(name):
        if name in NUMPY_ALIASES:
            _note(f"np.{name} was run as Python's {NUMPY_ALIASES[name].__name__} (NumPy 1.24 removed the alias)")
            return NUMPY_ALIASES[name]
        return original(name)

    setattr(__getattr__, _MARK, True)
    np.__getattr__ = __getattr__


# ------------------------------------------------------------------ keras.optimizers.rmsprop (Keras 2 lowercase aliases)

# Keras 2 kept lowercase aliases of its optimizer classes (keras.optimizers.rmsprop(lr=..., decay=...)).
OPTIMIZER_ALIASES = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adadelta": "Adadelta", "adam": "Adam",
                     "adamax": "Adamax", "nadam": "Nadam"}


def _patch_optimizer_aliases() -> None:
    """``keras.optimizers.rmsprop(...)`` runs as ``keras.optimizers.RMSprop(...)`` (and so for Keras 2's other aliases)."""
    import keras

    module = keras.optimizers
    if _is_shim(getattr(module, "__getattr__", None)):
        return

    def __getattr__(name):
        if name in OPTIMIZER_ALIASES:
            cls = getattr(module, OPTIMIZER_ALIASES[name])

            def alias(*args, **kwargs):
                _note(f"keras.optimizers.{name}(...) was run as keras.optimizers.{cls.__name__}(...)")
                return cls(*args, **kwargs)

            return alias
        raise AttributeError(f"module 'keras.optimizers' has no attribute {name!r}")

    setattr(__getattr__, _MARK, True)
    module.__getattr__ = __getattr__


# ------------------------------------------------------------------ self.trainable_weights += ... in a custom layer

WEIGHT_LIST_ASSIGNED = ("self.{name} += ... was skipped: Keras 3 tracks the weights of layers assigned to attributes "
                        "and of add_weight by itself (the property has no setter)")


def _patch_weight_list_setters() -> None:
    """Keras 2 layers often added their sub-layers' weights by hand (``self.trainable_weights += layer.trainable_weights``).

    In Keras 3 the property has no setter; those weights are already tracked.
    An assignment that only lists weights the layer already tracks is skipped
    (and noted); one that would add any other weight still fails, with the
    Keras 3 way in its message.
    """
    from keras.src.layers.layer import Layer

    for name in ("trainable_weights", "non_trainable_weights"):
        current = Layer.__dict__.get(name)
        if not isinstance(current, property) or current.fset is not None:
            continue  # already shimmed, or Keras changed: leave it

        def setter(self, value, _name=name):
            tracked = {id(w) for w in self.weights}
            untracked = [w for w in list(value or []) if id(w) not in tracked]
            if untracked:
                raise AttributeError(
                    f"property '{_name}' of '{type(self).__name__}' object has no setter: Keras 3 tracks the weights of "
                    "layers assigned to attributes and of add_weight by itself; create the weights with self.add_weight "
                    f"instead of adding {getattr(untracked[0], 'path', untracked[0])!s} to {_name}")
            _note(WEIGHT_LIST_ASSIGNED.format(name=_name))

        setattr(setter, _MARK, True)
        setattr(Layer, name, property(current.fget, setter, doc=current.__doc__))


# ------------------------------------------------------------------ keras.applications without the network

APPLICATION_WEIGHTS = ("keras.applications.{name}(weights='imagenet') was built with weights=None: the sandbox has no "
                       "network to download pretrained weights (the model's structure is the same)")


def _patch_applications_offline() -> None:
    """``keras.applications.VGG19(weights='imagenet')`` (and the other networks) built with ``weights=None``.

    The sandbox cannot download the weights; notebooks that cut sub-models out
    of a pretrained network are graded on their structure, which the weights
    do not change. The number of classes stays ImageNet's 1000.
    """
    import keras

    modules = [keras.applications] + [getattr(keras.applications, n) for n in dir(keras.applications)
                                      if not n.startswith("_") and inspect.ismodule(getattr(keras.applications, n))]
    wrapped: dict[int, Callable] = {}
    for module in modules:
        for attribute in dir(module):
            original = getattr(module, attribute)
            if not attribute[:1].isupper() or not callable(original) or _is_shim(original) or inspect.isclass(original):
                continue
            try:
                if "weights" not in inspect.signature(original).parameters:
                    continue
            except (TypeError, ValueError):
                continue
            if id(original) not in wrapped:
                def offline(*args, _original=original, _name=attribute, **kwargs):
                    signature = inspect.signature(_original)
                    try:
                        bound = signature.bind(*args, **kwargs)
                    except TypeError:
                        return _original(*args, **kwargs)  # let Keras say what is wrong with the arguments
                    bound.apply_defaults()
                    if bound.arguments.get("weights") == "imagenet":
                        _note(APPLICATION_WEIGHTS.format(name=_name))
                        bound.arguments["weights"] = None
                    return _original(*bound.args, **bound.kwargs)

                wrapped[id(original)] = _wrap(original, offline)
            setattr(module, attribute, wrapped[id(original)])


# ------------------------------------------------------------------ entry point

def install_keras2_shims(record: Callable[[str], None]) -> bool:
    """Make Keras 2 spellings run on Keras 3; ``record(message)`` is called at each use.

    Idempotent: a second call installs nothing and only switches to the new
    ``record``. Returns True when the shims were installed by this call.
    """
    global _record
    import keras

    _record = record
    already = _is_shim(keras.Model.__dict__.get("fit"))
    _patch_model_constructor()
    _patch_optimizers()
    _patch_training()
    _install_module_finder()
    _patch_backend()
    _patch_image_preprocessing()
    _patch_opencv()
    _patch_numpy_aliases()
    _patch_optimizer_aliases()
    _patch_weight_list_setters()
    _patch_applications_offline()
    return not already
