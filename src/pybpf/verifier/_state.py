"""The abstract state the verifier tracks: registers, stack slots, frames, references.

A :class:`Reg` is what is known of one register: its type (a scalar, or which kind of pointer),
a fixed offset ``off`` and, for scalars and for the variable part of pointers, a tnum with
signed/unsigned 64- and 32-bit ranges. Registers are treated as immutable once placed in a
state: every change makes a new :class:`Reg` (:meth:`Reg.copy`), so that copying a state at a
branch copies lists of references, never registers (copy-on-write).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, final

from ._tnum import MASK32, MASK64, UNKNOWN, tnum_const

__all__ = ["Frame", "History", "MapInfo", "Reg", "RegType", "Slot", "State"]

S64_MIN: Final = -(1 << 63)
S64_MAX: Final = (1 << 63) - 1
S32_MIN: Final = -(1 << 31)
S32_MAX: Final = (1 << 31) - 1
MAX_BPF_STACK: Final = 512
BPF_REG_SIZE: Final = 8


class RegType(enum.IntEnum):
    """The kernel's ``enum bpf_reg_type`` base types that pybpf tracks."""

    NOT_INIT = 0
    SCALAR = 1
    CTX = 2
    CONST_MAP = 3
    MAP_VALUE = 4
    MAP_KEY = 5
    STACK = 6
    PACKET_META = 7
    PACKET = 8
    PACKET_END = 9
    MEM = 10
    FUNC = 11
    BTF_ID = 12
    FLOW_KEYS = 13
    ARENA = 14
    SOCKET = 15  #: ``struct bpf_sock`` of a full socket
    SOCK_COMMON = 16  #: the fields every socket has (``skb->sk``, ``bpf_skc_lookup_tcp``)
    TCP_SOCK = 17  #: ``struct bpf_tcp_sock``


# Python 3.11 finds every enum member through ``EnumType.__getattr__`` (about 0.4 us a lookup,
# more than the comparison itself): the verifier's hottest paths compare with these instead.
T_NOT_INIT: Final = RegType.NOT_INIT
T_SCALAR: Final = RegType.SCALAR
T_STACK: Final = RegType.STACK
T_MAP_VALUE: Final = RegType.MAP_VALUE
T_CTX: Final = RegType.CTX
T_PACKET: Final = RegType.PACKET
T_PACKET_META: Final = RegType.PACKET_META
_NOT_POINTERS: Final = frozenset({RegType.SCALAR, RegType.NOT_INIT})

#: the names the kernel's log gives each type (``reg_type_str``)
TYPE_NAMES: Final = {
    RegType.NOT_INIT: "?",
    RegType.SCALAR: "scalar",
    RegType.CTX: "ctx",
    RegType.CONST_MAP: "map_ptr",
    RegType.MAP_VALUE: "map_value",
    RegType.MAP_KEY: "map_key",
    RegType.STACK: "fp",
    RegType.PACKET_META: "pkt_meta",
    RegType.PACKET: "pkt",
    RegType.PACKET_END: "pkt_end",
    RegType.MEM: "mem",
    RegType.FUNC: "func",
    RegType.BTF_ID: "ptr_",
    RegType.FLOW_KEYS: "flow_keys",
    RegType.ARENA: "arena",
    RegType.SOCKET: "sock",
    RegType.SOCK_COMMON: "sock_common",
    RegType.TCP_SOCK: "tcp_sock",
}


@final
@dataclass(frozen=True, eq=False)
class MapInfo:
    """What the verifier knows of a map a program references.

    ``timer_off``/``lock_off`` are where the value's ``struct bpf_timer`` and ``struct
    bpf_spin_lock`` sit (-1: none; -2: more than one; -3, releases before 6.2 only: misaligned,
    or a value that is not a struct), ``btf`` whether the map has BTF for its
    value, ``frozen_value`` the contents of a frozen read-only map (whose loads become
    constants), ``inner`` the template of a map-in-map's inner maps.
    """

    name: str
    type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    btf: bool = False
    timer_off: int = -1
    lock_off: int = -1
    wq_off: int = -1
    special: tuple[tuple[int, int], ...] = ()
    frozen_value: bytes | None = None
    inner: MapInfo | None = None
    readonly_prog: bool = False
    value_type_id: int = 0  #: the value's type in the program's BTF (0: none)

    @property
    def ident(self) -> int:
        return id(self)


@final
class Reg:
    """What is known of one register (the kernel's ``struct bpf_reg_state``)."""

    __slots__ = (
        "btf_id", "btf_name", "dynptr_id", "frameno", "id", "map", "map_uid", "mem_size", "null", "off", "precise", "range",
        "rdonly", "ref_obj_id", "ringbuf", "s32max", "s32min", "smax", "smin", "subprog", "trust", "type",
        "u32max", "u32min", "umax", "umin", "var_off",
    )

    def __init__(self, type_: RegType = RegType.NOT_INIT) -> None:
        self.type = type_
        self.off = 0
        self.var_off = tnum_const(0)
        self.smin = self.smax = self.umin = self.umax = 0
        self.s32min = self.s32max = self.u32min = self.u32max = 0
        self.id = 0
        self.ref_obj_id = 0
        self.null = False  #: may be NULL (``PTR_MAYBE_NULL``)
        self.rdonly = False
        self.ringbuf = False
        self.map: MapInfo | None = None
        self.map_uid = 0
        self.range = 0
        self.mem_size = 0
        self.frameno = 0
        self.subprog = 0
        self.btf_name = ""  #: the kernel struct a BTF pointer points to, when known
        self.btf_id = 0  #: that struct's id in the target BTF (0: not typed by BTF)
        self.dynptr_id = 0  #: a dynptr slice's dynptr (its state's ``id``): gone with the dynptr
        #: a BTF pointer's trust (``PTR_TRUSTED``, ``MEM_RCU``, ``PTR_UNTRUSTED`` or none):
        #: "trusted", "rcu", "untrusted" or ""
        self.trust = ""
        #: a scalar whose value mattered to the safety of some path from here (set only in
        #: checkpoints, by :mod:`._precision`; an imprecise scalar of a checkpoint covers any)
        self.precise = False

    def copy(self) -> Reg:
        # spelled out: the verifier copies a register for nearly every instruction it
        # processes, and a loop over __slots__ costs three times as much
        new = Reg.__new__(Reg)
        new.btf_name, new.frameno, new.id, new.map = self.btf_name, self.frameno, self.id, self.map
        new.btf_id, new.trust, new.dynptr_id = self.btf_id, self.trust, self.dynptr_id
        new.map_uid, new.mem_size, new.null, new.off = self.map_uid, self.mem_size, self.null, self.off
        new.precise, new.range, new.rdonly, new.ref_obj_id = self.precise, self.range, self.rdonly, self.ref_obj_id
        new.ringbuf, new.s32max, new.s32min, new.smax = self.ringbuf, self.s32max, self.s32min, self.smax
        new.smin, new.subprog, new.type, new.u32max = self.smin, self.subprog, self.type, self.u32max
        new.u32min, new.umax, new.umin, new.var_off = self.u32min, self.umax, self.umin, self.var_off
        return new

    # -- scalar shapes ----------------------------------------------------------------------

    def set_unknown(self) -> Reg:
        """Make this a scalar of unknown value (``__mark_reg_unknown``)."""
        self.type = T_SCALAR
        self.off = 0
        self.var_off = UNKNOWN
        self.smin, self.smax, self.umin, self.umax = S64_MIN, S64_MAX, 0, MASK64
        self.s32min, self.s32max, self.u32min, self.u32max = S32_MIN, S32_MAX, 0, MASK32
        self.id = self.ref_obj_id = 0
        self.null = self.rdonly = self.ringbuf = False
        self.map = None
        self.map_uid = self.range = self.mem_size = self.frameno = self.subprog = self.btf_id = self.dynptr_id = 0
        self.btf_name = self.trust = ""
        self.precise = False
        return self

    def set_known(self, value: int) -> Reg:
        """Make this a scalar of the known 64-bit ``value``."""
        self.set_unknown()
        self.set_var_known(value)
        return self

    def set_var_known(self, value: int) -> None:
        """Make the variable part (of a scalar or pointer) the known ``value``."""
        u = value & MASK64
        self.var_off = tnum_const(u)
        self.umin = self.umax = u
        self.smin = self.smax = u - (1 << 64) if u >> 63 else u
        u32 = u & MASK32
        self.u32min = self.u32max = u32
        self.s32min = self.s32max = u32 - (1 << 32) if u32 >> 31 else u32

    def set_var_unknown(self) -> None:
        self.var_off = UNKNOWN
        self.smin, self.smax, self.umin, self.umax = S64_MIN, S64_MAX, 0, MASK64
        self.s32min, self.s32max, self.u32min, self.u32max = S32_MIN, S32_MAX, 0, MASK32

    @property
    def is_const(self) -> bool:
        return self.var_off.mask == 0

    @property
    def const(self) -> int:
        """The known value (64-bit unsigned) of a constant."""
        return self.var_off.value

    @property
    def is_pointer(self) -> bool:
        return self.type not in _NOT_POINTERS

    def is_null_scalar(self) -> bool:
        return self.type == T_SCALAR and self.var_off.mask == 0 and self.var_off.value == 0


def scalar_unknown() -> Reg:
    """A new scalar of unknown value (new: callers may change it before placing it)."""
    return _UNKNOWN_SCALAR.copy()


_KNOWN: dict[int, Reg] = {}


def scalar_known(value: int) -> Reg:
    """A scalar of the known value (shared: registers are never changed in place)."""
    value &= MASK64
    r = _KNOWN.get(value)
    if r is None:
        r = Reg(RegType.SCALAR)  # a new register's other fields are already a scalar's
        r.set_var_known(value)
        if len(_KNOWN) < 4096:
            _KNOWN[value] = r
    return r


NOT_INIT: Final = Reg()
_UNKNOWN_SCALAR: Final = Reg().set_unknown()  #: copied, never placed in a state

#: the flag of a scalar's id when the scalar is the register it is linked to plus its ``off``
#: (the kernel's ``BPF_ADD_CONST``: ``r3 = r1; r3 += 4`` links r3 to r1 with offset 4)
ADD_CONST: Final = 1 << 31


def base_id(scalar_id: int) -> int:
    """A scalar's link id without the ``ADD_CONST`` flag (what linked registers share)."""
    return scalar_id & ~ADD_CONST


@final
class Slot:
    """One 8-byte stack slot: byte kinds from the lowest address up ('?' invalid, 'm' misc,
    '0' zero, 'r' spilled register) and, when a register was spilled, that register."""

    __slots__ = ("kinds", "spilled")

    def __init__(self, kinds: str, spilled: Reg | None = None) -> None:
        self.kinds = kinds
        self.spilled = spilled


@dataclass(slots=True)
class Frame:
    """One call frame: its registers and stack, and where it was called from."""

    regs: list[Reg]
    stack: dict[int, Slot]
    frameno: int
    subprog: int
    callsite: int = -1
    callback: Callback | None = None
    depth: int = 0  #: the deepest stack byte touched
    #: callback iterations this frame scheduled in a row on this path (``callback_depth``):
    #: bpf_loop stops scheduling at its count's maximum
    callback_depth: int = 0

    def copy(self) -> Frame:
        return Frame(list(self.regs), dict(self.stack), self.frameno, self.subprog, self.callsite,
                     self.callback, self.depth, self.callback_depth)


@final
@dataclass(frozen=True)
class Callback:
    """How a callback frame returns: the range R0 must be in, whether it runs asynchronously
    (timer callbacks) and whether its caller continues after its exit with an unknown R0
    (synchronous helpers such as ``bpf_loop``)."""

    ret_min: int
    ret_max: int
    is_async: bool
    helper: str


@dataclass(slots=True)
class Ref:
    """An acquired reference: its id and the instruction that acquired it."""

    id: int
    insn: int


#: one processed instruction: its PC, what the backtracking needs to know of it (0: nothing;
#: see :mod:`._precision`) and the instructions before it; shared by the states that fork
History = tuple[int, object, "History"] | None


@dataclass(slots=True)
class State:
    """The whole verifier state of one path: frames, references, the lock held."""

    frames: list[Frame]
    refs: tuple[Ref, ...] = ()
    lock: tuple[int, int] | None = None  #: (the id of the map value holding it, its offset)
    lock_id: int = 0
    parent: Checkpoint | None = None
    last_insn: int = -1
    speculative: bool = False
    unroll: int = 0  #: callback iterations entered on this path (loops across them are not infinite)
    goto_depth: int = 0  #: may_goto fall-throughs taken on this path (the kernel's may_goto_depth)
    rcu: bool = False  #: inside ``bpf_rcu_read_lock()`` (``active_rcu_lock``)
    #: the instructions processed since ``parent``, newest first (see :mod:`._precision`)
    hist: History = None
    #: the stack slots this path wrote whole since ``parent`` (see :mod:`._liveness`)
    written: int = 0
    hist_len: int = 0  #: the length of ``hist``
    #: the entries the kernel's history would hold since ``parent`` (jump points, and
    #: instructions the backtracking needs a note of): past 40 the kernel stores a checkpoint
    hist_marks: int = 0
    preempt: int = 0  #: nesting of ``bpf_preempt_disable()`` (``active_preempt_locks``)

    @property
    def cur(self) -> Frame:
        return self.frames[-1]

    def copy(self) -> State:
        return State([f.copy() for f in self.frames], self.refs, self.lock, self.lock_id, self.parent,
                     self.last_insn, self.speculative, self.unroll, self.goto_depth, self.rcu, self.hist,
                     self.written, self.hist_len, self.hist_marks, self.preempt)


@dataclass(eq=False, slots=True)
class Checkpoint:
    """A state stored at a prune point, with the count of paths still being explored below it.

    ``reads`` are the stack slots the paths below it read before writing them (the others
    cannot matter to them), ``written`` the slots its own path wrote whole since its parent
    (reads below stop there), both as :mod:`._liveness` bit masks. ``in_loop``: a path below
    was pruned by a loop's checkpoint whose marks were not final (still being explored), so
    the marks here may never be: states compare with this one by range.
    """

    pc: int
    state: State
    parent: Checkpoint | None
    branches: int = 1
    hits: int = 0
    misses: int = 0
    fingerprint: tuple[object, ...] = ()
    reads: int = 0
    written: int = 0
    in_loop: bool = False
