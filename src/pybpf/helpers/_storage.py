"""Local storage helpers: a value attached to a socket, task or cgroup, and the cgroup storage
of the running program."""

from __future__ import annotations

from ..engine import ExecContext
from ._impl import host, implements, map_arg


def _get(ctx: ExecContext, name: str, m: int, owner: int, init: int, flags: int) -> int:
    storage = map_arg(ctx, m, name)
    value = ctx.read(init, storage.value_size) if init else None
    return storage.get(owner, value, flags)  # type: ignore[no-any-return]


def _delete(ctx: ExecContext, name: str, m: int, owner: int) -> int:
    return map_arg(ctx, m, name).remove(owner)  # type: ignore[no-any-return]


@implements("bpf_get_local_storage")
def get_local_storage(ctx: ExecContext, m: int, flags: int, *_: int) -> int:
    """The running program's value in a cgroup storage map (this CPU's for the per-CPU type)."""
    storage = map_arg(ctx, m, "bpf_get_local_storage")
    return storage.storage_address(host(ctx).cgroup_storage(storage), ctx.cpu)  # type: ignore[no-any-return]


@implements("bpf_sk_storage_get")
def sk_storage_get(ctx: ExecContext, m: int, sk: int, init: int, flags: int, _5: int) -> int:
    return _get(ctx, "bpf_sk_storage_get", m, sk, init, flags)


@implements("bpf_task_storage_get")
def task_storage_get(ctx: ExecContext, m: int, task: int, init: int, flags: int, _5: int) -> int:
    return _get(ctx, "bpf_task_storage_get", m, task, init, flags)


@implements("bpf_cgrp_storage_get")
def cgrp_storage_get(ctx: ExecContext, m: int, cgroup: int, init: int, flags: int, _5: int) -> int:
    return _get(ctx, "bpf_cgrp_storage_get", m, cgroup, init, flags)


@implements("bpf_sk_storage_delete")
def sk_storage_delete(ctx: ExecContext, m: int, sk: int, *_: int) -> int:
    return _delete(ctx, "bpf_sk_storage_delete", m, sk)


@implements("bpf_task_storage_delete")
def task_storage_delete(ctx: ExecContext, m: int, task: int, *_: int) -> int:
    return _delete(ctx, "bpf_task_storage_delete", m, task)


@implements("bpf_cgrp_storage_delete")
def cgrp_storage_delete(ctx: ExecContext, m: int, cgroup: int, *_: int) -> int:
    return _delete(ctx, "bpf_cgrp_storage_delete", m, cgroup)
