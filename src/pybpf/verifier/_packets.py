"""Packet pointers across calls: which helpers may be handed a packet pointer at all, and which
move the packet so that every packet pointer the program holds becomes an unknown scalar.

A helper such as ``bpf_skb_pull_data`` or ``bpf_xdp_adjust_head`` may reallocate or shift the
packet, so the kernel forgets every ``pkt``, ``pkt_meta`` and ``pkt_end`` register and spill of
every frame after the call (``clear_all_pkt_pointers``): the program must reload ``data`` and
``data_end`` from its context and check again. So does a call of a global function that
(itself or through the functions it calls) calls any of these or makes a tail call, as the
kernel's CFG pass marks it (``changes_pkt_data``). A tail call made by the main program never
comes back when it succeeds, so it changes nothing there; one made in a subprogram returns to
the subprogram's caller with the packet maybe moved (6.18's ``check_helper_call``): the path
forks into the failed call, which goes on, and the successful one, which returns at once.
"""

from __future__ import annotations

from typing import Final

from .._spec import ProgType
from ..helpers import BY_ID, HelperProto
from ..isa import Instruction
from ._dynptr import PACKET_SLICE
from ._env import Env, Refuse
from ._state import Reg, RegType, Slot, State, scalar_unknown

__all__ = ["check_packet_arg", "clear_packet_pointers", "helper_changes_packet", "packet_changing_subprogs"]

#: the helpers after which packet pointers are stale (``bpf_helper_changes_pkt_data``)
_CHANGES_PKT_DATA: Final = frozenset({
    "bpf_clone_redirect", "bpf_l3_csum_replace", "bpf_l4_csum_replace", "bpf_lwt_push_encap",
    "bpf_lwt_seg6_action", "bpf_lwt_seg6_adjust_srh", "bpf_lwt_seg6_store_bytes", "bpf_msg_pop_data",
    "bpf_msg_pull_data", "bpf_msg_push_data", "bpf_skb_adjust_room", "bpf_skb_change_head",
    "bpf_skb_change_proto", "bpf_skb_change_tail", "bpf_skb_pull_data", "bpf_skb_store_bytes",
    "bpf_skb_vlan_pop", "bpf_skb_vlan_push", "bpf_store_hdr_opt", "bpf_xdp_adjust_head",
    "bpf_xdp_adjust_meta", "bpf_xdp_adjust_tail",
})
#: what marks a subprogram as changing the packet for its callers: a tail call too, since the
#: program it reaches may call any of the above and then return to the subprogram's caller
_MARKS_SUBPROG: Final = _CHANGES_PKT_DATA | {"bpf_tail_call"}

#: the helpers whose memory arguments may be packet pointers (their ``pkt_access`` flag):
#: map operations and the socket lookups and syncookie helpers that parse headers in place
_PKT_ACCESS: Final = frozenset({
    "bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem", "bpf_map_push_elem",
    "bpf_map_lookup_percpu_elem", "bpf_csum_diff", "bpf_sk_lookup_tcp", "bpf_sk_lookup_udp",
    "bpf_skc_lookup_tcp", "bpf_tcp_check_syncookie", "bpf_tcp_gen_syncookie",
    "bpf_tcp_raw_check_syncookie_ipv4", "bpf_tcp_raw_check_syncookie_ipv6",
    "bpf_tcp_raw_gen_syncookie_ipv4", "bpf_tcp_raw_gen_syncookie_ipv6",
})

#: program types that may read the packet directly (``may_access_direct_pkt_data``); sockopt
#: programs' "packet" is the option buffer, which every helper may be given
_DIRECT_PKT_TYPES: Final = frozenset({
    ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_SEG6LOCAL, ProgType.SK_REUSEPORT,
    ProgType.FLOW_DISSECTOR, ProgType.CGROUP_SKB, ProgType.SCHED_CLS, ProgType.SCHED_ACT,
    ProgType.XDP, ProgType.LWT_XMIT, ProgType.SK_SKB, ProgType.SK_MSG,
})
_PACKET_TYPES: Final = frozenset({RegType.PACKET, RegType.PACKET_META, RegType.PACKET_END})


def helper_changes_packet(proto: HelperProto) -> bool:
    """Whether packet pointers are stale after a call of ``proto``."""
    return proto.name in _CHANGES_PKT_DATA


def check_packet_arg(env: Env, proto: HelperProto, reg: Reg) -> None:
    """A packet pointer handed to a helper (any argument but an ``ARG_ANYTHING`` one)."""
    if reg.type not in (RegType.PACKET, RegType.PACKET_META):
        return
    prog_type = env.inp.prog_type
    if prog_type == ProgType.CGROUP_SOCKOPT:
        return
    if prog_type not in _DIRECT_PKT_TYPES or proto.name not in _PKT_ACCESS:
        raise Refuse("helper access to the packet is not allowed")


def clear_packet_pointers(st: State) -> None:
    """Every packet pointer of every frame, in registers and spilled, becomes an unknown
    scalar (the kernel marks them invalid; a privileged program may still hold the bits), and
    so does every slice of an skb or xdp dynptr."""
    for frame in st.frames:
        regs = frame.regs
        for i, r in enumerate(regs):
            if _into_packet(r):
                regs[i] = scalar_unknown()
        for spi, slot in frame.stack.items():
            spilled = slot.spilled
            if spilled is not None and _into_packet(spilled):
                frame.stack[spi] = Slot(slot.kinds, scalar_unknown())


def _into_packet(r: Reg) -> bool:
    return r.type in _PACKET_TYPES or r.type == RegType.MEM and r.btf_name == PACKET_SLICE


def packet_changing_subprogs(env: Env) -> frozenset[int]:
    """The entry PCs of the subprograms that call a packet-changing helper, themselves or
    through the subprograms they call or pass as callbacks (the kernel's ``changes_pkt_data``,
    found on the CFG before any path is explored)."""
    entries = env.subprogs
    calls: dict[int, set[int]] = {entry: set() for entry in entries}
    marked: set[int] = set()
    for pc, insn in env.insns.items():
        owner = env.subprog_of(pc)
        if _is_changing_helper(insn):
            marked.add(owner)
        elif insn.opcode == 0x85 and insn.src == 1 or insn.opcode == 0x18 and insn.src == 4:
            calls[owner].add(pc + 1 + _s32(insn.imm & 0xFFFF_FFFF))
    grew = True
    while grew:
        grew = False
        for owner, callees in calls.items():
            if owner not in marked and callees & marked:
                marked.add(owner)
                grew = True
    return frozenset(marked)


def _s32(u: int) -> int:
    return u - (1 << 32) if u >> 31 else u


def _is_changing_helper(insn: Instruction) -> bool:
    if insn.opcode != 0x85 or insn.src != 0:
        return False
    proto = BY_ID.get(insn.imm)
    return proto is not None and proto.name in _MARKS_SUBPROG
