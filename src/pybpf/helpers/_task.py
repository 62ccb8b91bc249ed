"""Helpers about the current task: ids, credentials, name, cgroup, and its kernel object."""

from __future__ import annotations

import os

from ..engine import ExecContext
from ._impl import host, implements, map_arg

EINVAL = 22
EPERM = 1
E2BIG = 7
EAGAIN = 11
ENOENT = 2
PIDNS_INFO_SIZE = 8  #: sizeof(struct bpf_pidns_info): u32 pid, u32 tgid
HZ = 1000  #: CONFIG_HZ of the modelled kernel: jiffies tick every millisecond
INITIAL_JIFFIES = 0  #: jiffies at CLOCK_MONOTONIC 0 (the kernel's wraps 5 minutes in; pybpf starts at 0)
CLOCK_MONOTONIC = 1


@implements("bpf_get_current_uid_gid")
def get_current_uid_gid(ctx: ExecContext, *_: int) -> int:
    task = host(ctx).current_task()
    return int(((task.gid & 0xFFFF_FFFF) << 32) | (task.uid & 0xFFFF_FFFF))


@implements("bpf_get_current_comm")
def get_current_comm(ctx: ExecContext, buf: int, size: int, *_: int) -> int:
    """The name, cut to fit ``size`` with its NUL, zero-padded (``strscpy_pad``)."""
    size &= 0xFFFF_FFFF
    comm: bytes = host(ctx).current_task().comm_bytes[: max(size - 1, 0)]
    ctx.write(buf, comm.ljust(size, b"\0"))
    return 0


@implements("bpf_get_current_task")
def get_current_task(ctx: ExecContext, *_: int) -> int:
    return host(ctx).task_address()


@implements("bpf_get_current_task_btf")
def get_current_task_btf(ctx: ExecContext, *_: int) -> int:
    return host(ctx).task_address()


@implements("bpf_get_current_cgroup_id")
def get_current_cgroup_id(ctx: ExecContext, *_: int) -> int:
    return int(host(ctx).current_task().cgroup_id)


@implements("bpf_current_task_under_cgroup")
def current_task_under_cgroup(ctx: ExecContext, m: int, index: int, *_: int) -> int:
    """1 if the cgroup array slot holds the current task's cgroup id, 0 if another; -E2BIG past
    the end, -EAGAIN for an empty slot (the kernel's answers)."""
    cgroups = map_arg(ctx, m, "bpf_current_task_under_cgroup")
    index &= 0xFFFF_FFFF
    if index >= cgroups.max_entries:
        return -E2BIG
    stored = cgroups.stored(index)
    if stored is None:
        return -EAGAIN
    return int(int.from_bytes(stored, "little") == host(ctx).current_task().cgroup_id)


@implements("bpf_get_numa_node_id")
def get_numa_node_id(ctx: ExecContext, *_: int) -> int:
    return 0


@implements("bpf_jiffies64")
def jiffies64(ctx: ExecContext, *_: int) -> int:
    return INITIAL_JIFFIES + host(ctx).now_ns(CLOCK_MONOTONIC) * HZ // 1_000_000_000


@implements("bpf_get_ns_current_pid_tgid")
def get_ns_current_pid_tgid(ctx: ExecContext, dev: int, ino: int, nsdata: int, size: int, _5: int) -> int:
    """The current task's ids, in the pid namespace of this process (the only one pybpf knows):
    -ENOENT for any other namespace, -EINVAL for a wrong size; nsdata zeroed on failure."""
    size &= 0xFFFF_FFFF
    namespace = _pid_namespace()
    if size != PIDNS_INFO_SIZE or namespace is None or (dev, ino) != namespace:
        ctx.write(nsdata, bytes(size))
        return -EINVAL if size != PIDNS_INFO_SIZE else -ENOENT
    task = host(ctx).current_task()
    ctx.write(nsdata, (task.pid & 0xFFFF_FFFF).to_bytes(4, "little") + (task.tgid & 0xFFFF_FFFF).to_bytes(4, "little"))
    return 0


def _pid_namespace() -> tuple[int, int] | None:
    """(device, inode) of this process's pid namespace, as ``stat /proc/self/ns/pid`` gives them."""
    try:
        st = os.stat("/proc/self/ns/pid")
    except OSError:
        return None
    return st.st_dev, st.st_ino


NSIG = 64  #: _NSIG: signals are 1..64 (0 checks the right to send)


def _send_signal(ctx: ExecContext, sig: int) -> int:
    """The kernel's answers: -EPERM when the current task is the init process (never
    signalled), -EINVAL for a signal past 64, else 0. No signal is delivered: the current task
    stands for the Python process running the program, which must not receive it."""
    if host(ctx).current_task().tgid == 1:
        return -EPERM
    return -EINVAL if sig & 0xFFFF_FFFF > NSIG else 0


@implements("bpf_send_signal")
def send_signal(ctx: ExecContext, sig: int, *_: int) -> int:
    return _send_signal(ctx, sig)


@implements("bpf_send_signal_thread")
def send_signal_thread(ctx: ExecContext, sig: int, *_: int) -> int:
    return _send_signal(ctx, sig)
