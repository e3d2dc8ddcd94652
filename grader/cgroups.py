"""Kernel control groups for the sandbox: a hard memory ceiling and a process cap.

Where the grader may create control groups (root, or a delegated subtree),
each sandboxed process tree gets its own group with ``memory.max`` /
``memory.limit_in_bytes`` and ``pids.max``: a memory bomb is stopped by the
kernel at the limit and a fork bomb by the process cap. Both cgroup v2 and the
v1 ``memory`` and ``pids`` hierarchies are supported. Where neither is
writable, :func:`create_limits` returns None and the sandbox relies on its
resident-memory watchdog and rlimits, and says so.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


@dataclass
class CgroupLimits:
    """One sandbox's control groups; ``add_self`` runs in the child before exec."""

    version: int
    groups: list[Path] = field(default_factory=list)
    memory_group: Path | None = None

    def add_self(self) -> None:
        pid = str(os.getpid())
        for group in self.groups:
            (group / "cgroup.procs").write_text(pid)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this group for exceeding the memory limit."""
        if self.memory_group is None:
            return False
        try:
            if self.version == 2:
                events = (self.memory_group / "memory.events").read_text().split()
                counts = dict(zip(events[::2], events[1::2]))
                return int(counts.get("oom_kill", 0)) > 0 or int(counts.get("max", 0)) > 0
            failcnt = int((self.memory_group / "memory.failcnt").read_text())
            oom = (self.memory_group / "memory.oom_control").read_text()
            return failcnt > 0 or "oom_kill 1" in oom or any(
                line.startswith("oom_kill ") and int(line.split()[1]) > 0 for line in oom.splitlines()
            )
        except (OSError, ValueError):
            return False

    def remove(self) -> None:
        for group in self.groups:
            try:
                group.rmdir()
            except OSError:
                pass  # still has a dying process; the kernel frees it when empty


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per controller ("" is the v2 unified path)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path.lstrip("/")
    return paths


def _v2_base() -> Path | None:
    if not (ROOT / "cgroup.controllers").exists():
        return None
    base = ROOT / _own_paths().get("", "")
    controllers = (base / "cgroup.controllers").read_text().split() if (base / "cgroup.controllers").exists() else []
    return base if {"memory", "pids"} <= set(controllers) and os.access(base, os.W_OK) else None


def create_limits(memory_bytes: int, max_processes: int) -> CgroupLimits | None:
    """Create control groups limiting memory and processes, or None where that is not allowed."""
    name = f"labgrader-{uuid.uuid4().hex[:12]}"
    try:
        base = _v2_base()
        if base is not None:
            group = base / name
            group.mkdir()
            try:
                (base / "cgroup.subtree_control").write_text("+memory +pids")
            except OSError:
                pass
            (group / "memory.max").write_text(str(memory_bytes))
            (group / "memory.swap.max").write_text("0") if (group / "memory.swap.max").exists() else None
            (group / "pids.max").write_text(str(max_processes))
            return CgroupLimits(2, [group], group)
        own = _own_paths()
        # Nest under the groups this process is already in, so their limits still hold.
        memory_root, pids_root = ROOT / "memory" / own.get("memory", ""), ROOT / "pids" / own.get("pids", "")
        if not (os.access(memory_root, os.W_OK) and os.access(pids_root, os.W_OK)):
            return None
        memory_group, pids_group = memory_root / name, pids_root / name
        memory_group.mkdir()
        limits = CgroupLimits(1, [memory_group], memory_group)
        (memory_group / "memory.limit_in_bytes").write_text(str(memory_bytes))
        swap = memory_group / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(str(memory_bytes))
        pids_group.mkdir()
        limits.groups.append(pids_group)
        (pids_group / "pids.max").write_text(str(max_processes))
        return limits
    except (OSError, ValueError):
        return None
