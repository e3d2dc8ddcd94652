"""The submission loader never raises anything but SubmissionError, whatever it is handed (property-based).

It runs in the trusted process on whatever a student hands in, so its contract
is a property: every input becomes a Submission (perhaps with skipped cells and
notes) or a SubmissionError with a message, never a traceback. Hypothesis
generates notebook JSON of odd shapes (cells that are not objects, sources that
are null, numbers or mixed lists, missing keys, deep nesting), cell and script
text (unparseable, null bytes, very long expressions) and raw bytes in other
encodings. The last-resort "defect of the grader" message must never appear:
it would mean the loader met a case it does not handle itself.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.submission import Submission, SubmissionError, load_submission

# CI explores the same 150 examples every run (derandomized, so a landing never hinges on luck);
# FUZZ_EXAMPLES=5000 explores afresh, for a longer hunt on a developer's machine.
_HUNT = os.environ.get("FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(_HUNT or 150), deadline=None, derandomize=not _HUNT,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

code_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["def f(:\n", "x = ???", "%matplotlib inline\nimport numpy as np", "def build(x):\n    return x\n",
                     "class A:\n    pass", "\x00", "!ls\nx = 1", "x = " + "+".join(["1"] * 50_000), "(" * 300 + ")" * 300,
                     "def f():\n" + "    if x:\n" * 120 + "        pass", "λ = 1", "x = \"\"\"unterminated"]),
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
cell_source = st.one_of(code_text, st.lists(code_text, max_size=4), json_scalar,
                        st.lists(st.one_of(code_text, json_scalar), max_size=4), st.dictionaries(st.text(max_size=5), json_scalar, max_size=2))
cell = st.one_of(
    st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", "raw", "weird"]), "source": cell_source},
                          optional={"metadata": st.one_of(st.just({}), json_scalar, st.dictionaries(st.text(max_size=5), json_scalar, max_size=2)),
                                    "outputs": st.one_of(st.just([]), json_scalar), "execution_count": json_scalar}),
    json_scalar,
    st.lists(json_scalar, max_size=2),
)
notebook = st.fixed_dictionaries(
    {"cells": st.one_of(st.lists(cell, max_size=6), json_scalar)},
    optional={"nbformat": st.one_of(st.integers(2, 5), json_scalar), "nbformat_minor": st.one_of(st.integers(0, 6), json_scalar),
              "metadata": st.one_of(st.just({}), json_scalar, st.just({"labgrader": {"lab": 3}}), st.just({"labgrader": "x"})),
              "worksheets": st.one_of(st.lists(st.fixed_dictionaries({"cells": st.lists(cell, max_size=2)}), max_size=1), json_scalar)},
)


def _loads_or_explains(path) -> None:
    try:
        result = load_submission(path)
    except SubmissionError as exc:
        assert str(exc) and "defect of the grader" not in str(exc), str(exc)
        return
    assert isinstance(result, Submission)
    result.defined_names()  # what the engine asks of it next


@FUZZ
@given(notebook)
def test_any_notebook_json_is_loaded_or_explained(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("nb") / "fuzz.ipynb"
    path.write_text(json.dumps(data))
    _loads_or_explains(path)


@FUZZ
@given(code_text)
def test_any_script_text_is_loaded_or_explained(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("py") / "fuzz.py"
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if "\ud800" not in text else path.write_bytes(text.encode("utf-8", "replace"))
    _loads_or_explains(path)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["fuzz.py", "fuzz.ipynb"]))
def test_any_bytes_are_loaded_or_explained(tmp_path_factory, raw, name):
    path = tmp_path_factory.mktemp("raw") / name
    path.write_bytes(raw)
    _loads_or_explains(path)


def test_the_two_inputs_that_crashed_the_loader_get_messages(tmp_path):
    long_sum = tmp_path / "long_sum.py"
    long_sum.write_text("def f():\n    return " + "+".join(["1"] * 200_000) + "\n")
    submission = load_submission(long_sum)
    assert submission.problems and "too deeply nested" in submission.problems[0].message
    null_source = tmp_path / "null_source.ipynb"
    null_source.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "source": None, "outputs": [], "execution_count": None},
        {"cell_type": "code", "metadata": {}, "source": "def f():\n    return 1\n", "outputs": [], "execution_count": None}]}))
    submission = load_submission(null_source)
    assert "f" in submission.defined_names() and "cell 1: its source is not text" in submission.notes[0]
