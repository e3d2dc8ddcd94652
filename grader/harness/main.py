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

    import harness.channel
    import harness.generic_probes
    import harness.lab_api
    import harness.observe
    import harness.trained as trained

    # The lab's own probes, copied in as harness/lab (a lab may have none: generic probes only).
    lab_module = importlib.import_module("harness.lab.probes") if (HERE / "lab" / "probes.py").is_file() else None
    lab = lab_module.PROBES if lab_module is not None else harness.lab_api.LabProbes()

    inline = job.get("form") == "inline"
    # Looked up now, before student code runs, so that nothing it does to
    # PROBES (a plain dataclass) can swap a probe in.
    probes = {e["probe"]: lab.probe(e["probe"], inline=inline) for e in job["exercises"]}
    locate_inline, cell_needed = lab.locate_inline, lab.inline_cell_needed
    watched = [harness.channel, harness.observe, harness.generic_probes, harness.lab_api, trained, sys.modules["harness.guard"]]
    watched += [m for name, m in list(sys.modules.items()) if name.startswith("harness.lab.")]
    if inline:
        import harness.compat
        import harness.notebook_mode as notebook_mode

        session = notebook_mode.NotebookSession(job["definitions"], job["student_files"], cell_budget_s=job.get("cell_budget_s"))
        datasets = dict(np.load(inputs_dir / job["datasets"], allow_pickle=False)) if job.get("datasets") else {}
        session.install(datasets)  # before the guard's snapshot: the shims are the grader's own
        watched += [notebook_mode, harness.compat]
    guard = IntegrityGuard(watched)
    violations = guard.violations  # bound now: replacing the class attribute later changes nothing here
    channel.send({"event": "imported", "seconds": time.perf_counter() - t0})
    if inline:
        session.run(on_cell=lambda cell: channel.send({"event": "loading", "where": cell.where, "line": 1}),
                    is_sink=cell_needed)
        namespace, targets = session.namespace, (locate_inline(session) if locate_inline else {})
        channel.send({"event": "ready", "defined": [], "problems": session.reports(), "compat": session.compat_messages})
    else:
        namespace, problems = _exec_definitions(job, channel)
        channel.send({"event": "ready", "defined": sorted(k for k in namespace if not k.startswith("__")), "problems": problems})

    for exercise in job["exercises"]:
        name = exercise["name"]
        channel.send({"event": "start", "exercise": name})
        obs = Observations()
        status, error = "ok", None
        model_file = exercise.get("model_file")
        probe = probes[exercise["probe"]]
        located = None
        if model_file:
            target = inputs_dir / model_file
        elif inline:
            located = targets.get(name) or notebook_mode.Located("missing", detail=f"the grader has no way to find {name} in an original notebook")
            target = located.target if located.status == "found" else None
        else:
            # One definition, or a dict of several (rubric ``targets``); missing if any is absent.
            wanted = exercise.get("targets") or [name]
            found = {n: namespace.get(n) for n in wanted}
            target = found[wanted[0]] if len(wanted) == 1 else (found if all(v is not None for v in found.values()) else None)
        if located is not None and target is None:
            status = located.status
            error = {"type": status, "message": located.detail, "frames": [], "cause": located.cell.error if located.cell else None}
        elif target is None:
            status = "missing"
        else:
            inputs = dict(np.load(inputs_dir / exercise["inputs"], allow_pickle=False)) if exercise.get("inputs") else {}
            # Shims the probe's own calls need (a builder found in the notebook, called only now) are this exercise's too.
            compat_seen = len(session.compat_messages) if inline else 0
            try:
                if model_file:  # a model the student trained and saved
                    trained.load_and_predict(target, inputs, exercise.get("params", {}), obs, namespace)
                else:
                    probe(target, inputs, exercise.get("params", {}), obs)
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
        frame = {"event": "result", "exercise": name, "status": status, "error": error, "observations": header}
        if located is not None and located.cell is not None:
            frame["compat"] = list(located.cell.compat)
        if inline and target is not None:
            during_probe = [m for m in session.compat_messages[compat_seen:] if m not in frame.get("compat", [])]
            if during_probe:
                frame["compat"] = frame.get("compat", []) + during_probe
        channel.send(frame, arrays)
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
