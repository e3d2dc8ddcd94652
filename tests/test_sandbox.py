"""Student code that hangs, hoards memory, exits, or probes the machine.

Each misbehaviour must end as a clear status for its own exercise, never as a
pass and never as a dead grader, and the correct exercises of the same
submission must still get full marks.
"""

from __future__ import annotations

import os
from pathlib import Path

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
        rubric.exercise(name).timeout_s = 5
    rubric.limits.definition_timeout_s = 4  # the endless class body waits this long
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
    assert any("did not finish within 4 s; it was skipped" in note for note in result.notes)
    assert by_name["detector_channels"].status == "passed"
    assert result.score == 10


REFERENCE_SEARCH = Path(__file__).resolve().parent / "attacks" / "hostile_reference_search.py"


def test_the_reference_search_attack_works_where_nothing_isolates_it(repo):
    # Without bubblewrap the attack finds a reference and gets its points: the attack is real,
    # and the result says the isolation was reduced.
    result = grade_submission(REFERENCE_SEARCH, "convnets", only=["conv_output_size"], use_bwrap=False)
    assert "REFERENCE_FOUND" in result.logs["stdout"] and result.exercises[0].score > 0
    assert result.isolation["mechanism"] == "subprocess" and any("reduced isolation" in note for note in result.notes)


REACH = Path(__file__).resolve().parent / "attacks" / "hostile_reach.py"


@pytest.fixture()
def loopback_listener():
    import socket
    import threading

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 47613))
    server.listen(8)
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield connections
    stop.set()
    thread.join()
    server.close()


def _mechanism_works(mechanism: str) -> bool:
    from grader.sandbox import bwrap_available, namespaces_available

    return {"bubblewrap": bwrap_available, "namespaces": namespaces_available}[mechanism]()[0]


@pytest.mark.parametrize("mechanism", ["bubblewrap", "namespaces"])
def test_an_isolated_sandbox_reaches_no_listener_leaves_no_file_and_reads_no_host_file(mechanism, loopback_listener):
    if not _mechanism_works(mechanism):
        pytest.skip(f"{mechanism} does not work on this machine")
    marker = Path("/tmp/labgrader_reach_marker")
    marker.unlink(missing_ok=True)
    result = grade_submission(REACH, "convnets", only=["conv_params"], isolation=mechanism)
    log = result.logs["stdout"]
    assert result.isolation["mechanism"] == mechanism and "warning" not in result.isolation
    assert "LOOPBACK_BLOCKED" in log and not loopback_listener and result.exercises[0].score == 0
    assert not marker.exists() and "READ_OK" not in log


@pytest.mark.parametrize("mechanism", ["bubblewrap", "namespaces"])
def test_an_isolated_sandbox_hides_the_reference_and_the_grader(mechanism):
    from grader.sandbox import _hidden_in_python_roots

    if not _mechanism_works(mechanism):
        pytest.skip(f"{mechanism} does not work on this machine")
    # Whatever this install's layout (editable: a copy of the lab files in site-packages/grader/_lab_files;
    # wheel: the package itself), everything of labgrader's inside the mounted Python folders is hidden.
    assert any(Path(p).name.startswith(("grader", "labgrader", "_editable_impl_labgrader")) for p in _hidden_in_python_roots())
    result = grade_submission(REFERENCE_SEARCH, "convnets", only=["conv_output_size"], isolation=mechanism)
    assert result.isolation["mechanism"] == mechanism
    assert "REFERENCE_NOT_FOUND" in result.logs["stdout"] and "REFERENCE_FOUND" not in result.logs["stdout"]
    assert result.exercises[0].score == 0


def test_the_plain_subprocess_is_reached_and_says_its_isolation_is_reduced(loopback_listener):
    marker = Path("/tmp/labgrader_reach_marker")
    marker.unlink(missing_ok=True)
    result = grade_submission(REACH, "convnets", only=["conv_params"], isolation="subprocess")
    assert "LOOPBACK_OK" in result.logs["stdout"] and result.exercises[0].score > 0 and marker.exists()
    assert result.isolation["warning"].startswith("reduced isolation")
    marker.unlink()


def test_without_bubblewrap_the_grader_falls_back_to_namespaces_and_says_so(monkeypatch):
    import grader.sandbox as sandbox

    if not sandbox.namespaces_available()[0]:
        pytest.skip("no namespaces here")
    monkeypatch.setattr(sandbox, "bwrap_available", lambda: (False, "bubblewrap (bwrap) is not installed"))
    result = grade_submission(REACH, "convnets", only=["conv_params"])
    assert result.isolation["mechanism"] == "namespaces"
    assert result.isolation["not_used"] == "bubblewrap (bwrap) is not installed" and "warning" not in result.isolation
    assert not any("reduced isolation" in note for note in result.notes)


@pytest.mark.skipif(not _mechanism_works("namespaces"), reason="no namespaces here")
def test_the_hostile_mix_reads_reaches_and_rewrites_nothing_through_namespaces(repo):
    marker = "/tmp/labgrader_escape_marker"
    if os.path.exists(marker):
        os.remove(marker)
    result = grade_submission(repo / "tests" / "attacks" / "hostile_mix.py", "lab3", only=["extract_W", "BatchNormalizedLayer"], isolation="namespaces")
    log = result.logs["stdout"]
    assert result.isolation["mechanism"] == "namespaces"
    assert "READ_OK" not in log and "NETWORK_OK" not in log and "READ_BLOCKED /etc/shadow" in log
    assert "HARNESS_REWRITTEN" not in log and "HARNESS_WRITE_BLOCKED harness/main.py" in log
    assert not os.path.exists(marker)
    assert [e.status for e in result.exercises][0] == "passed" and result.exercises[1].score == 0
