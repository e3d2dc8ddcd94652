"""labgrader: an auto-grader for Keras/TensorFlow deep-learning labs.

Library API: :func:`grade_submission` grades one file; the ``grader`` command
(:mod:`grader.cli`) is a thin layer over it.
"""

__version__ = "0.1.0"


def grade_submission(*args, **kwargs):
    """Grade one submission; see :func:`grader.engine.grade_submission`."""
    from grader.engine import grade_submission as _grade

    return _grade(*args, **kwargs)
