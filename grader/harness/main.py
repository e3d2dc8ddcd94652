"""Sandbox entry point: load the student's definitions, run the probes, report.

Invoked by the grader as ``python -I <sandbox>/harness/main.py <fd> <job.json>``.
Everything the student's code prints goes to stdout/stderr, which the grader
treats as logs only; observations travel on the private frame channel.
"""

from __future__ import annotations

import builtins
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # make `harness` importable; -I left cwd off sys.path

from harness.channel import FrameWriter  # noqa: E402
from harness.guard import IntegrityGuard  # noqa: E402
from harness.observe import Observations, describe_exception  # noqa: E402


def _exec_definitions(job: dict, channel: FrameWriter) -> tuple[dict, list[dict]]:
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    problems = []
    for block in job["definitions"]:
        channel.send({"event": "loading", "where": block["filename"], "line": block["first_line"]})
        padded = "\n" * (block["first_line"] - 1) + block["source"]
        try:
            exec(compile(padded, block["filename"], "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
            problems.append({"where": block["filename"], "line": block["first_line"], "error": describe_exception(exc, job["student_files"])})
    return namespace, problems


def main() -> None:
    fd, job_path = int(sys.argv[1]), Path(sys.argv[2])
    channel = FrameWriter(fd)
    job = json.loads(job_path.read_text())
    inputs_dir = job_path.parent

    t0 = time.perf_counter()
    import numpy as np  # noqa: F401  (import before student code so failures are ours)
    import keras  # noqa: F401

    probes = importlib.import_module(f"harness.labs.{job['lab']}")
    import harness.channel
    import harness.observe
    import harness.trained as trained

    guard = IntegrityGuard([harness.channel, harness.observe, probes, trained, sys.modules["harness.guard"]])
    violations = guard.violations  # bound now: replacing the class attribute later changes nothing here
    channel.send({"event": "imported", "seconds": time.perf_counter() - t0})
    namespace, problems = _exec_definitions(job, channel)
    channel.send({"event": "ready", "defined": sorted(k for k in namespace if not k.startswith("__")), "problems": problems})

    for exercise in job["exercises"]:
        name = exercise["name"]
        channel.send({"event": "start", "exercise": name})
        obs = Observations()
        status, error = "ok", None
        model_file = exercise.get("model_file")
        target = inputs_dir / model_file if model_file else namespace.get(name)
        if target is None:
            status = "missing"
        else:
            inputs = dict(np.load(inputs_dir / exercise["inputs"], allow_pickle=False)) if exercise.get("inputs") else {}
            try:
                if model_file:  # a model the student trained and saved
                    trained.load_and_predict(target, inputs, exercise.get("params", {}), obs, namespace)
                else:
                    getattr(probes, exercise["probe"])(target, inputs, exercise.get("params", {}), obs)
            except NotImplementedError:
                status = "not_implemented"
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, RecursionError, ...
                status, error = "error", describe_exception(exc, job["student_files"])
        replaced = violations()
        if replaced:
            # Whatever the probe saw may have been staged: keep none of it.
            obs = Observations()
            status = "tampered"
            error = {"type": "Tampering", "message": "your code replaced functions the grader relies on: " + ", ".join(replaced[:6]), "frames": []}
        header, arrays = obs.split()
        channel.send({"event": "result", "exercise": name, "status": status, "error": error, "observations": header}, arrays)
        if replaced:
            # This process is no longer trustworthy: the grader starts a fresh one for the rest.
            channel.send({"event": "restart"})
            sys.stdout.flush()
            os._exit(0)
    channel.send({"event": "done"})
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: TensorFlow's can take seconds


if __name__ == "__main__":
    main()
