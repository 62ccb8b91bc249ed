"""The kernel's congestion-control steps that congestion-control programs call as kfuncs
(``tcp_slow_start``, ``tcp_cong_avoid_ai``, ``tcp_reno_*``), run on the ``struct tcp_sock``
a :meth:`~pybpf.StructOps.call` placed in memory. Importing this module registers them.

They read and write the socket's window fields where the struct_ops type's BTF puts them (the
program sees the same layout), with the kernel's u32 arithmetic (``net/ipv4/tcp_cong.c``). A
socket layout without one of the fields a step uses makes the call fault, naming the field.
CUBIC's ``cubictcp_*`` kfuncs have no implementation: a program calling one loads, and its run
faults at the call, as a call of any kfunc pybpf does not run does.
"""

from __future__ import annotations

import struct
import weakref

from ..btf import BtfError, Spec, Struct
from ..engine import BpfRuntimeError, ExecContext
from ..helpers._kfunc_impl import implements_kfunc
from ._program import Program

__all__ = ["cong_avoid_ai", "reno_cong_avoid", "reno_ssthresh", "reno_undo_cwnd", "slow_start"]

_U32 = 0xFFFF_FFFF


class _Socket:
    """The window fields of one ``struct tcp_sock`` at ``base``, read and written as u32."""

    def __init__(self, ctx: ExecContext, offsets: dict[str, tuple[int, int, int]], base: int) -> None:
        self.ctx, self.offsets, self.base = ctx, offsets, base

    def _field(self, name: str) -> tuple[int, int, int]:
        if name not in self.offsets:
            raise BpfRuntimeError(f"kfunc: the struct tcp_sock of this struct_ops has no member {name}")
        return self.offsets[name]

    def get(self, name: str) -> int:
        off, bit, width = self._field(name)
        if width:  # a bitfield (is_cwnd_limited)
            word = int.from_bytes(self.ctx.read(self.base + off, 1), "little")
            return (word >> bit) & ((1 << width) - 1)
        return int(struct.unpack("<I", self.ctx.read(self.base + off, 4))[0])

    def set(self, name: str, value: int) -> None:
        off, _, _ = self._field(name)
        self.ctx.write(self.base + off, struct.pack("<I", value & _U32))


_FIELDS = ("snd_cwnd", "snd_cwnd_cnt", "snd_cwnd_clamp", "snd_ssthresh", "prior_cwnd", "max_packets_out",
           "is_cwnd_limited")


def _offsets(btf: Spec) -> dict[str, tuple[int, int, int]]:
    """(byte offset, bit within the byte, bitfield width or 0) of each window field."""
    found = btf.types_by_name("tcp_sock", Struct)
    out: dict[str, tuple[int, int, int]] = {}
    for name in _FIELDS if found else ():
        try:
            f = btf.field(found[0].id, name)
        except BtfError:
            continue
        out[name] = (f.bit_offset // 8, f.bit_offset % 8, f.bitfield_size)
    return out


def _slow_start(tp: _Socket, acked: int) -> int:
    cwnd = min((tp.get("snd_cwnd") + acked) & _U32, tp.get("snd_ssthresh"))
    acked = (acked - (cwnd - tp.get("snd_cwnd"))) & _U32
    tp.set("snd_cwnd", min(cwnd, tp.get("snd_cwnd_clamp")))
    return acked


def _cong_avoid_ai(tp: _Socket, w: int, acked: int) -> int:
    if tp.get("snd_cwnd_cnt") >= w:  # the credit of a smaller window counts at once
        tp.set("snd_cwnd_cnt", 0)
        tp.set("snd_cwnd", tp.get("snd_cwnd") + 1)
    tp.set("snd_cwnd_cnt", tp.get("snd_cwnd_cnt") + acked)
    if tp.get("snd_cwnd_cnt") >= w:
        delta = tp.get("snd_cwnd_cnt") // w if w else 0  # w == 0 would divide by zero: never grows
        tp.set("snd_cwnd_cnt", tp.get("snd_cwnd_cnt") - delta * w)
        tp.set("snd_cwnd", tp.get("snd_cwnd") + delta)
    tp.set("snd_cwnd", min(tp.get("snd_cwnd"), tp.get("snd_cwnd_clamp")))
    return 0  # void: R0 is whatever; 0 here


def _reno_cong_avoid(tp: _Socket, acked: int) -> int:
    slow = tp.get("snd_cwnd") < tp.get("snd_ssthresh")
    limited = tp.get("is_cwnd_limited") or slow and tp.get("snd_cwnd") < 2 * tp.get("max_packets_out")
    if not limited:
        return 0
    if slow:
        acked = _slow_start(tp, acked)
        if not acked:
            return 0
    return _cong_avoid_ai(tp, tp.get("snd_cwnd"), acked)


def _offsets_of(program: object) -> dict[str, tuple[int, int, int]]:
    """The window fields of the running struct_ops program's ``struct tcp_sock``: in the
    runtime's target BTF when that has the struct, else in the object's (cached per program)."""
    cached = _OFFSETS.get(program)
    if cached is None:
        assert isinstance(program, Program)
        btf = program._collection.btf if program._collection is not None else None
        targets = [t for t in program._runtime._core_targets()[0] if t.types_by_name("tcp_sock", Struct)]
        chosen = targets[0] if targets else btf
        cached = _offsets(chosen) if chosen is not None else {}
        _OFFSETS[program] = cached
    return cached


_OFFSETS: weakref.WeakKeyDictionary[object, dict[str, tuple[int, int, int]]] = weakref.WeakKeyDictionary()


def _socket(ctx: ExecContext, base: int) -> _Socket:
    return _Socket(ctx, _offsets_of(ctx.program), base)


@implements_kfunc("tcp_slow_start")
def slow_start(ctx: ExecContext, tp: int, acked: int, *_: int) -> int:
    return _slow_start(_socket(ctx, tp), acked & _U32)


@implements_kfunc("tcp_cong_avoid_ai")
def cong_avoid_ai(ctx: ExecContext, tp: int, w: int, acked: int, *_: int) -> int:
    return _cong_avoid_ai(_socket(ctx, tp), w & _U32, acked & _U32)


@implements_kfunc("tcp_reno_ssthresh")
def reno_ssthresh(ctx: ExecContext, sk: int, *_: int) -> int:
    return max(_socket(ctx, sk).get("snd_cwnd") >> 1, 2)


@implements_kfunc("tcp_reno_undo_cwnd")
def reno_undo_cwnd(ctx: ExecContext, sk: int, *_: int) -> int:
    tp = _socket(ctx, sk)
    return max(tp.get("snd_cwnd"), tp.get("prior_cwnd"))


@implements_kfunc("tcp_reno_cong_avoid")
def reno_cong_avoid(ctx: ExecContext, sk: int, ack: int, acked: int, *_: int) -> int:
    return _reno_cong_avoid(_socket(ctx, sk), acked & _U32)
