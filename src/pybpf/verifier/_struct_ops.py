"""struct_ops programs: what the kernel checks of a program that implements one member of a
kernel struct of function pointers (``check_struct_ops_btf_id``), the context it gets (the
member's arguments, as ``btf_ctx_access`` types them, trusted) and what each struct_ops type
adds through its verifier ops: the helpers it offers, the kernel fields it lets programs
write, the pointer types it promotes.

The struct_ops types here are those a Linux 6.18 kernel registers without optional modules
or config (``tcp_congestion_ops``, ``bpf_dummy_ops``); the facts per type are in
:data:`REGISTERED`. A member is supported when the kernel has a stub for it (its CFI stub
table), which for ``tcp_congestion_ops`` excludes ``get_info``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from ..btf import BtfError, FuncProto, Ptr, Spec, Struct
from ..helpers import Arg, HelperProto
from ._env import Env, Refuse, VerifyInput

__all__ = [
    "REGISTERED",
    "OpsRules",
    "StructOpsTarget",
    "check_struct_ops_attach",
    "member_proto",
    "promoted_struct",
    "struct_ops_input",
    "struct_ops_proto",
    "struct_ops_write",
]

EINVAL, EACCES, ENOTSUPP = 22, 13, 524


@dataclass(frozen=True)
class OpsRules:
    """What the kernel's registration of one struct_ops type fixes.

    ``supported``: the members a program may implement (those with a CFI stub);
    ``optional``: the function members a registration may leave unset (the others must be
    set, ``init_member``); ``sleepable``: the members a sleepable program may implement
    (None: any); ``helpers``: helper names offered beside the base set, with ``not_in`` the
    members that may not call one of them; ``promote``: argument structs retyped
    (``struct sock *`` arguments are ``struct tcp_sock *`` to congestion control);
    ``writable``: the struct programs may write and its writable fields, as dotted paths
    (None: any byte of it); ``write_refused``: the message of a write to any other struct;
    ``kfuncs``: the kfuncs its kfunc set registers; ``nullable``: the arguments, by member,
    that may be NULL (a ``__nullable`` parameter of the kernel's stub); ``registrable``:
    whether a registration can succeed (``bpf_dummy_ops`` exists for test runs only);
    ``value_size`` and ``funcs``: the kernel's map value size and function-pointer count, for
    when only the object's BTF describes the struct (an object may declare only the members it
    sets).
    """

    supported: frozenset[str]
    optional: frozenset[str] = frozenset()
    sleepable: frozenset[str] | None = None
    helpers: frozenset[str] = frozenset()
    not_in: Mapping[str, frozenset[str]] = field(default_factory=dict)
    promote: Mapping[str, str] = field(default_factory=dict)
    writable: tuple[str, tuple[str, ...] | None] = ("", ())
    write_refused: str = "only read is supported"
    kfuncs: frozenset[str] = frozenset()
    nullable: Mapping[str, frozenset[int]] = field(default_factory=dict)
    registrable: bool = True
    value_size: int = 0  #: ``sizeof(struct bpf_struct_ops_<name>)`` on x86-64
    funcs: int = 0  #: the struct's function-pointer members (what the map's memlock counts)


_TCP_CA_FUNCS: Final = frozenset({
    "ssthresh", "cong_avoid", "set_state", "cwnd_event", "in_ack_event", "pkts_acked", "min_tso_segs",
    "cong_control", "undo_cwnd", "sndbuf_expand", "init", "release",
})

#: Linux 6.18's struct_ops types (``net/ipv4/bpf_tcp_ca.c``, ``net/bpf/bpf_dummy_struct_ops.c``)
REGISTERED: Final[Mapping[str, OpsRules]] = {
    "tcp_congestion_ops": OpsRules(
        supported=_TCP_CA_FUNCS,
        optional=_TCP_CA_FUNCS - {"ssthresh", "cong_avoid", "undo_cwnd"} | {"get_info"},
        helpers=frozenset({"bpf_tcp_send_ack", "bpf_sk_storage_get", "bpf_sk_storage_delete", "bpf_setsockopt",
                           "bpf_getsockopt", "bpf_ktime_get_coarse_ns"}),
        not_in={"release": frozenset({"bpf_setsockopt", "bpf_getsockopt"})},
        promote={"sock": "tcp_sock"},
        writable=("tcp_sock", (
            "sk_pacing_rate", "sk_pacing_status", "inet_conn.icsk_ca_priv", "inet_conn.icsk_ack.pending",
            "snd_cwnd", "snd_cwnd_cnt", "snd_cwnd_stamp", "snd_ssthresh", "ecn_flags", "app_limited",
        )),
        value_size=256,
        funcs=13,
        kfuncs=frozenset({"tcp_reno_ssthresh", "tcp_reno_cong_avoid", "tcp_reno_undo_cwnd", "tcp_slow_start",
                          "tcp_cong_avoid_ai"}),
    ),
    "bpf_dummy_ops": OpsRules(
        supported=frozenset({"test_1", "test_2", "test_sleepable"}),
        optional=frozenset({"test_1", "test_2", "test_sleepable"}),
        sleepable=frozenset({"test_sleepable"}),
        writable=("bpf_dummy_ops_state", None),
        write_refused="only access to bpf_dummy_ops_state is supported",
        nullable={"test_1": frozenset({0})},
        registrable=False,
        value_size=128,
        funcs=3,
    ),
}


@dataclass(frozen=True)
class StructOpsTarget:
    """The member a struct_ops program implements: the struct (``ops``, in ``btf``, the BTF
    its layout comes from), the member's name and index, and its prototype's parameter and
    return types (ids in ``btf``; return 0 for ``void``)."""

    ops: str
    member: str
    index: int
    params: tuple[int, ...]
    returns: int
    btf: Spec

    @property
    def rules(self) -> OpsRules | None:
        return REGISTERED.get(self.ops)


def member_proto(btf: Spec, struct: Struct, member: str) -> tuple[int, FuncProto | None]:
    """The index of ``member`` in ``struct`` (-1 when it has none) and the prototype its
    function pointer points to (None for a member that is no function pointer)."""
    for index, m in enumerate(struct.members):
        if m.name != member:
            continue
        ptr = btf.type_by_id(btf.skip_modifiers(m.type))
        proto = btf.type_by_id(btf.skip_modifiers(ptr.type)) if isinstance(ptr, Ptr) else None
        return index, proto if isinstance(proto, FuncProto) else None
    return -1, None


def struct_ops_input(inp: VerifyInput, target: StructOpsTarget) -> VerifyInput:
    """``inp`` for a program implementing ``target``: the struct's BTF types the kernel
    pointers it sees when the target BTF does not describe the struct."""
    lacks = inp.kernel_btf is None or not inp.kernel_btf.types_by_name(target.ops, Struct)
    return replace(inp, struct_ops=target, kernel_btf=target.btf if lacks else inp.kernel_btf)


def check_struct_ops_attach(inp: VerifyInput) -> None:
    """What ``check_struct_ops_btf_id`` refuses of the program before walking it."""
    target = inp.struct_ops
    assert target is not None
    if not inp.license_gpl:
        raise Refuse("struct ops programs must have a GPL compatible license", EINVAL)
    rules = REGISTERED[target.ops]
    unsupported = f"attach to unsupported member {target.member} of struct {target.ops}"
    if target.member not in rules.supported:
        raise Refuse(unsupported, ENOTSUPP)
    if inp.sleepable and rules.sleepable is not None and target.member not in rules.sleepable:
        raise Refuse(unsupported, EINVAL)


def promoted_struct(target: StructOpsTarget, name: str) -> str:
    """The struct an argument of ``target`` pointing to ``struct name`` is typed as."""
    rules = target.rules
    return rules.promote.get(name, name) if rules is not None else name


def struct_ops_write(env: Env, struct: str, off: int, size: int) -> None:
    """A store through a pointer to ``struct`` at ``off`` (``btf_struct_access`` of the
    struct_ops type): allowed to the fields the type lists, else refused with its message.
    For a type that allows any field (``bpf_dummy_ops``) only the struct's end bounds it."""
    target = env.inp.struct_ops
    rules = target.rules if target is not None else None
    if target is None or rules is None or struct != rules.writable[0]:
        raise Refuse(rules.write_refused if rules is not None else "only read is supported", EACCES)
    paths = rules.writable[1]
    if paths is None:  # any byte of the struct
        found = target.btf.types_by_name(struct, Struct)
        if found and off + size > found[0].size:
            raise Refuse(f"write access at off {off} with size {size}", EACCES)
        return
    for start, end in _field_ranges(target.btf, struct, paths):
        if start <= off < end:
            if off + size > end:
                raise Refuse(f"write access at off {off} with size {size} beyond the member of {struct} ended at {end}",
                             EACCES)
            return
    raise Refuse(f"no write support to {struct} at off {off}", EACCES)


def _field_ranges(btf: Spec, struct: str, paths: tuple[str, ...]) -> list[tuple[int, int]]:
    """The byte range of each field ``paths`` names in ``struct`` (a field the BTF lacks is
    skipped: its struct is laid out without it)."""
    found = btf.types_by_name(struct, Struct)
    if not found:
        return []
    out = []
    for path in paths:
        try:
            f = btf.field(found[0].id, _deep_path(btf, found[0], path))
        except BtfError:
            continue
        start = f.bit_offset // 8
        out.append((start, start + btf.resolve_size(f.type)))
    return out


def _deep_path(btf: Spec, struct: Struct, path: str) -> str:
    """``path`` with the members leading to its first name filled in when that name is not a
    member of ``struct`` itself but of a struct it begins with (``sk_pacing_rate`` of a
    ``tcp_sock`` is ``inet_conn.icsk_inet.sk.sk_pacing_rate``)."""
    head, _, rest = path.partition(".")
    prefix: list[str] = []
    t: Struct = struct
    while not any(m.name == head for m in t.members) and t.members:
        first = t.members[0]
        inner = btf.type_by_id(btf.skip_modifiers(first.type))
        if first.bit_offset or not isinstance(inner, Struct):
            break
        prefix.append(first.name)
        t = inner
    return ".".join([*prefix, path]) if rest or prefix else path


#: helpers whose struct_ops prototype takes a socket pointer where the socket-program one takes
#: the context (``bpf_sk_setsockopt_proto``, ``bpf_sk_getsockopt_proto``)
_SOCKET_FIRST: Final = frozenset({"bpf_setsockopt", "bpf_getsockopt"})


def struct_ops_proto(env: Env, proto: HelperProto) -> HelperProto:
    """The prototype a struct_ops program's call of ``proto`` is checked against."""
    if env.inp.struct_ops is None or proto.name not in _SOCKET_FIRST:
        return proto
    return replace(proto, args=(Arg.PTR_TO_BTF_ID_SOCK_COMMON, *proto.args[1:]))
