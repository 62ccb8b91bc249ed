"""Which maps each helper may be given, and which helpers each map may be given to (the
kernel's ``check_map_func_compatibility``, both directions), with the socket maps' own rules:
a program updates or deletes a sockmap or sockhash entry only where it cannot hold a locked
socket (``may_update_sockmap``), gives the socket itself as the value, and a lookup returns an
acquired socket that must be released.

Map types are the UAPI ``enum bpf_map_type`` numbers, which the messages print.
"""

from __future__ import annotations

from typing import Final

from .._spec import AttachType, ProgType
from ..helpers import Arg, HelperProto
from ._env import Env, Refuse
from ._state import MapInfo

__all__ = ["SOCK_MAPS", "check_map_func", "check_map_prog", "map_value_arg"]

_PROG_ARRAY, _PERF_EVENT_ARRAY, _PERCPU_HASH, _PERCPU_ARRAY, _STACK_TRACE, _CGROUP_ARRAY = 3, 4, 5, 6, 7, 8
_LRU_PERCPU_HASH, _ARRAY_OF_MAPS, _HASH_OF_MAPS, _DEVMAP, _SOCKMAP, _CPUMAP, _XSKMAP = 10, 12, 13, 14, 15, 16, 17
_SOCKHASH, _CGROUP_STORAGE, _REUSEPORT_SOCKARRAY, _PERCPU_CGROUP_STORAGE, _QUEUE, _STACK = 18, 19, 20, 21, 22, 23
_SK_STORAGE, _DEVMAP_HASH, _RINGBUF, _INODE_STORAGE, _TASK_STORAGE, _BLOOM_FILTER = 24, 25, 27, 28, 29, 30
_USER_RINGBUF, _CGRP_STORAGE = 31, 32

#: the maps whose values are sockets
SOCK_MAPS: Final = frozenset({_SOCKMAP, _SOCKHASH})

_RINGBUF_FUNCS: Final = frozenset({"bpf_ringbuf_output", "bpf_ringbuf_reserve", "bpf_ringbuf_query",
                                   "bpf_ringbuf_reserve_dynptr", "bpf_ringbuf_submit_dynptr",
                                   "bpf_ringbuf_discard_dynptr"})
_PERF_FUNCS: Final = frozenset({"bpf_perf_event_read", "bpf_perf_event_output", "bpf_skb_output",
                                "bpf_perf_event_read_value", "bpf_xdp_output"})


def _storage(kind: str) -> frozenset[str]:
    return frozenset({f"bpf_{kind}_storage_get", f"bpf_{kind}_storage_delete", "bpf_kptr_xchg"})


#: the helpers a map of each type may be passed to (map types not listed take any helper
#: the second table allows); the socket maps' update and delete are decided by context
_MAP_FUNCS: Final[dict[int, frozenset[str]]] = {
    _PROG_ARRAY: frozenset({"bpf_tail_call"}),
    _PERF_EVENT_ARRAY: _PERF_FUNCS,
    _RINGBUF: _RINGBUF_FUNCS,
    _USER_RINGBUF: frozenset({"bpf_user_ringbuf_drain"}),
    _STACK_TRACE: frozenset({"bpf_get_stackid"}),
    _CGROUP_ARRAY: frozenset({"bpf_skb_under_cgroup", "bpf_current_task_under_cgroup"}),
    _CGROUP_STORAGE: frozenset({"bpf_get_local_storage"}),
    _PERCPU_CGROUP_STORAGE: frozenset({"bpf_get_local_storage"}),
    _DEVMAP: frozenset({"bpf_redirect_map", "bpf_map_lookup_elem"}),
    _DEVMAP_HASH: frozenset({"bpf_redirect_map", "bpf_map_lookup_elem"}),
    _CPUMAP: frozenset({"bpf_redirect_map"}),
    _XSKMAP: frozenset({"bpf_redirect_map", "bpf_map_lookup_elem"}),
    _ARRAY_OF_MAPS: frozenset({"bpf_map_lookup_elem"}),
    _HASH_OF_MAPS: frozenset({"bpf_map_lookup_elem"}),
    _SOCKMAP: frozenset({"bpf_sk_redirect_map", "bpf_sock_map_update", "bpf_msg_redirect_map",
                         "bpf_sk_select_reuseport", "bpf_map_lookup_elem"}),
    _SOCKHASH: frozenset({"bpf_sk_redirect_hash", "bpf_sock_hash_update", "bpf_msg_redirect_hash",
                          "bpf_sk_select_reuseport", "bpf_map_lookup_elem"}),
    _REUSEPORT_SOCKARRAY: frozenset({"bpf_sk_select_reuseport"}),
    _QUEUE: frozenset({"bpf_map_peek_elem", "bpf_map_pop_elem", "bpf_map_push_elem"}),
    _STACK: frozenset({"bpf_map_peek_elem", "bpf_map_pop_elem", "bpf_map_push_elem"}),
    _SK_STORAGE: _storage("sk"),
    _INODE_STORAGE: _storage("inode"),
    _TASK_STORAGE: _storage("task"),
    _CGRP_STORAGE: _storage("cgrp"),
    _BLOOM_FILTER: frozenset({"bpf_map_peek_elem", "bpf_map_push_elem"}),
}

_RINGBUF_ONLY = frozenset({_RINGBUF})
#: the map types each map-taking helper accepts (helpers not listed accept any map the first
#: table allows)
_FUNC_MAPS: Final[dict[str, frozenset[int]]] = {
    "bpf_tail_call": frozenset({_PROG_ARRAY}),
    **dict.fromkeys(_PERF_FUNCS, frozenset({_PERF_EVENT_ARRAY})),
    **dict.fromkeys(_RINGBUF_FUNCS, _RINGBUF_ONLY),
    "bpf_user_ringbuf_drain": frozenset({_USER_RINGBUF}),
    "bpf_get_stackid": frozenset({_STACK_TRACE}),
    "bpf_current_task_under_cgroup": frozenset({_CGROUP_ARRAY}),
    "bpf_skb_under_cgroup": frozenset({_CGROUP_ARRAY}),
    "bpf_redirect_map": frozenset({_DEVMAP, _DEVMAP_HASH, _CPUMAP, _XSKMAP}),
    "bpf_sk_redirect_map": frozenset({_SOCKMAP}),
    "bpf_msg_redirect_map": frozenset({_SOCKMAP}),
    "bpf_sock_map_update": frozenset({_SOCKMAP}),
    "bpf_sk_redirect_hash": frozenset({_SOCKHASH}),
    "bpf_msg_redirect_hash": frozenset({_SOCKHASH}),
    "bpf_sock_hash_update": frozenset({_SOCKHASH}),
    "bpf_get_local_storage": frozenset({_CGROUP_STORAGE, _PERCPU_CGROUP_STORAGE}),
    "bpf_sk_select_reuseport": frozenset({_REUSEPORT_SOCKARRAY, _SOCKMAP, _SOCKHASH}),
    "bpf_map_pop_elem": frozenset({_QUEUE, _STACK}),
    "bpf_map_peek_elem": frozenset({_QUEUE, _STACK, _BLOOM_FILTER}),
    "bpf_map_push_elem": frozenset({_QUEUE, _STACK, _BLOOM_FILTER}),
    "bpf_map_lookup_percpu_elem": frozenset({_PERCPU_ARRAY, _PERCPU_HASH, _LRU_PERCPU_HASH}),
    "bpf_sk_storage_get": frozenset({_SK_STORAGE}),
    "bpf_sk_storage_delete": frozenset({_SK_STORAGE}),
    "bpf_inode_storage_get": frozenset({_INODE_STORAGE}),
    "bpf_inode_storage_delete": frozenset({_INODE_STORAGE}),
    "bpf_task_storage_get": frozenset({_TASK_STORAGE}),
    "bpf_task_storage_delete": frozenset({_TASK_STORAGE}),
    "bpf_cgrp_storage_get": frozenset({_CGRP_STORAGE}),
    "bpf_cgrp_storage_delete": frozenset({_CGRP_STORAGE}),
}

#: program types that can never hold a locked socket, so may change a socket map
_SOCKMAP_UPDATERS: Final = frozenset({
    ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.XDP,
    ProgType.SK_REUSEPORT, ProgType.FLOW_DISSECTOR, ProgType.SK_LOOKUP,
})


_HASH, _ARRAY, _LRU_HASH, _ARENA = 1, 2, 9, 33
#: the maps sleepable programs may use (``check_map_prog_compatibility``)
_SLEEPABLE_MAPS: Final = frozenset({
    _HASH, _LRU_HASH, _ARRAY, _PERCPU_HASH, _PERCPU_ARRAY, _LRU_PERCPU_HASH, _ARRAY_OF_MAPS,
    _HASH_OF_MAPS, _RINGBUF, _USER_RINGBUF, _INODE_STORAGE, _SK_STORAGE, _TASK_STORAGE,
    _CGRP_STORAGE, _QUEUE, _STACK, _ARENA,
})


def check_map_prog(env: Env, m: MapInfo) -> None:
    """A map a program references, judged against the program itself: a sleepable program
    (a syscall program, ``.s`` sections) uses only maps whose elements stay valid while it
    sleeps, and no inner map of another kind."""
    if env.inp.sleepable and (m.type not in _SLEEPABLE_MAPS or m.inner is not None and m.inner.type not in _SLEEPABLE_MAPS):
        raise Refuse("Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps", 22)


def _may_update_sockmap(env: Env, name: str) -> bool:
    """``map_update_elem``/``map_delete_elem`` on a socket map, where the kernel allows it."""
    if name not in ("bpf_map_update_elem", "bpf_map_delete_elem"):
        return False
    prog_type = env.inp.prog_type
    if prog_type in _SOCKMAP_UPDATERS:
        return True
    if prog_type == ProgType.TRACING and env.inp.attach_type == AttachType.TRACE_ITER:
        return True
    if prog_type == ProgType.SOCK_OPS and name == "bpf_map_delete_elem":
        return True  # sock_ops updates through bpf_sock_map_update, which checks the event
    env.log.add("cannot update sockmap in this context")
    return False


def check_map_func(env: Env, proto: HelperProto, m: MapInfo) -> None:
    """Whether the map given to a helper call suits it, both ways."""
    name = proto.name
    allowed = _MAP_FUNCS.get(m.type)
    ok = allowed is None or name in allowed or m.type in SOCK_MAPS and _may_update_sockmap(env, name)
    wanted = _FUNC_MAPS.get(name)
    if not ok or wanted is not None and m.type not in wanted:
        raise Refuse(f"cannot pass map_type {m.type} into func {name}#{proto.id}", 22)


def map_value_arg(m: MapInfo | None, kind: Arg) -> Arg:
    """The argument kind a map-value argument takes for this map (``resolve_map_arg_type``):
    a socket map's value is the socket itself."""
    if m is None or m.type not in SOCK_MAPS:
        return kind
    if kind != Arg.PTR_TO_MAP_VALUE:
        raise Refuse("invalid arg_type for sockmap/sockhash", 22)
    return Arg.PTR_TO_BTF_ID_SOCK_COMMON
