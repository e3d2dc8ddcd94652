"""Running student code: a separate process, isolated, limited, watched.

The grader never imports or executes student code itself. :func:`run_in_sandbox`
copies the harness (and only the harness) into a fresh temporary folder,
writes the student's definitions and each exercise's *inputs* there, and
starts ``python -I harness/main.py`` in a child process:

* with bubblewrap (``bwrap``) where it works: a new user, PID, IPC, UTS and
  network namespace (no network at all), running as ``nobody``, seeing only
  the system libraries, the Python installation and its sandbox folder, on a
  private ``/tmp`` — the grader's package, rubrics, reference solutions, the
  submission's folder and the rest of the disk do not exist for it;
* otherwise as a plain subprocess with the same resource limits, and the
  report says which isolation was missing.

Resource limits apply either way: address space (plus a watchdog on the
process tree's resident memory), file size, core dumps, threads through the
math libraries' environment variables, and per-exercise wall-clock timeouts
that kill the whole process tree. Observations come back on a private pipe
as frames (:mod:`grader.harness.channel`); stdout/stderr are kept as capped logs.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import resource
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.cgroups import CgroupLimits, create_limits
from grader.harness.channel import ChannelError, FrameDecoder
from grader.rubric import Limits

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
GiB = 1024**3
# TensorFlow maps far more virtual memory than it touches; the address-space
# limit gets this much room above the memory limit, and the RSS watchdog
# enforces the limit itself.
ADDRESS_SPACE_SLACK = 6 * GiB
WATCHDOG_PERIOD_S = 0.1
SCRATCH = "scratch"  # the one writable folder of the sandbox


@dataclass
class ExerciseJob:
    name: str
    probe: str
    params: dict
    inputs: dict[str, np.ndarray]
    timeout_s: float
    model_file: Path | None = None  # a student's saved model, copied into the sandbox
    targets: list[str] = field(default_factory=list)  # the student's definitions the probe gets (empty: the one named ``name``)


@dataclass
class SandboxJob:
    lab: str
    # The lab's sandbox half (grader.lab.Lab.sandbox_package), copied in as harness/lab; None: generic probes only.
    lab_sandbox: Path | None
    definitions: list[dict]  # {"source", "filename", "first_line"}
    student_files: list[str]
    exercises: list[ExerciseJob]
    # "stub": run the definitions, then probe the named functions; "inline": run
    # every cell of an original fill-in notebook (harness.notebook_mode).
    form: str = "stub"
    datasets: dict[str, np.ndarray] = field(default_factory=dict)  # served as keras.datasets.<name>.load_data()
    cell_budget_s: float = 20.0  # inline form: a cell running longer is stopped and the next one runs


@dataclass
class ExerciseRun:
    name: str
    status: str  # ok, missing, not_implemented, error, timeout, memory, crashed
    values: dict = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    error: dict | None = None
    seconds: float = 0.0
    compat: list[str] = field(default_factory=list)  # inline form: Keras-2 shims that cell needed


@dataclass
class SandboxReport:
    runs: dict[str, ExerciseRun]
    isolation: dict
    load_problems: list[dict] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)
    skipped_blocks: list[dict] = field(default_factory=list)
    compat: list[str] = field(default_factory=list)  # inline form: every Keras-2 shim used
    stdout: str = ""
    stderr: str = ""
    processes_started: int = 0
    seconds: float = 0.0


# ---------------------------------------------------------------- isolation


@functools.lru_cache(maxsize=1)
def bwrap_available() -> tuple[bool, str]:
    """Whether bubblewrap can create the namespaces we ask for on this machine."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed"
    try:
        probe = subprocess.run(
            [exe, *_bwrap_mounts(), "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--die-with-parent", sys.executable, "-I", "-c", "pass"],
            capture_output=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap failed to start ({exc})"
    if probe.returncode != 0:
        return False, f"bwrap cannot create namespaces here ({probe.stderr.decode(errors='replace').strip()[:200]})"
    return True, exe


def _python_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, *site.getsitepackages()}
    user_site = site.getusersitepackages()
    if isinstance(user_site, str) and os.path.isdir(user_site):
        roots.add(user_site)
    return sorted(r for r in roots if os.path.isdir(r))


GRADER_DISTRIBUTION = "labgrader"


def _installed_lab_distributions() -> list:
    """The grader's distribution and every distribution that provides labs (their files hold references and rubrics)."""
    import importlib.metadata

    from grader.lab import ENTRY_POINT_GROUP

    names = {GRADER_DISTRIBUTION}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.dist is not None:
            names.add(entry.dist.metadata["Name"])
    found = []
    for name in sorted(names):
        try:
            found.append(importlib.metadata.distribution(name))
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def _hidden_in_python_roots() -> list[str]:
    """Everything of the grader's (and of installed labs') inside the mounted Python folders, to be hidden.

    Not only the ``grader`` package where it is installed: every top-level
    entry a lab-providing distribution put into site-packages (its packages,
    an editable install's ``grader/_lab_files`` copy of the references and
    its ``.pth``, its ``.dist-info``), whatever the install layout.
    """
    roots = _python_roots()
    inside = lambda path: any(path.startswith(root + os.sep) for root in roots)  # noqa: E731
    hidden = {str(Path(__file__).resolve().parent)}
    for dist in _installed_lab_distributions():
        base = Path(dist.locate_file(""))
        for file in dist.files or []:
            parts = Path(file).parts
            if parts and parts[0] != "..":
                hidden.add(str((base / parts[0]).resolve()) if (base / parts[0]).is_dir() else str(base / parts[0]))
    return sorted(path for path in hidden if inside(path) and os.path.lexists(path))


_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/nsswitch.conf", "/etc/hosts", "/etc/passwd", "/etc/group", "/etc/alternatives")


def _allow_list() -> list[tuple[str, str]]:
    """What both isolating mechanisms show student code, as (kind, path): the system and Python folders, nothing else.

    Kinds: ``dir`` and ``file`` (bound read-only), ``link`` (recreated as the
    same symlink), ``hide-dir`` and ``hide-file`` (covered: labgrader's own
    files inside the Python folders, which therefore come after them).
    """
    entries: list[tuple[str, str]] = [("dir", "/usr")] if os.path.isdir("/usr") else []
    # Only the few /etc files a Python process needs: not shadow, ssh keys, ...
    entries += [("dir" if os.path.isdir(path) else "file", path) for path in _ETC_FILES if os.path.exists(path)]
    for link in ("/bin", "/lib", "/lib64", "/sbin", "/lib32"):
        if os.path.islink(link):
            entries.append(("link", link))
        elif os.path.isdir(link):
            entries.append(("dir", link))
    entries += [("dir", root) for root in _python_roots() if not root.startswith("/usr/")]
    entries += [("hide-dir" if os.path.isdir(hidden) else "hide-file", hidden) for hidden in _hidden_in_python_roots()]
    return entries


def _bwrap_mounts() -> list[str]:
    # The private /tmp comes first: a virtual environment under /tmp is bound on top of it.
    args: list[str] = ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if os.path.isdir("/sys"):
        args += ["--ro-bind", "/sys", "/sys"]
    for kind, path in _allow_list():
        if kind == "link":
            args += ["--symlink", os.readlink(path), path]
        elif kind == "hide-dir":
            args += ["--tmpfs", path]
        elif kind == "hide-file":
            args += ["--ro-bind", "/dev/null", path]  # a .pth becomes an empty file
        else:
            args += ["--ro-bind", path, path]
    return args


# Built inside the new namespaces by util-linux's unshare, then entered with chroot:
# a tmpfs root holding read-only binds of the system and Python folders only (the
# allow-list), /dev's few harmless nodes, a fresh /proc, a private /tmp, the
# sandbox folder read-only and its scratch folder writable; labgrader's own files
# inside the Python folders are covered. Paths arrive as arguments ($1 ...), never
# spliced into the script.
_NAMESPACE_SETUP = r"""
set -eu
PATH=/usr/bin:/bin:/usr/sbin:/sbin; export PATH
root=$1; scratch=$2; workdir=$3; chroot=$4; shift 4
mount -t tmpfs -o mode=0755 labgrader-root "$root"
while [ "$1" != "--" ]; do
  kind=$1; path=$2; shift 2
  case $kind in
    dir) mkdir -p "$root$path"; mount --rbind "$path" "$root$path"; mount -o remount,bind,ro "$root$path" ;;
    file) mkdir -p "$root$(dirname "$path")"; touch "$root$path"; mount --bind "$path" "$root$path"; mount -o remount,bind,ro "$root$path" ;;
    link) mkdir -p "$root$(dirname "$path")"; ln -s "$(readlink "$path")" "$root$path" ;;
    dev) mkdir -p "$root/dev"; touch "$root$path"; mount --bind "$path" "$root$path" ;;
    hide-dir) mount -t tmpfs -o mode=0755,size=1m labgrader-hidden "$root$path" ;;
    hide-file) mount --bind /dev/null "$root$path" ;;
  esac
done
shift
mkdir -p "$root/proc" "$root/tmp"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 labgrader-tmp "$root/tmp"
mkdir -p "$root$workdir"  # after the private /tmp is mounted: the sandbox folder lives under /tmp
mount --bind "$workdir" "$root$workdir"; mount -o remount,bind,ro "$root$workdir"
mount --bind "$scratch" "$root$scratch"
cd /
# Not exec: this shell stays the namespace's PID 1, as bubblewrap's init does, so that
# student code is never PID 1 (whose signals the kernel treats apart) and cannot signal it.
"$chroot" "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$scratch" "$@"
"""

_DEV_NODES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def _namespace_mounts() -> list[str]:
    """The allow-list for the namespaces mechanism, as (kind, path) argument pairs for :data:`_NAMESPACE_SETUP`."""
    entries = _allow_list() + [("dev", node) for node in _DEV_NODES if os.path.exists(node)]
    return [item for entry in entries for item in entry]


def _system_tool(name: str) -> str | None:
    """A util-linux / coreutils program: on PATH, else where Linux distributions keep it."""
    return shutil.which(name) or shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


@functools.lru_cache(maxsize=1)
def namespaces_available() -> tuple[bool, str]:
    """Whether util-linux's unshare can give the sandbox its own user, mount, network and PID namespaces here."""
    exe = _system_tool("unshare")
    if exe is None or _system_tool("chroot") is None or not sys.platform.startswith("linux"):
        return False, "util-linux's unshare or coreutils' chroot is not installed" if sys.platform.startswith("linux") else f"no Linux namespaces on {sys.platform}"
    with tempfile.TemporaryDirectory(prefix="labgrader-probe-") as probe_dir:
        probe = Path(probe_dir)
        (probe / SCRATCH).mkdir()
        (probe / "root").mkdir()
        try:
            done = subprocess.run(_namespace_command(probe, [sys.executable, "-I", "-c", "pass"]), capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"unshare failed to start ({exc})"
    if done.returncode != 0:
        return False, f"unshare cannot create the namespaces here ({done.stderr.decode(errors='replace').strip()[:200]})"
    return True, exe


def _namespace_command(workdir: Path, python: list[str]) -> list[str]:
    return [
        _system_tool("unshare") or "unshare",
        # A user namespace (root inside, the grader's user outside), and in it new mount,
        # network (loopback only, down), PID, IPC and UTS namespaces; the child dies with the grader.
        "--user", "--map-root-user", "--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child",
        "/bin/sh", "-c", _NAMESPACE_SETUP, "labgrader-sandbox",
        str(workdir / "root"), str(workdir / SCRATCH), str(workdir), _system_tool("chroot") or "chroot",
        *_namespace_mounts(), "--", *python,
    ]


def _command(workdir: Path, fd: int, mechanism: str) -> list[str]:
    python = [sys.executable, "-I", str(workdir / "harness" / "main.py"), str(fd), str(workdir / "job.json")]
    if mechanism == "namespaces":
        return _namespace_command(workdir, python)
    if mechanism != "bubblewrap":
        return python
    scratch = workdir / SCRATCH
    return [
        shutil.which("bwrap") or "bwrap",
        *_bwrap_mounts(),
        # The harness, job and inputs are read-only: a later process (after a
        # timeout or tampering) must not run code or data the student rewrote.
        "--ro-bind", str(workdir), str(workdir),
        "--bind", str(scratch), str(scratch),
        "--chdir", str(scratch),
        "--unshare-all",  # user, ipc, pid, net, uts, cgroup: no network interface but loopback
        "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--die-with-parent",
        "--new-session",  # no access to the grader's terminal
        "--setenv", "HOME", str(scratch),
        *python,
    ]


def _limit_resources(limits: Limits, cgroup: CgroupLimits | None, nproc: int | None) -> None:
    """Runs in the child between fork and exec: only system calls, no allocation-heavy work."""
    os.setsid()  # own process group: a timeout kills the whole tree
    if cgroup is not None:
        cgroup.add_self()
    memory = int(limits.memory_gib * GiB)
    resource.setrlimit(resource.RLIMIT_AS, (memory + ADDRESS_SPACE_SLACK, memory + ADDRESS_SPACE_SLACK))
    file_bytes = limits.max_file_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _user_thread_count() -> int:
    uid, total = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = open(f"/proc/{entry}/status").read()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("Uid", "-1").split()[0]) == uid:
                total += int(fields.get("Threads", "1"))
    return total


def _child_env(workdir: Path, limits: Limits) -> dict[str, str]:
    threads = str(limits.threads)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir / SCRATCH),
        "TMPDIR": str(workdir / SCRATCH),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",  # deterministic numerics, and no oneDNN banner in the logs
        "KERAS_BACKEND": "tensorflow",
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": threads,
    }
    return env


# ---------------------------------------------------------------- logs and memory


class _CappedReader(threading.Thread):
    """Drains a pipe, keeping the first ``cap`` bytes and counting the rest."""

    def __init__(self, stream, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        while chunk := self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536):
            self.total += len(chunk)
            if len(self.kept) < self.cap:
                self.kept.extend(chunk[: self.cap - len(self.kept)])

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.total > len(self.kept):
            text += f"\n... [{self.total - len(self.kept):,} more bytes of output not kept]"
        return text


def _tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of ``root_pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(stat[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(stat[21]) * page
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


# ---------------------------------------------------------------- running

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def terminate_all_sandboxes() -> None:
    """Kill every sandbox process tree still running (used on Ctrl-C in batch grading)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        _kill_tree(proc)



def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def _prepare_workdir(job: SandboxJob) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="labgrader-"))
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(HARNESS_DIR, workdir / "harness", ignore=ignored)
    if job.lab_sandbox is not None:
        shutil.copytree(job.lab_sandbox, workdir / "harness" / "lab", ignore=ignored)
    for exercise in job.exercises:
        if exercise.inputs:
            np.savez(workdir / f"inputs_{_file_safe(exercise.name)}.npz", **exercise.inputs)
        if exercise.model_file is not None:
            shutil.copyfile(exercise.model_file, workdir / f"model_{_file_safe(exercise.name)}.keras")
    if job.datasets:
        np.savez(workdir / "datasets.npz", **job.datasets)
    scratch = workdir / SCRATCH
    scratch.mkdir()
    os.chmod(scratch, 0o777)  # the sandboxed user (nobody) writes its files here, and only here
    (workdir / "root").mkdir()  # where the namespaces mechanism builds the sandbox's file system
    return workdir


def _write_job(workdir: Path, job: SandboxJob, definitions: list[dict], exercises: list[ExerciseJob]) -> None:
    spec = {
        "lab": job.lab,
        "form": job.form,
        "datasets": "datasets.npz" if job.datasets else None,
        "cell_budget_s": job.cell_budget_s,
        "definitions": definitions,
        "student_files": job.student_files,
        "exercises": [
            {"name": e.name, "probe": e.probe, "params": e.params, "targets": e.targets or [e.name], "inputs": f"inputs_{_file_safe(e.name)}.npz" if e.inputs else None,
             "model_file": f"model_{_file_safe(e.name)}.keras" if e.model_file is not None else None}
            for e in exercises
        ],
    }
    (workdir / "job.json").write_text(json.dumps(spec))


def _death_reason(returncode: int | None, mechanism: str = "subprocess") -> str:
    if returncode is None:
        return "the process stopped responding"
    if mechanism != "subprocess" and returncode > 128:
        returncode = 128 - returncode  # bubblewrap and the shell in front of the namespaces report a signal death as 128 + signal number
    if returncode < 0:
        sig = signal.Signals(-returncode).name if -returncode in signal.Signals._value2member_map_ else str(-returncode)
        hints = {"SIGSEGV": " (a segmentation fault)", "SIGABRT": " (aborted; often an allocation refused by the memory limit)", "SIGXFSZ": " (a file grew past the file-size limit)", "SIGKILL": ""}
        return f"the process was killed by {sig}{hints.get(sig, '')}"
    return f"the process exited with code {returncode} (sys.exit or os._exit in your code?)"


MECHANISMS = ("bubblewrap", "namespaces", "subprocess")


def choose_mechanism(use_bwrap: bool | None = None, isolation: str | None = None) -> tuple[str, str]:
    """The isolation mechanism to use, and why the stronger ones are not used (empty when the best one is).

    By default the strongest that works here: bubblewrap, else the kernel's
    namespaces through util-linux's ``unshare`` (a pip-only install has no
    bubblewrap), else a plain subprocess. ``isolation`` names one (an error if
    it does not work here); ``use_bwrap=True`` means bubblewrap, ``False`` the
    plain subprocess.
    """
    if isolation is None and use_bwrap is not None:
        isolation = "bubblewrap" if use_bwrap else "subprocess"
    if isolation is not None and isolation not in MECHANISMS:
        raise ValueError(f"unknown isolation {isolation!r}; choose one of {', '.join(MECHANISMS)}")
    bwrap, bwrap_detail = bwrap_available() if isolation in (None, "bubblewrap") else (False, "")
    if isolation == "bubblewrap" and not bwrap:
        raise RuntimeError(f"bubblewrap requested but unavailable: {bwrap_detail}")
    if bwrap:
        return "bubblewrap", ""
    namespaces, namespaces_detail = namespaces_available() if isolation in (None, "namespaces") else (False, "")
    if isolation == "namespaces" and not namespaces:
        raise RuntimeError(f"namespaces requested but unavailable: {namespaces_detail}")
    if namespaces:
        return "namespaces", bwrap_detail
    if isolation == "subprocess":
        return "subprocess", "isolation was turned off"
    return "subprocess", f"{bwrap_detail}; {namespaces_detail}"


def _isolation_report(mechanism: str, why: str, limits: Limits) -> dict:
    """What isolation the sandbox actually had, mechanism by mechanism (results and reports show it)."""
    isolated = mechanism != "subprocess"
    report = {
        "mechanism": mechanism,
        "network": "none (own network namespace)" if isolated else "NOT isolated",
        "filesystem": ("only the system and Python folders, read-only, the sandbox folder and a private /tmp; the grader's files hidden"
                       if isolated else "NOT isolated: the student code runs as the grader's user and can read its files"),
        "user": {"bubblewrap": "nobody (own user namespace)", "namespaces": "root of its own user namespace, mapped to the grader's user outside",
                 "subprocess": "the grader's user"}[mechanism],
        "processes": "own PID namespace" if isolated else "NOT isolated: can see and signal the grader's processes",
        "limits": f"memory {limits.memory_gib:g} GiB, {limits.threads} threads, files {limits.max_file_mib} MiB, timeouts per exercise",
    }
    if why:
        report["not_used"] = why
    if not isolated:
        report["warning"] = f"reduced isolation: {why}"
    return report


def run_in_sandbox(job: SandboxJob, limits: Limits, use_bwrap: bool | None = None, isolation: str | None = None) -> SandboxReport:
    """Run every exercise of ``job`` in sandboxed child processes and collect observations.

    One child runs the exercises in order; when an exercise times out, blows
    the memory limit or kills its process, it is recorded and a fresh child
    continues with the exercises after it. ``use_bwrap`` / ``isolation``
    choose the mechanism (see :func:`choose_mechanism`).
    """
    started = time.perf_counter()
    mechanism, why = choose_mechanism(use_bwrap, isolation)
    isolation = _isolation_report(mechanism, why, limits)

    workdir = _prepare_workdir(job)
    report = SandboxReport(runs={}, isolation=isolation)
    definitions = list(job.definitions)
    remaining = list(job.exercises)
    stdout_parts, stderr_parts = [], []
    try:
        attempts = 0
        total_deadline = time.monotonic() + limits.submission_timeout_s
        while remaining and attempts < len(job.exercises) + 4:
            attempts += 1
            if time.monotonic() >= total_deadline:
                for exercise in remaining:
                    report.runs[exercise.name] = ExerciseRun(exercise.name, "timeout", error={
                        "type": "timeout", "message": f"not run: the submission's total time limit of {limits.submission_timeout_s:g} s was used up", "frames": []})
                break
            _write_job(workdir, job, definitions, remaining)
            block_timeout = limits.cell_timeout_s if job.form == "inline" else limits.definition_timeout_s
            outcome = _run_child(workdir, remaining, limits, mechanism, report, total_deadline, block_timeout)
            report.processes_started += 1
            stdout_parts.append(outcome["stdout"])
            stderr_parts.append(outcome["stderr"])
            if outcome["stuck_block"] is not None:
                # Loading a definition hung or crashed the process: drop that block and retry.
                block = definitions.pop(outcome["stuck_block"])
                report.skipped_blocks.append({
                    "where": block["filename"], "line": block["first_line"], "reason": outcome["stuck_reason"],
                    "names": _defined_names(block["source"]),
                })
                continue
            if outcome["startup_failure"]:
                for exercise in remaining:
                    report.runs[exercise.name] = ExerciseRun(exercise.name, "error", error={"type": "SandboxError", "message": outcome["startup_failure"], "frames": []})
                break
            remaining = [e for e in remaining if e.name not in report.runs]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for exercise in remaining:
        report.runs.setdefault(exercise.name, ExerciseRun(exercise.name, "error", error={"type": "SandboxError", "message": "not run: the sandbox failed repeatedly", "frames": []}))
    cap = limits.max_log_kib * 1024
    report.stdout = "".join(stdout_parts)[:cap]
    report.stderr = "".join(stderr_parts)[:cap]
    report.seconds = time.perf_counter() - started
    return report


def _run_child(workdir: Path, exercises: list[ExerciseJob], limits: Limits, mechanism: str, report: SandboxReport, total_deadline: float,
               block_timeout: float) -> dict:
    read_fd, write_fd = os.pipe()
    cap = limits.max_log_kib * 1024
    memory_limit = int(limits.memory_gib * GiB)
    cgroup = create_limits(memory_limit, limits.max_processes)
    report.isolation["kernel_limits"] = (
        f"control group (cgroup v{cgroup.version}): memory {limits.memory_gib:g} GiB, {limits.max_processes} processes/threads"
        if cgroup else "no control groups (not permitted here): resident-memory watchdog and rlimits only"
    )
    try:
        proc = subprocess.Popen(
            _command(workdir, write_fd, mechanism),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(write_fd,), cwd=workdir / SCRATCH, env=_child_env(workdir, limits),
            # RLIMIT_NPROC counts every process and thread of the user, not just ours.
            preexec_fn=functools.partial(_limit_resources, limits, cgroup, None if cgroup else _user_thread_count() + limits.max_processes),
        )
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    os.close(write_fd)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    out_reader, err_reader = _CappedReader(proc.stdout, cap), _CappedReader(proc.stderr, cap)
    out_reader.start()
    err_reader.start()

    decoder = FrameDecoder()
    by_name = {e.name: e for e in exercises}
    outcome = {"stuck_block": None, "stuck_reason": "", "startup_failure": None}
    state = {"phase": "startup", "block": None, "current": None}
    deadline = time.monotonic() + limits.startup_timeout_s
    exercise_started = time.monotonic()
    verdict = None  # why the child was stopped, if it was

    def frames():
        while True:
            now = time.monotonic()
            if now > min(deadline, total_deadline):
                return "timeout"
            if _tree_rss_bytes(proc.pid) > memory_limit:
                return "memory"
            ready, _, _ = select.select([read_fd], [], [], WATCHDOG_PERIOD_S)
            if not ready:
                if proc.poll() is not None:
                    # drain anything left, then report the death
                    return "dead"
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                return "closed"
            try:
                for frame in decoder.feed(chunk):
                    yield frame
            except ChannelError:
                return "corrupt"

    gen = frames()
    try:
        while True:
            try:
                header, arrays = next(gen)
            except StopIteration as stop:
                verdict = stop.value
                break
            event = header.get("event")
            if event == "imported":
                deadline = time.monotonic() + block_timeout
            elif event == "loading":
                state["block"] = header.get("where"), header.get("line")
                deadline = time.monotonic() + block_timeout
            elif event == "ready":
                state["phase"] = "exercises"
                report.load_problems = header.get("problems", [])
                report.defined = header.get("defined", [])
                report.compat = [str(m) for m in header.get("compat", [])]
            elif event == "start":
                name = header.get("exercise")
                if name not in by_name or name in report.runs:
                    verdict = "corrupt"
                    break
                state["current"] = name
                exercise_started = time.monotonic()
                deadline = exercise_started + by_name[name].timeout_s
            elif event == "result":
                name = header.get("exercise")
                if name != state["current"]:
                    verdict = "corrupt"
                    break
                report.runs[name] = ExerciseRun(
                    name, str(header.get("status")), values=header.get("observations") or {}, arrays=arrays,
                    error=header.get("error"), seconds=time.monotonic() - exercise_started,
                    compat=[str(m) for m in header.get("compat") or []],
                )
                state["current"] = None
                deadline = time.monotonic() + limits.exercise_timeout_s  # until the next "start"
            elif event in ("done", "restart"):
                verdict = event
                break
    finally:
        if verdict in ("closed", "dead", "restart"):
            try:  # let it finish dying on its own, so its exit code tells why
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass
        if verdict != "done":
            _kill_tree(proc)
        else:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _kill_tree(proc)
        os.close(read_fd)
        out_reader.join(timeout=5)
        err_reader.join(timeout=5)
        outcome["stdout"], outcome["stderr"] = out_reader.text(), err_reader.text()
        with _LIVE_LOCK:
            _LIVE.discard(proc)
        if cgroup is not None:
            if verdict in ("closed", "dead") and cgroup.oom_killed():
                verdict = "memory"  # the kernel enforced the limit before the watchdog saw it
            cgroup.remove()

    if verdict in ("done", "restart"):
        return outcome
    reason = {
        "timeout": None,
        "memory": f"memory limit of {limits.memory_gib:g} GiB exceeded",
        "corrupt": "the observation channel was tampered with",
    }.get(verdict) or _death_reason(proc.returncode if verdict != "timeout" else None, mechanism)
    if state["phase"] == "startup":
        if state["block"] is not None and verdict in ("timeout", "memory", "dead", "closed"):
            where, line = state["block"]
            index = next((i for i, d in enumerate(_current_definitions(workdir)) if d["filename"] == where and d["first_line"] == line), None)
            if index is not None:
                outcome["stuck_block"] = index
                why = f"did not finish within {block_timeout:g} s" if verdict == "timeout" else reason
                outcome["stuck_reason"] = f"running {where} (line {line}) {why}; it was skipped"
                return outcome
        outcome["startup_failure"] = (
            f"the sandbox did not start within {limits.startup_timeout_s:g} s" if verdict == "timeout" else f"the sandbox failed to start: {reason}"
        ) + (f"\n{outcome['stderr'][-1500:]}" if outcome["stderr"] else "")
        return outcome
    current = state["current"]
    if current is None:
        # Died between exercises: blame the next one so progress is made.
        current = next((e.name for e in exercises if e.name not in report.runs), None)
        if current is None:
            return outcome
    if verdict == "timeout":
        status, message = "timeout", f"did not finish within {by_name[current].timeout_s:g} s (infinite loop, or far too much work?)"
    elif verdict == "memory":
        status, message = "memory", reason
    else:
        status, message = "crashed", reason
    report.runs[current] = ExerciseRun(current, status, error={"type": status, "message": message, "frames": []}, seconds=time.monotonic() - exercise_started)
    return outcome


def _defined_names(source: str) -> list[str]:
    try:
        return [n.name for n in ast.parse(source).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    except SyntaxError:
        return []


def _current_definitions(workdir: Path) -> list[dict]:
    return json.loads((workdir / "job.json").read_text())["definitions"]
