"""Batch grading on Dask distributed (grader.cluster): a real LocalCluster of 2 worker processes over TCP.

The class is the toy lab's (a few seconds a submission): a correct solution,
a wrong one, the unfilled handout, one that hangs, one that is not JSON and
one that is not a submission at all. The fast tests at the top need no cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader import __version__
from grader.batch import LocalPool, grade_batch
from grader.cluster import ClusterError, DaskPool, GradingJob, WorkerMismatch, _mismatch, grade_job, parse_local_cluster
from grader.engine import load_lab_rubric, rubric_fingerprint

pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parent.parent
TOY = REPO / "tests" / "labs" / "toy_labs" / "toylab"
#: What differs between two gradings of the same file: how long they took.
TIMINGS = {"seconds", "sandbox_seconds"}


def comparable(result) -> dict:
    """A result without its timings (the only thing allowed to differ between the local path and the cluster)."""
    data = result.model_dump(mode="json")
    for key in TIMINGS:
        data.pop(key, None)
    for exercise in data["exercises"] + data["trained_models"]:
        exercise.pop("seconds", None)
    return data


# ---------------------------------------------------------------- no cluster needed


def test_local_cluster_spec_is_parsed_or_refused_with_the_form_it_wants():
    assert parse_local_cluster("local:3") == 3
    for bad in ("local", "local:0", "local:x", "slurm:4"):
        with pytest.raises(ClusterError, match="expected local:N"):
            parse_local_cluster(bad)


def test_an_unreachable_scheduler_is_a_clear_error_before_any_work():
    started = time.perf_counter()
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9 .*dask scheduler"):
        DaskPool.connect("tcp://127.0.0.1:9", timeout_s=2)
    assert time.perf_counter() - started < 30


def test_a_worker_with_another_version_or_rubric_is_told_why():
    fingerprint = rubric_fingerprint(load_lab_rubric("toy"))
    same = {"grader": __version__, "rubric": fingerprint}
    assert _mismatch(same, __version__, fingerprint) == ""
    assert "runs labgrader 0.0.1" in _mismatch({**same, "grader": "0.0.1"}, __version__, fingerprint)
    assert "rubric for the lab is different" in _mismatch({**same, "rubric": "f" * 64}, __version__, fingerprint)
    assert "unavailable (UnknownLabError" in _mismatch({**same, "rubric": "unavailable (UnknownLabError: toy)"}, __version__, fingerprint)


def test_a_job_from_another_grader_version_is_refused_on_the_worker_before_it_runs_anything():
    rubric = load_lab_rubric("toy")
    job = GradingJob(student="ann", file_name="ann.py", content=b"raise SystemExit('must not run')\n", rubric=rubric,
                     lab_fingerprint=rubric_fingerprint(rubric), grader_version="0.0.1")
    with pytest.raises(WorkerMismatch, match="runs labgrader .* this grader is 0.0.1"):
        grade_job(job)


@pytest.mark.parametrize("args, message", [
    (["--cluster", "local:2", "--workers", "2"], "--workers is for grading on this machine"),
    (["--cluster", "local:2", "--scheduler", "tcp://127.0.0.1:9"], "not both"),
    (["--cluster", "slurm:4"], "expected local:N"),
])
def test_cluster_options_that_do_not_go_together_are_usage_errors(tmp_path, args, message):
    from typer.testing import CliRunner

    import grader.cli

    result = CliRunner().invoke(grader.cli.app, ["grade", "toy", str(tmp_path), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_without_dask_the_cluster_options_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ClusterError, match=r'pip install "labgrader\[cluster\]"'):
        DaskPool.local(1)


# ---------------------------------------------------------------- on a LocalCluster


@pytest.fixture(scope="module")
def toy_class(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("toy_class")
    solution = (TOY / "reference" / "toy" / "solution.py").read_text()
    (src / "ann.py").write_text(solution)
    (src / "ben.py").write_text(solution.replace("x.std(axis=0)", "x.std()").replace("int(model.count_params())", "len(model.weights)"))
    shutil.copy(TOY / "exercises" / "toy" / "toy.ipynb", src / "bob.ipynb")
    (src / "dave.py").write_text(solution.replace('    return (x - x.mean(axis=0)) / x.std(axis=0)', "    while True:\n        pass"))
    (src / "carol.ipynb").write_text("{ this is not json")
    (src / "erin.txt").write_text("my answers are in my head")
    return src


@pytest.fixture(scope="module")
def toy_rubric():
    rubric = load_lab_rubric("toy").model_copy(deep=True)
    rubric.exercise("standardize").timeout_s = 5  # dave hangs there
    return rubric


@pytest.fixture(scope="module")
def local_results(toy_class, toy_rubric, tmp_path_factory):
    """The class graded the usual way, on this machine's thread pool."""
    summary = grade_batch(toy_class, tmp_path_factory.mktemp("local_out"), rubric=toy_rubric, pool=LocalPool(2), reports=False)
    return summary.results


@pytest.fixture(scope="module")
def pool():
    with DaskPool.local(2) as pool:
        yield pool


def subset(toy_class: Path, names: list[str], folder: Path) -> Path:
    """Some of the class, in a folder of their own (a smaller batch where the test needs no more)."""
    folder.mkdir()
    for name in names:
        shutil.copy(toy_class / name, folder / name)
    return folder


def _kill_worker(pool: DaskPool, address: str) -> None:
    pid = pool.client.run(os.getpid, workers=[address])[address]
    os.kill(pid, signal.SIGKILL)


def _worker_grading(pool: DaskPool, student: str) -> str | None:
    for address, keys in pool.client.processing().items():
        if any(f"grade-{student}-" in str(key) for key in keys):
            return address
    return None


@pytest.mark.slow
def test_a_mixed_class_gets_the_same_results_on_the_cluster_as_on_this_machine(pool, toy_class, toy_rubric, local_results, tmp_path):
    out = tmp_path / "out"
    summary = grade_batch(toy_class, out, rubric=toy_rubric, pool=pool)
    assert set(summary.results) == {"ann", "ben", "bob", "dave", "carol", "erin"} == set(local_results)
    for student, result in summary.results.items():
        assert comparable(result) == comparable(local_results[student]), student
    by = summary.results
    assert by["ann"].score == by["ann"].max_score and 0 < by["ben"].score < by["ben"].max_score
    assert {e.name: e.status for e in by["dave"].exercises}["standardize"] == "timeout"
    assert {e.status for e in by["bob"].exercises} == {"not_implemented"}
    assert "not JSON" in by["carol"].notes[0] and "unsupported file type" in by["erin"].notes[0]
    assert by["ann"].isolation  # graded in the worker's sandbox, which says how it was isolated
    for student in by:  # every result written, as the local path writes it, with its report
        assert json.loads((out / f"{student}.json").read_text())["lab"] == "toy"
        assert (out / "reports" / f"{student}.html").is_file()

    again = grade_batch(toy_class, out, rubric=toy_rubric, pool=pool)
    assert again.graded == 0 and again.skipped == 6


@pytest.mark.slow
def test_killing_a_worker_mid_batch_loses_nothing(pool, toy_class, toy_rubric, local_results, tmp_path):
    killed = []

    def on_event(kind, entry, result):
        if kind == "start" and entry.student == "ann" and not killed:
            def kill_when_running():
                for _ in range(200):
                    address = _worker_grading(pool, "ann")
                    if address:
                        time.sleep(1.0)  # well into the sandbox
                        _kill_worker(pool, address)
                        killed.append(address)
                        return
                    time.sleep(0.05)
            threading.Thread(target=kill_when_running, daemon=True).start()

    small = subset(toy_class, ["ann.py", "bob.ipynb"], tmp_path / "class")
    summary = grade_batch(small, tmp_path / "out", rubric=toy_rubric, pool=pool, on_event=on_event, reports=False)
    assert killed, "the test never saw ann's submission running"
    assert set(summary.results) == {"ann", "bob"}
    for student, result in summary.results.items():
        assert comparable(result) == comparable(local_results[student]), student


@pytest.mark.slow
def test_a_submission_that_kills_its_worker_every_time_ends_as_an_error_row(pool, toy_class, toy_rubric, local_results, tmp_path):
    from grader.cluster import LOCAL_ALLOWED_FAILURES

    kills = []
    done = threading.Event()

    def keep_killing_daves_worker():
        last = None
        while not done.is_set() and len(kills) <= LOCAL_ALLOWED_FAILURES:
            address = _worker_grading(pool, "dave")
            if address and address != last:
                time.sleep(0.5)
                try:
                    _kill_worker(pool, address)
                    kills.append(address)
                    last = address
                except Exception:  # noqa: BLE001 - the worker left already
                    pass
            elif not address:
                last = None
            time.sleep(0.05)

    killer = threading.Thread(target=keep_killing_daves_worker, daemon=True)
    killer.start()
    try:
        small = subset(toy_class, ["dave.py", "carol.ipynb"], tmp_path / "class")
        summary = grade_batch(small, tmp_path / "out", rubric=toy_rubric, pool=pool, reports=False)
    finally:
        done.set()
    assert len(kills) == LOCAL_ALLOWED_FAILURES + 1
    dave = summary.results["dave"]
    assert dave.score == 0 and "died each time it was tried" in dave.notes[0] and "grader check" in dave.notes[0]
    assert {e.status for e in dave.exercises} == {"error"}
    assert summary.errors == 2  # dave and carol
    for student in ("carol",):
        assert comparable(summary.results[student]) == comparable(local_results[student])
    # Not "up to date": the next run grades dave again.
    assert not dave.submission_sha256


@pytest.mark.slow
def test_ctrl_c_on_the_cluster_keeps_what_is_done_and_a_rerun_finishes(pool, toy_class, toy_rubric, tmp_path):
    # carol's file is read on a worker and comes back at once, while dave's sandbox is still running
    small = subset(toy_class, ["carol.ipynb", "dave.py", "erin.txt"], tmp_path / "class")
    out = tmp_path / "out"
    stop = threading.Event()

    def on_event(kind, entry, result):
        if kind == "done":
            stop.set()  # as Ctrl-C does

    first = grade_batch(small, out, rubric=toy_rubric, pool=pool, on_event=on_event, stop=stop, reports=False)
    assert first.interrupted and first.graded == 1 and set(first.results) == {"carol"}
    assert len(list(out.glob("*.json"))) - 1 == first.graded  # + batch.json: nothing written for dave, called off
    rest = grade_batch(small, out, rubric=toy_rubric, pool=pool, reports=False)
    assert rest.skipped == 1 and rest.graded == 2 and not rest.interrupted
    assert {e.name: e.status for e in rest.results["dave"].exercises}["standardize"] == "timeout"


@pytest.mark.slow
def test_a_worker_running_another_grader_version_is_refused_before_any_work(pool, toy_class, toy_rubric, tmp_path):
    address = sorted(pool.client.scheduler_info(n_workers=-1)["workers"])[0]

    def set_version(version):
        import grader

        previous, grader.__version__ = grader.__version__, version
        return previous

    def set_cluster_version(version):  # the worker's grader.cluster bound the name when it was imported
        import grader.cluster

        grader.cluster.__version__ = version

    pool.client.run(set_version, "0.0.1", workers=[address])
    pool.client.run(set_cluster_version, "0.0.1", workers=[address])
    try:
        with pytest.raises(ClusterError, match=rf"(?s)refusing the cluster.*{address}: it runs labgrader 0.0.1"):
            grade_batch(toy_class, tmp_path / "out", rubric=toy_rubric, pool=pool)
    finally:
        pool.client.run(set_version, __version__, workers=[address])
        pool.client.run(set_cluster_version, __version__, workers=[address])
    assert not list((tmp_path / "out").glob("*.json"))


@pytest.mark.slow
def test_grade_command_on_a_running_cluster_writes_every_export(pool, toy_class, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TOY.parent), os.environ.get("PYTHONPATH", "")])}
    small = subset(toy_class, ["ann.py", "carol.ipynb", "erin.txt"], tmp_path / "class")
    out = tmp_path / "out"
    address = pool.client.scheduler.address
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", "toy", str(small), "--out", str(out), "--scheduler", address],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 submissions" in proc.stdout and f"graded on a Dask cluster ({address})" in proc.stdout
    for name in ("gradebook.csv", "canvas.csv"):
        assert (out / name).is_file()
    assert len(list((out / "gradescope").glob("*.json"))) == 3

    unreachable = subprocess.run([sys.executable, "-m", "grader", "grade", "toy", str(toy_class), "--out", str(tmp_path / "o2"),
                                  "--scheduler", "tcp://127.0.0.1:9"], capture_output=True, text=True, timeout=120, env=env)
    assert unreachable.returncode == 2
    assert "cannot reach the Dask scheduler" in unreachable.stdout + unreachable.stderr and "Traceback" not in unreachable.stderr
