"""``SEC()`` names: which program type, attach type and target a section name stands for.

libbpf decides a program's type from the name of the ELF section that holds it, by trying the
patterns of its ``section_defs`` table in order (``sec_def_matches`` in ``libbpf.c``):

- a pattern ending in ``+`` (``kprobe+``) matches the bare name (``kprobe``) or the name
  followed by ``/`` and anything (``kprobe/do_unlinkat``);
- any other pattern must match the whole name.

(libbpf also knows patterns ending in ``/``, which require the part after the slash; its
table no longer has any.)

What follows the ``/`` is the attach target (a kernel function, a tracepoint...). A leading
``?`` (``SEC("?tc")``) only says that the program is not loaded by default. See
https://docs.kernel.org/bpf/libbpf/program_types.html for the table as documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from .._spec import AttachType, ProgType
from ._errors import ElfError

__all__ = ["SectionType", "section_program_type"]


@final
@dataclass(frozen=True, slots=True)
class SectionType:
    """What a ``SEC()`` name says about the programs in that section.

    ``section`` is the name without its leading ``?``; ``attach_to`` the part after the matched
    prefix and its ``/`` (``syscalls/sys_enter_openat`` for ``tp/syscalls/sys_enter_openat``),
    empty for exact matches.
    """

    section: str
    prog_type: ProgType
    attach_type: AttachType
    attach_to: str
    sleepable: bool
    autoload: bool


@dataclass(frozen=True, slots=True)
class _SecDef:
    pattern: str
    prog_type: ProgType
    attach: str = ""  # the kernel's BPF_<name> attach type, "" for none
    sleepable: bool = False


_P = ProgType
# libbpf's section_defs, in its order: the first match wins, so specific names come first.
_SECTION_DEFS: tuple[_SecDef, ...] = (
    _SecDef("socket", _P.SOCKET_FILTER),
    _SecDef("sk_reuseport/migrate", _P.SK_REUSEPORT, "SK_REUSEPORT_SELECT_OR_MIGRATE"),
    _SecDef("sk_reuseport", _P.SK_REUSEPORT, "SK_REUSEPORT_SELECT"),
    _SecDef("kprobe+", _P.KPROBE),
    _SecDef("uprobe+", _P.KPROBE),
    _SecDef("uprobe.s+", _P.KPROBE, sleepable=True),
    _SecDef("kretprobe+", _P.KPROBE),
    _SecDef("uretprobe+", _P.KPROBE),
    _SecDef("uretprobe.s+", _P.KPROBE, sleepable=True),
    _SecDef("kprobe.multi+", _P.KPROBE, "TRACE_KPROBE_MULTI"),
    _SecDef("kretprobe.multi+", _P.KPROBE, "TRACE_KPROBE_MULTI"),
    _SecDef("kprobe.session+", _P.KPROBE, "TRACE_KPROBE_SESSION"),
    _SecDef("uprobe.multi+", _P.KPROBE, "TRACE_UPROBE_MULTI"),
    _SecDef("uretprobe.multi+", _P.KPROBE, "TRACE_UPROBE_MULTI"),
    _SecDef("uprobe.session+", _P.KPROBE, "TRACE_UPROBE_SESSION"),
    _SecDef("uprobe.multi.s+", _P.KPROBE, "TRACE_UPROBE_MULTI", sleepable=True),
    _SecDef("uretprobe.multi.s+", _P.KPROBE, "TRACE_UPROBE_MULTI", sleepable=True),
    _SecDef("uprobe.session.s+", _P.KPROBE, "TRACE_UPROBE_SESSION", sleepable=True),
    _SecDef("ksyscall+", _P.KPROBE),
    _SecDef("kretsyscall+", _P.KPROBE),
    _SecDef("usdt+", _P.KPROBE),
    _SecDef("usdt.s+", _P.KPROBE, sleepable=True),
    _SecDef("tc/ingress", _P.SCHED_CLS, "TCX_INGRESS"),  # an alias of tcx/ingress
    _SecDef("tc/egress", _P.SCHED_CLS, "TCX_EGRESS"),
    _SecDef("tcx/ingress", _P.SCHED_CLS, "TCX_INGRESS"),
    _SecDef("tcx/egress", _P.SCHED_CLS, "TCX_EGRESS"),
    _SecDef("tc", _P.SCHED_CLS),  # legacy, like classifier and action
    _SecDef("classifier", _P.SCHED_CLS),
    _SecDef("action", _P.SCHED_ACT),
    _SecDef("netkit/primary", _P.SCHED_CLS, "NETKIT_PRIMARY"),
    _SecDef("netkit/peer", _P.SCHED_CLS, "NETKIT_PEER"),
    _SecDef("tracepoint+", _P.TRACEPOINT),
    _SecDef("tp+", _P.TRACEPOINT),
    _SecDef("raw_tracepoint+", _P.RAW_TRACEPOINT),
    _SecDef("raw_tp+", _P.RAW_TRACEPOINT),
    _SecDef("raw_tracepoint.w+", _P.RAW_TRACEPOINT_WRITABLE),
    _SecDef("raw_tp.w+", _P.RAW_TRACEPOINT_WRITABLE),
    _SecDef("tp_btf+", _P.TRACING, "TRACE_RAW_TP"),
    _SecDef("fentry+", _P.TRACING, "TRACE_FENTRY"),
    _SecDef("fmod_ret+", _P.TRACING, "MODIFY_RETURN"),
    _SecDef("fexit+", _P.TRACING, "TRACE_FEXIT"),
    _SecDef("fentry.s+", _P.TRACING, "TRACE_FENTRY", sleepable=True),
    _SecDef("fmod_ret.s+", _P.TRACING, "MODIFY_RETURN", sleepable=True),
    _SecDef("fexit.s+", _P.TRACING, "TRACE_FEXIT", sleepable=True),
    _SecDef("freplace+", _P.EXT),
    _SecDef("lsm+", _P.LSM, "LSM_MAC"),
    _SecDef("lsm.s+", _P.LSM, "LSM_MAC", sleepable=True),
    _SecDef("lsm_cgroup+", _P.LSM, "LSM_CGROUP"),
    _SecDef("iter+", _P.TRACING, "TRACE_ITER"),
    _SecDef("iter.s+", _P.TRACING, "TRACE_ITER", sleepable=True),
    _SecDef("syscall", _P.SYSCALL, sleepable=True),
    _SecDef("xdp.frags/devmap", _P.XDP, "XDP_DEVMAP"),
    _SecDef("xdp/devmap", _P.XDP, "XDP_DEVMAP"),
    _SecDef("xdp.frags/cpumap", _P.XDP, "XDP_CPUMAP"),
    _SecDef("xdp/cpumap", _P.XDP, "XDP_CPUMAP"),
    _SecDef("xdp.frags", _P.XDP, "XDP"),
    _SecDef("xdp", _P.XDP, "XDP"),
    _SecDef("perf_event", _P.PERF_EVENT),
    _SecDef("lwt_in", _P.LWT_IN),
    _SecDef("lwt_out", _P.LWT_OUT),
    _SecDef("lwt_xmit", _P.LWT_XMIT),
    _SecDef("lwt_seg6local", _P.LWT_SEG6LOCAL),
    _SecDef("sockops", _P.SOCK_OPS, "CGROUP_SOCK_OPS"),
    _SecDef("sk_skb/stream_parser", _P.SK_SKB, "SK_SKB_STREAM_PARSER"),
    _SecDef("sk_skb/stream_verdict", _P.SK_SKB, "SK_SKB_STREAM_VERDICT"),
    _SecDef("sk_skb", _P.SK_SKB),
    _SecDef("sk_msg", _P.SK_MSG, "SK_MSG_VERDICT"),
    _SecDef("lirc_mode2", _P.LIRC_MODE2, "LIRC_MODE2"),
    _SecDef("flow_dissector", _P.FLOW_DISSECTOR, "FLOW_DISSECTOR"),
    _SecDef("cgroup_skb/ingress", _P.CGROUP_SKB, "CGROUP_INET_INGRESS"),
    _SecDef("cgroup_skb/egress", _P.CGROUP_SKB, "CGROUP_INET_EGRESS"),
    _SecDef("cgroup/skb", _P.CGROUP_SKB),
    _SecDef("cgroup/sock_create", _P.CGROUP_SOCK, "CGROUP_INET_SOCK_CREATE"),
    _SecDef("cgroup/sock_release", _P.CGROUP_SOCK, "CGROUP_INET_SOCK_RELEASE"),
    _SecDef("cgroup/sock", _P.CGROUP_SOCK, "CGROUP_INET_SOCK_CREATE"),
    _SecDef("cgroup/post_bind4", _P.CGROUP_SOCK, "CGROUP_INET4_POST_BIND"),
    _SecDef("cgroup/post_bind6", _P.CGROUP_SOCK, "CGROUP_INET6_POST_BIND"),
    _SecDef("cgroup/bind4", _P.CGROUP_SOCK_ADDR, "CGROUP_INET4_BIND"),
    _SecDef("cgroup/bind6", _P.CGROUP_SOCK_ADDR, "CGROUP_INET6_BIND"),
    _SecDef("cgroup/connect4", _P.CGROUP_SOCK_ADDR, "CGROUP_INET4_CONNECT"),
    _SecDef("cgroup/connect6", _P.CGROUP_SOCK_ADDR, "CGROUP_INET6_CONNECT"),
    _SecDef("cgroup/connect_unix", _P.CGROUP_SOCK_ADDR, "CGROUP_UNIX_CONNECT"),
    _SecDef("cgroup/sendmsg4", _P.CGROUP_SOCK_ADDR, "CGROUP_UDP4_SENDMSG"),
    _SecDef("cgroup/sendmsg6", _P.CGROUP_SOCK_ADDR, "CGROUP_UDP6_SENDMSG"),
    _SecDef("cgroup/sendmsg_unix", _P.CGROUP_SOCK_ADDR, "CGROUP_UNIX_SENDMSG"),
    _SecDef("cgroup/recvmsg4", _P.CGROUP_SOCK_ADDR, "CGROUP_UDP4_RECVMSG"),
    _SecDef("cgroup/recvmsg6", _P.CGROUP_SOCK_ADDR, "CGROUP_UDP6_RECVMSG"),
    _SecDef("cgroup/recvmsg_unix", _P.CGROUP_SOCK_ADDR, "CGROUP_UNIX_RECVMSG"),
    _SecDef("cgroup/getpeername4", _P.CGROUP_SOCK_ADDR, "CGROUP_INET4_GETPEERNAME"),
    _SecDef("cgroup/getpeername6", _P.CGROUP_SOCK_ADDR, "CGROUP_INET6_GETPEERNAME"),
    _SecDef("cgroup/getpeername_unix", _P.CGROUP_SOCK_ADDR, "CGROUP_UNIX_GETPEERNAME"),
    _SecDef("cgroup/getsockname4", _P.CGROUP_SOCK_ADDR, "CGROUP_INET4_GETSOCKNAME"),
    _SecDef("cgroup/getsockname6", _P.CGROUP_SOCK_ADDR, "CGROUP_INET6_GETSOCKNAME"),
    _SecDef("cgroup/getsockname_unix", _P.CGROUP_SOCK_ADDR, "CGROUP_UNIX_GETSOCKNAME"),
    _SecDef("cgroup/sysctl", _P.CGROUP_SYSCTL, "CGROUP_SYSCTL"),
    _SecDef("cgroup/getsockopt", _P.CGROUP_SOCKOPT, "CGROUP_GETSOCKOPT"),
    _SecDef("cgroup/setsockopt", _P.CGROUP_SOCKOPT, "CGROUP_SETSOCKOPT"),
    _SecDef("cgroup/dev", _P.CGROUP_DEVICE, "CGROUP_DEVICE"),
    _SecDef("struct_ops+", _P.STRUCT_OPS),
    _SecDef("struct_ops.s+", _P.STRUCT_OPS, sleepable=True),
    _SecDef("sk_lookup", _P.SK_LOOKUP, "SK_LOOKUP"),
    _SecDef("netfilter", _P.NETFILTER, "NETFILTER"),
)


def section_program_type(name: str) -> SectionType:
    """Classify a ``SEC()`` name as libbpf does.

    Attach types that :class:`AttachType` does not list yet come out as ``AttachType.NONE``.

    Raises:
        ElfError: ``section 'foo': unknown program type`` if no pattern matches.
    """
    autoload = not name.startswith("?")
    section = name if autoload else name[1:]
    for sec_def in _SECTION_DEFS:
        attach_to = _match(sec_def.pattern, section)
        if attach_to is not None:
            return SectionType(
                section=section,
                prog_type=sec_def.prog_type,
                attach_type=_attach_type(sec_def.attach),
                attach_to=attach_to,
                sleepable=sec_def.sleepable,
                autoload=autoload,
            )
    raise ElfError(f"section '{name}': unknown program type")


def _match(pattern: str, section: str) -> str | None:
    """The attach target if ``section`` matches ``pattern``, else None."""
    if pattern.endswith("+"):
        prefix = pattern[:-1]
        if section == prefix:
            return ""
        return section[len(prefix) + 1 :] if section.startswith(prefix + "/") else None
    return "" if section == pattern else None


def _attach_type(name: str) -> AttachType:
    return AttachType.__members__.get(name, AttachType.NONE) if name else AttachType.NONE
