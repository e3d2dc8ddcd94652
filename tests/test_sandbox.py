"""Student code that hangs, hoards memory, exits, or probes the machine.

Each misbehaviour must end as a clear status for its own exercise, never as a
pass and never as a dead grader, and the correct exercises of the same
submission must still get full marks.
"""

from __future__ import annotations

import os

import pytest

from grader.engine import grade_submission
from grader.sandbox import bwrap_available

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile(repo, lab3_rubric):
    rubric = lab3_rubric.model_copy(deep=True)
    rubric.exercise("add_noise").timeout_s = 5
    marker = "/tmp/labgrader_escape_marker"
    if os.path.exists(marker):
        os.remove(marker)
    result = grade_submission(repo / "tests" / "attacks" / "hostile_mix.py", "lab3", rubric=rubric)
    return {e.name: e for e in result.exercises}, result


def test_correct_exercises_still_get_full_marks(hostile):
    by_name, _ = hostile
    assert by_name["extract_W"].status == "passed"
    assert by_name["detector_channels"].status == "passed"  # graded after a killed process


def test_memory_bomb_is_stopped_at_the_limit(hostile):
    ex = hostile[0]["bottleneck_2d"]
    assert ex.status == "error" and ex.score == 0
    assert "memory limit of 4 GiB exceeded" in ex.feedback


def test_infinite_loop_costs_only_its_timeout(hostile):
    ex = hostile[0]["add_noise"]
    assert ex.status == "timeout" and ex.score == 0
    assert "5 s" in ex.feedback
    assert ex.seconds < 5 + 5


def test_keyboard_interrupt_and_sys_exit_are_errors(hostile):
    by_name = hostile[0]
    assert by_name["build_sr_network"].status == "error"
    assert "KeyboardInterrupt" in by_name["build_sr_network"].feedback
    assert by_name["build_unet_no_skips"].status == "error"
    assert "SystemExit" in by_name["build_unet_no_skips"].feedback


def test_os_exit_is_reported_with_its_code(hostile):
    ex = hostile[0]["build_angle_cnn"]
    assert ex.status == "error" and ex.score == 0
    assert "exited with code 3" in ex.feedback


def test_forged_stdout_is_only_a_log(hostile):
    _, result = hostile
    assert result.exercises[6].status == "error"  # not the forged "ok"
    assert sum(e.score for e in result.exercises) == 20


@pytest.mark.skipif(not bwrap_available()[0], reason="bubblewrap unavailable: files and network are not isolated")
def test_grader_files_network_and_host_files_are_out_of_reach(hostile):
    by_name, result = hostile
    log = result.logs["stdout"]
    assert "READ_OK" not in log  # rubric, reference solution, /root, /etc/shadow
    assert "NETWORK_OK" not in log
    assert "HARNESS_REWRITTEN" not in log and "HARNESS_WRITE_BLOCKED harness/main.py" in log
    assert not os.path.exists("/tmp/labgrader_escape_marker")
    assert by_name["BatchNormalizedLayer"].score == 0
    assert result.isolation["mechanism"] == "bubblewrap"


def test_fallback_without_bubblewrap_is_reported(repo, lab3_rubric):
    result = grade_submission(repo / "tests" / "attacks" / "hostile_mix.py", "lab3", only=["extract_W", "detector_channels"], use_bwrap=False)
    assert [e.status for e in result.exercises] == ["passed", "passed"]
    assert result.isolation["mechanism"] == "subprocess"
    assert any("reduced isolation" in note for note in result.notes)


@pytest.fixture(scope="module")
def tampering(repo, lab3_rubric):
    rubric = lab3_rubric.model_copy(deep=True)
    for name in ("add_noise", "build_angle_cnn"):
        rubric.exercise(name).timeout_s = 10
    result = grade_submission(repo / "tests" / "attacks" / "hostile_tamper.py", "lab3", rubric=rubric)
    return {e.name: e for e in result.exercises}, result


def test_replacing_what_the_probes_use_gains_nothing(tampering):
    by_name, _ = tampering
    for name in ("extract_W", "build_unet_no_skips", "BatchNormalizedLayer"):
        assert by_name[name].status == "error" and by_name[name].score == 0, name
        assert "replaced functions the grader relies on" in by_name[name].feedback
    assert "numpy.asarray" in by_name["extract_W"].feedback
    assert "keras.Model.count_params" in by_name["build_unet_no_skips"].feedback
    assert "the module numpy" in by_name["BatchNormalizedLayer"].feedback


def test_a_tampered_process_is_replaced_for_the_next_exercise(tampering):
    # bottleneck_2d runs after extract_W patched numpy: a fresh process grades it on its own merits
    ex = tampering[0]["bottleneck_2d"]
    assert ex.status == "error" and "RecursionError" in ex.feedback


def test_segfault_fork_bomb_and_huge_output(tampering):
    by_name, result = tampering
    assert by_name["build_sr_network"].status == "error" and "SIGSEGV" in by_name["build_sr_network"].feedback
    assert by_name["build_angle_cnn"].status in ("error", "timeout") and by_name["build_angle_cnn"].score == 0
    assert by_name["add_noise"].status == "timeout"
    assert len(result.logs["stdout"]) <= 64 * 1024 + 200  # capped, the rest counted and dropped


def test_a_definition_that_hangs_is_skipped_not_fatal(tampering):
    by_name, result = tampering
    assert any("did not finish within 10 s; it was skipped" in note for note in result.notes)
    assert by_name["detector_channels"].status == "passed"
    assert result.score == 10
