"""labgrader: an auto-grader for Keras/TensorFlow deep-learning labs.

Library API: :func:`grade_submission` grades one file; the ``grader`` command
(:mod:`grader.cli`) is a thin layer over it. Inside Jupyter, :func:`check` and
:func:`check_all` grade the current notebook in a sandbox and show the result.
"""

__version__ = "0.1.0"


def grade_submission(*args, **kwargs):
    """Grade one submission; see :func:`grader.engine.grade_submission`."""
    from grader.engine import grade_submission as _grade

    return _grade(*args, **kwargs)


def check(exercise=None, **kwargs):
    """In Jupyter: grade one exercise of this notebook in a sandbox; see :func:`grader.notebook.check`."""
    from grader.notebook import check as _check

    return _check(exercise, **kwargs)


def check_all(**kwargs):
    """In Jupyter: grade every exercise of this notebook; see :func:`grader.notebook.check_all`."""
    from grader.notebook import check_all as _check_all

    return _check_all(**kwargs)
