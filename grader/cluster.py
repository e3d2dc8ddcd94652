"""Batch grading on a Dask distributed cluster: a Slurm partition, Kubernetes, a few machines.

:class:`DaskPool` is a pool for :func:`grader.batch.grade_batch`, like its
``LocalPool``: everything else (finding submissions, writing each result
atomically as it arrives, resuming by fingerprint, Ctrl-C, reports and
exports) stays on the instructor's machine and is unchanged.

- Each submission is one Dask task, :func:`grade_job`. It carries the file's
  bytes and the rubric; on the worker it runs exactly what ``grader check``
  runs, in the worker's own sandbox, and sends back the result's JSON.
- Each task declares what one sandbox needs as Dask resources, from the
  rubric's limits: ``grader_cores`` (threads) and ``grader_memory`` (bytes).
  Workers declare what they have (``dask worker ... --resources
  "grader_cores=8,grader_memory=32e9"``), so none runs more sandboxes than
  it has cores or memory for.
- A worker that dies mid-grading has its task retried elsewhere by the
  scheduler, up to its ``distributed.scheduler.allowed-failures`` times.
  A submission that kills its worker every time ends as an ``error`` result
  that says so; it never stalls the batch.
- Before any work, every worker must run this grader version with the same
  rubric for the lab, or the batch is refused; a worker that joins later is
  checked again by each task.

Dask is an optional dependency (``pip install "labgrader[cluster]"``).
"""

from __future__ import annotations

import logging
import os
import pickle
import platform
import socket
import tempfile
import threading
import uuid
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from grader import __version__
from grader.batch import Entry, GradingCancelled, grade_entry
from grader.engine import error_result, load_lab_rubric, rubric_fingerprint
from grader.results import SubmissionResult
from grader.results_folder import safe_stem
from grader.rubric import Rubric

log = logging.getLogger(__name__)

CORES = "grader_cores"
MEMORY = "grader_memory"
#: How many times a local cluster's scheduler retries a task whose worker died
#: before it gives up on the task (Dask's own default is 3).
LOCAL_ALLOWED_FAILURES = 2
INSTALL_HINT = 'Dask is not installed; install the cluster extra: pip install "labgrader[cluster]"'


class ClusterError(Exception):
    """The cluster cannot be used: unreachable, no suitable workers, or workers that differ from this grader."""


class WorkerMismatch(Exception):
    """A worker's grader version or rubric differs from the client's; it must not grade."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    return distributed


# ---------------------------------------------------------------- on the worker


@dataclass
class GradingJob:
    """One submission, as it travels to a worker."""

    student: str
    file_name: str
    content: bytes
    rubric: Rubric
    lab_fingerprint: str  # of the client's installed rubric for the lab
    grader_version: str = __version__
    quick: bool = False
    data_path: str | None = None
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # Dask logs a failed task's arguments: not the whole file
        return f"GradingJob({self.student!r}, {self.file_name!r}, {len(self.content)} bytes, lab {self.rubric.lab!r})"


def worker_identity(lab: str) -> dict[str, str]:
    """What a worker grades with: grader version, the lab's rubric fingerprint, host and Python."""
    try:
        fingerprint = rubric_fingerprint(load_lab_rubric(lab))
    except Exception as exc:  # noqa: BLE001 - reported to the client, which refuses the worker
        fingerprint = f"unavailable ({type(exc).__name__}: {exc})"
    return {"grader": __version__, "rubric": fingerprint, "host": socket.gethostname(), "python": platform.python_version()}


def _mismatch(identity: dict[str, str], grader_version: str, lab_fingerprint: str) -> str:
    """Why a worker of this identity must not grade, or "" when it may."""
    if identity.get("grader") != grader_version:
        return f"it runs labgrader {identity.get('grader')}, this grader is {grader_version}"
    if identity.get("rubric") != lab_fingerprint:
        rubric = identity.get("rubric", "")
        return f"its rubric for the lab is {'different' if not rubric.startswith('unavailable') else rubric}"
    return ""


def grade_job(job: GradingJob) -> tuple[str, bytes]:
    """Grade one submission on a worker: its result as JSON, and its pickled observations (for report figures)."""
    why = _mismatch(worker_identity(job.rubric.lab), job.grader_version, job.lab_fingerprint)
    if why:
        raise WorkerMismatch(f"worker {socket.gethostname()} refused: {why}; install the same labgrader (and lab) version on every worker")
    with tempfile.TemporaryDirectory(prefix="labgrader-job-") as folder:
        path = Path(folder) / job.file_name
        path.write_bytes(job.content)
        entry = Entry(student=job.student, path=path, notes=list(job.notes))
        result = grade_entry(entry, job.rubric, quick=job.quick, data_path=Path(job.data_path) if job.data_path else None)
    try:
        observations = pickle.dumps(dict(result.observations))
    except Exception:  # noqa: BLE001 - figures are a convenience; the result is what counts
        log.warning("observations of %s could not be sent back; its report has no figures", job.file_name, exc_info=True)
        observations = b""
    return result.model_dump_json(), observations


# ---------------------------------------------------------------- on the client


@dataclass
class WorkerSlots:
    address: str
    nthreads: int
    cores: float
    memory: float

    def sandboxes(self, cores: int, memory: float) -> int:
        """How many sandboxes of this size fit on the worker at once."""
        return int(min(self.nthreads, self.cores // cores, self.memory // memory))


class DaskPool:
    """Grades on a Dask cluster; see the module docstring.

    Example:

    ```python
    with DaskPool.connect("tcp://scheduler:8786") as pool:   # or DaskPool.local(4)
        grade_batch("submissions/", "results/", "mylab", pool=pool)
    ```
    """

    def __init__(self, client, cluster=None) -> None:
        self.client = client
        self._cluster = cluster  # a LocalCluster this pool started and must close
        self._running: dict[Any, Future] = {}
        self._lock = threading.Lock()
        self._resources: dict[str, float] = {}
        self._lab = ""
        self._lab_fingerprint = ""

    # -- starting

    @classmethod
    def connect(cls, scheduler: str, timeout_s: float = 10.0) -> "DaskPool":
        """Connect to a running scheduler: an address (``tcp://host:8786``) or a scheduler file."""
        distributed = _distributed()
        kwargs = {"scheduler_file": scheduler} if Path(scheduler).is_file() else {"address": scheduler}
        try:
            client = distributed.Client(timeout=timeout_s, set_as_default=False, **kwargs)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc}); "
                "check the address (tcp://HOST:8786) or scheduler file, and that `dask scheduler` is running there"
            ) from None
        return cls(client)

    @classmethod
    def local(cls, n_workers: int, memory_bytes: float | None = None) -> "DaskPool":
        """Start a LocalCluster of ``n_workers`` processes on this machine (over TCP on loopback), sharing its cores and memory."""
        distributed = _distributed()
        import dask
        import psutil  # a dependency of distributed

        n_workers = max(1, n_workers)
        cores = max(1, (os.cpu_count() or 1) // n_workers)
        memory = (memory_bytes or psutil.virtual_memory().total) / n_workers
        with dask.config.set({"distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES}):
            cluster = distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=cores, processes=True, protocol="tcp", host="127.0.0.1",
                dashboard_address=None, resources={CORES: cores, MEMORY: memory}, silence_logs=logging.ERROR,
            )
        client = distributed.Client(cluster, set_as_default=False)
        return cls(client, cluster)

    def __enter__(self) -> "DaskPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect (and stop the LocalCluster this pool started); safe to call twice."""
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None

    # -- the pool interface

    @contextmanager
    def running(self) -> Iterator["DaskPool"]:
        """One batch; the cluster outlives it (close the pool for that). Tasks left over are called off."""
        try:
            yield self
        finally:
            self.cancel_running()

    def workers(self) -> list[WorkerSlots]:
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return [
            WorkerSlots(address, int(w.get("nthreads", 1)), float(w.get("resources", {}).get(CORES, 0)), float(w.get("resources", {}).get(MEMORY, 0)))
            for address, w in info.items()
        ]

    def prepare(self, rubric: Rubric, wait_for_workers_s: float = 60.0) -> None:
        """Check the workers before any work: same grader and rubric, and room for one sandbox at least."""
        try:
            self.client.wait_for_workers(1, timeout=wait_for_workers_s)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined the scheduler within {wait_for_workers_s:.0f} s; start workers (see the README, \"Grading on a cluster\")") from None
        self._lab = rubric.lab
        self._lab_fingerprint = rubric_fingerprint(load_lab_rubric(rubric.lab))
        identities = self.client.run(worker_identity, rubric.lab, on_error="return")
        refused = []
        for address, identity in sorted(identities.items()):
            why = f"it could not report its version ({identity})" if isinstance(identity, BaseException) else _mismatch(identity, __version__, self._lab_fingerprint)
            if why:
                refused.append(f"{address}: {why}")
        if refused:
            raise ClusterError("refusing the cluster: results would mix grader versions or rubrics.\n  " + "\n  ".join(refused)
                               + "\nInstall the same labgrader (and lab package) version on every worker, then rerun.")
        slots = self.workers()
        largest = max(w.cores for w in slots)
        # A sandbox gets the rubric's threads, but never more cores than a worker has.
        rubric.limits.threads = max(1, min(rubric.limits.threads, int(largest) if largest >= 1 else rubric.limits.threads))
        self._resources = {CORES: rubric.limits.threads, MEMORY: rubric.limits.memory_gib * 2**30}
        if self.capacity() == 0:
            have = ", ".join(f"{w.address} ({CORES}={w.cores:g}, {MEMORY}={w.memory:.3g})" for w in slots)
            raise ClusterError(
                f"no worker has room for one sandbox ({CORES}={self._resources[CORES]:g}, {MEMORY}={self._resources[MEMORY]:.3g} bytes); "
                f"workers: {have}. Start workers with --resources \"{CORES}=CORES,{MEMORY}=BYTES\" (README, \"Grading on a cluster\")"
            )

    def capacity(self) -> int:
        """Sandboxes that fit on the cluster now (workers may come and go)."""
        return sum(w.sandboxes(self._resources[CORES], self._resources[MEMORY]) for w in self.workers())

    def submit(self, entry: Entry, rubric: Rubric, *, quick: bool, data_path: Path | None,
               on_start: Callable[[Entry], None] | None = None) -> Future:
        """Send ``entry`` to the cluster; the future's result is its SubmissionResult, never an exception."""
        future: Future = Future()
        if entry.path is None:  # nothing to grade: no need for a worker
            future.set_result(grade_entry(entry, rubric))
            return future
        try:
            content = entry.path.read_bytes()
        except OSError as exc:
            future.set_result(error_result(rubric, entry.path.name, f"cannot read {entry.path.name} ({exc.strerror or exc})"))
            return future
        job = GradingJob(student=entry.student, file_name=entry.path.name, content=content, rubric=rubric, lab_fingerprint=self._lab_fingerprint,
                         quick=quick, data_path=str(data_path) if data_path else None, notes=list(entry.notes))
        if on_start:
            on_start(entry)
        key = f"grade-{safe_stem(entry.student)}-{uuid.uuid4().hex[:8]}"
        task = self.client.submit(grade_job, job, key=key, resources=self._resources, pure=False)
        with self._lock:
            self._running[task] = future
        task.add_done_callback(lambda done: self._finish(done, entry, rubric))
        return future

    def _finish(self, task, entry: Entry, rubric: Rubric) -> None:
        with self._lock:
            future = self._running.pop(task, None)
        if future is None or future.done():
            return
        if task.status == "cancelled":
            future.set_exception(GradingCancelled())
        else:
            future.set_result(self._result_of(task, entry, rubric))

    def _result_of(self, task, entry: Entry, rubric: Rubric) -> SubmissionResult:
        distributed = _distributed()
        name = entry.path.name if entry.path else entry.student
        try:
            payload, observations = task.result()
        except distributed.client.FutureCancelledError:
            return error_result(rubric, name, "the cluster dropped this submission (scheduler restarted or lost); rerun `grader grade` to grade it")
        except distributed.scheduler.KilledWorker as exc:
            return error_result(rubric, name, f"the worker grading this submission died each time it was tried ({exc}): "
                                "killed, out of memory or lost. It was not retried further; rerun `grader grade` to try again, "
                                "or `grader check` it alone to see why")
        except WorkerMismatch as exc:
            return error_result(rubric, name, str(exc))
        except Exception as exc:  # noqa: BLE001 - a failure on one worker must not stop the batch
            return error_result(rubric, name, f"grading on the cluster failed ({type(exc).__name__}: {exc}); rerun `grader grade` to retry")
        result = SubmissionResult.model_validate_json(payload)
        if observations:
            try:
                result.observations.update(pickle.loads(observations))
            except Exception:  # noqa: BLE001
                log.warning("observations of %s could not be read; its report has no figures", name, exc_info=True)
        return result

    def cancel_running(self) -> None:
        """Call off every submission in flight (Ctrl-C): nothing is written for them, and a rerun grades them."""
        with self._lock:
            running = dict(self._running)
            self._running.clear()
        if running:
            self.client.cancel(list(running))
        for future in running.values():
            if not future.done():
                future.set_exception(GradingCancelled())


def parse_local_cluster(spec: str) -> int:
    """``local:N`` → N (the number of worker processes)."""
    kind, _, count = spec.partition(":")
    if kind != "local" or not count.isdigit() or int(count) < 1:
        raise ClusterError(f"--cluster {spec!r}: expected local:N with N ≥ 1 worker processes (for a real cluster, use --scheduler ADDRESS)")
    return int(count)
