"""The current task: what the task helpers report about "the process running the program"."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import final

__all__ = ["TASK_COMM_LEN", "Task"]

TASK_COMM_LEN = 16  #: the kernel's task name buffer, NUL included


def _own_comm() -> str:
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/comm") as f:
            return f.read().strip()
    except OSError:
        return threading.current_thread().name


@final
@dataclass(frozen=True)
class Task:
    """A task as ``bpf_get_current_pid_tgid``, ``_uid_gid``, ``_comm`` and ``_cgroup_id`` see it.

    By default (``Task.current()``) the calling thread of this process, as the kernel gives the
    caller of ``BPF_PROG_RUN``; tests pass their own to ``Runtime(task=...)``.

    Args:
        pid: the thread id (the kernel's ``task->pid``).
        tgid: the process id (``task->tgid``); ``pid`` when not given.
        uid, gid: the credentials ``bpf_get_current_uid_gid`` reports.
        comm: the task name, cut to 15 bytes as the kernel keeps it.
        cgroup_id: the cgroup v2 id ``bpf_get_current_cgroup_id`` reports.
    """

    pid: int
    tgid: int = -1
    uid: int = 0
    gid: int = 0
    comm: str = ""
    cgroup_id: int = 1
    _comm_bytes: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tgid == -1:
            object.__setattr__(self, "tgid", self.pid)
        object.__setattr__(self, "_comm_bytes", self.comm.encode()[: TASK_COMM_LEN - 1])

    @classmethod
    def current(cls) -> Task:
        """The calling thread of this process."""
        return cls(threading.get_native_id(), os.getpid(), os.getuid(), os.getgid(), _own_comm())

    @property
    def comm_bytes(self) -> bytes:
        """The name as the kernel stores it: at most 15 bytes (the NUL makes 16)."""
        return self._comm_bytes
