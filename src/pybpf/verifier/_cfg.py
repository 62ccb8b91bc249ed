"""The verifier's structural pass: what the kernel checks of a program before and after it
interprets it, so that no later pass ever meets malformed control flow.

Before its abstract interpreter runs, the kernel (``bpf_check``) splits the program into
subprograms at the targets of local calls and of ``lddw`` of function addresses
(``add_subprog_and_kfunc``), keeps every jump inside its subprogram and every subprogram from
running into the next (``check_subprogs``), checks every ``lddw`` and refuses opcodes it does not
know, wherever they are (``resolve_pseudo_ldimm64``), and walks the control-flow graph from the
first instruction, refusing what no edge reaches and jumps into the second half of a ``lddw``
(``check_cfg``). Only then is anything interpreted, and only what the interpreter reaches is
judged instruction by instruction: a bad register or reserved field in a branch it proves dead is
no error. After it, ``check_max_stack_depth`` bounds the frames and the combined stack of every
call chain, with the stack depth each subprogram was found to use.

:func:`check_structure` is the first half and returns a :class:`Structure` the interpreter can
walk; :func:`check_stack_depth` is the second half. Until the interpreter measures stack depths,
:func:`estimate_stack_depths` reads them from the code and :func:`check_call_frames` stands in for
the interpreter's own frame limit. Messages are the kernel's, verbatim, in its order.

Program counters count instruction slots, as the kernel does (a ``lddw`` takes two).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from errno import E2BIG, EACCES, EINVAL
from typing import NamedTuple, final

from .._spec import AttachType, ProgType
from ..helpers import BY_ID, BY_NAME, Arg
from ..isa import (
    LDDW,
    LDDW_ALONE,
    AluOp,
    CallSrc,
    Class,
    Instruction,
    InstructionError,
    JmpOp,
    Mode,
    PseudoSrc,
    Source,
    check_instruction,
    disassemble,
    is_valid_opcode,
    iter_pcs,
)
from ._errors import STATISTICS_PREFIXES, VerifierError

__all__ = [
    "KERNEL_OPCODES",
    "MAX_BPF_STACK",
    "MAX_CALL_FRAMES",
    "CallSite",
    "CallbackKind",
    "Structure",
    "Subprogram",
    "check_call_frames",
    "check_fields",
    "check_stack_depth",
    "check_structure",
    "complete_log",
    "estimate_stack_depths",
]

MAX_CALL_FRAMES = 8  #: frames one call chain may hold (``MAX_CALL_FRAMES``)
MAX_BPF_STACK = 512  #: bytes of stack one call chain may use (``MAX_BPF_STACK``)
MAX_SUBPROGS = 256  #: subprograms one program may have (``BPF_MAX_SUBPROGS``)
PRIV_STACK_MIN_SIZE = 64  #: a subprogram gets a private stack from this depth on
TAIL_CALL_STACK_LIMIT = 256  #: callers' stack a subprogram with a tail call may sit on

_CALL = Class.JMP | JmpOp.CALL
_EXIT = Class.JMP | JmpOp.EXIT
_JA = Class.JMP | JmpOp.JA
_GOTOL = Class.JMP32 | JmpOp.JA
_MAY_GOTO = Class.JMP | 0xE0  #: ``may_goto``: a conditional jump the kernel bounds itself
_MOV64_X = Class.ALU64 | Source.X | AluOp.MOV
_ADD64_K = Class.ALU64 | Source.K | AluOp.ADD
_TAIL_CALL = BY_NAME["bpf_tail_call"].id

#: The opcodes the kernel knows (``bpf_opcode_in_insntable``), measured against 6.18: RFC 9669's,
#: plus ``may_goto`` and the 8- and 16-bit load-acquire/store-release forms, minus ``callx``
#: (the kernel has no indirect call: ``unknown opcode 8d``).
KERNEL_OPCODES = frozenset(
    {op for op in range(256) if is_valid_opcode(op)} - {Class.JMP | 0x08 | JmpOp.CALL}
    | {_MAY_GOTO, Class.STX | Mode.ATOMIC | 0x08, Class.STX | Mode.ATOMIC | 0x10}
)

#: The helpers that call their callback later, from another context (``is_async_callback_
#: calling_function``): such a callback starts a call chain of its own.
ASYNC_CALLBACK_HELPERS = frozenset({BY_NAME["bpf_timer_set_callback"].id})


class CallbackKind(enum.Enum):
    """How a subprogram whose address a program takes gets called."""

    SYNC = "sync"  #: by the helper it is passed to, before that helper returns (bpf_loop)
    ASYNC = "async"  #: later, on a stack of its own (a timer's callback)


@final
@dataclass(frozen=True, slots=True)
class Subprogram:
    """One subprogram: ``[start, end)`` in slots; ``callback`` says whether and how it is used
    as a callback (None: only called directly, or the main program)."""

    index: int
    start: int
    end: int
    callback: CallbackKind | None = None


@final
@dataclass(frozen=True, slots=True)
class CallSite:
    """A local call (``call pc+N``) or a ``lddw`` of a subprogram's address at ``pc``, inside
    subprogram ``caller``, of subprogram ``callee``. ``helper_pc`` is, for an address, the PC
    of the helper call the code passes it to, when that can be read from the code."""

    pc: int
    caller: int
    callee: int
    is_address: bool
    helper_pc: int | None = None


@final
@dataclass(frozen=True)
class Structure:
    """The shape of a structurally valid program (every slot of it reachable): its subprograms
    in PC order, the main program first, and every call site, by PC and by caller."""

    subprograms: tuple[Subprogram, ...]
    calls: Mapping[int, CallSite]
    sites: tuple[tuple[CallSite, ...], ...]  #: each subprogram's call sites, in PC order
    _slots: tuple[_Slot, ...] = field(repr=False, compare=False)  #: the program, slot by slot

    def subprogram_at(self, pc: int) -> Subprogram:
        """The subprogram holding the instruction at ``pc``."""
        for sub in self.subprograms:
            if sub.start <= pc < sub.end:
                return sub
        raise ValueError(f"pc {pc} is outside the program")

    def callees(self, index: int) -> list[CallSite]:
        """The call sites of subprogram ``index``, in PC order."""
        return list(self.sites[index])


# -- the slots the kernel sees --------------------------------------------------------------


class _Slot(NamedTuple):
    """One 8-byte slot as the kernel reads it."""

    opcode: int
    dst: int
    src: int
    off: int
    imm: int  #: signed 32-bit, as in the slot


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


def _slots(insns: Sequence[Instruction]) -> list[_Slot]:
    out: list[_Slot] = []
    for insn in insns:
        if insn.opcode == LDDW_ALONE:
            out.append(_Slot(LDDW, insn.dst, insn.src, insn.offset, _s32(insn.imm)))
        elif insn.opcode == LDDW:
            out.append(_Slot(LDDW, insn.dst, insn.src, insn.offset, _s32(insn.imm)))
            out.append(_Slot(0, 0, 0, 0, _s32(insn.imm >> 32)))
        else:
            out.append(_Slot(insn.opcode, insn.dst, insn.src, insn.offset, insn.imm))
    return out


def _is_local_call(s: _Slot) -> bool:
    return s.opcode == _CALL and s.src == CallSrc.LOCAL


def _is_func_address(s: _Slot) -> bool:
    return s.opcode == LDDW and s.src == PseudoSrc.FUNC


#: The statistics line of a log whose program was refused before anything was interpreted.
NOTHING_PROCESSED = (
    "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"
)


def _refuse(message: str, *, pc: int | None = None, errno: int = EINVAL) -> VerifierError:
    return VerifierError([message, NOTHING_PROCESSED], pc=pc, errno=errno)


def _with_verbose_log(err: VerifierError, starts: Sequence[int], depths: Sequence[int], began: float) -> None:
    """Give ``err`` the log ``bpftool -d`` shows (log level 7): each subprogram's start first,
    the verification time and every subprogram's stack depth before the count."""
    lines = err.log.splitlines()
    verdict = [line for line in lines if not line.startswith(STATISTICS_PREFIXES)]
    statistics = [line for line in lines if line.startswith(STATISTICS_PREFIXES)] or [NOTHING_PROCESSED]
    elapsed = int((time.perf_counter() - began) * 1e6)
    err.log = "\n".join(verdict + statistics)
    err.verbose_log = "\n".join(
        [f"func#{i} @{start}" for i, start in enumerate(starts)]
        + verdict
        + [f"verification time {elapsed} usec", "stack depth " + "+".join(str(d) for d in depths)]
        + statistics
    )


def complete_log(err: VerifierError, structure: Structure, depths: Sequence[int], began: float) -> None:
    """Give a refusal found after the structural pass the log's ends as the kernel writes them:
    the statistics line if it has none, and the log ``bpftool -d`` shows, with the program's
    subprograms, the time since ``began`` (a ``time.perf_counter()`` value) and ``depths``."""
    if err.verbose_log == err.log:
        _with_verbose_log(err, [sub.start for sub in structure.subprograms], depths, began)


# -- before interpretation ------------------------------------------------------------------


def check_structure(insns: Sequence[Instruction]) -> Structure:
    """Check a program's structure as the kernel does before interpreting it.

    ``insns`` are the program's instructions as loaded (subprograms appended), decoded without
    judging their fields: an instruction no path reaches may be anything the kernel's opcode
    table holds.

    Returns:
        The program's subprograms and call sites.

    Raises:
        VerifierError: with the kernel's message: ``call to invalid destination``, ``too many
            subprograms``, ``jump out of range from insn A to B``, ``last insn is not an exit or
            jmp``, ``BPF_LDX uses reserved fields``, ``invalid bpf_ld_imm64 insn``,
            ``unrecognized bpf_ld_imm64 insn``, ``unknown opcode NN``, ``unreachable insn N``
            or ``jump into the middle of ldimm64 insn N``; for an empty program, E2BIG with an
            empty log, as ``bpf()`` refuses it.
    """
    began = time.perf_counter()
    slots = _slots(insns)
    if not slots:  # bpf() refuses it before the verifier runs: E2BIG and an empty log
        raise VerifierError([], errno=E2BIG)
    starts = _subprogram_starts(slots, began)
    try:
        _check_subprograms(slots, starts)
        _check_ldimm64_and_opcodes(slots)
        _check_cfg(slots)
    except VerifierError as err:
        _with_verbose_log(err, starts, [0] * len(starts), began)
        raise
    bounds = [*starts, len(slots)]
    subs = [Subprogram(i, bounds[i], bounds[i + 1]) for i in range(len(starts))]
    index = {sub.start: sub.index for sub in subs}
    calls: dict[int, CallSite] = {}
    for sub in subs:
        for pc in range(sub.start, sub.end):
            s = slots[pc]
            if _is_local_call(s) or _is_func_address(s):
                helper_pc = _consuming_helper(slots, pc, sub.end) if s.opcode == LDDW else None
                calls[pc] = CallSite(pc, sub.index, index[pc + s.imm + 1], s.opcode == LDDW, helper_pc)
    kinds: dict[int, CallbackKind] = {}
    for site in calls.values():
        if site.is_address:
            helper = None if site.helper_pc is None else slots[site.helper_pc].imm
            kind = CallbackKind.ASYNC if helper in ASYNC_CALLBACK_HELPERS else CallbackKind.SYNC
            if kinds.get(site.callee) != CallbackKind.ASYNC:
                kinds[site.callee] = kind
    subs = [Subprogram(s.index, s.start, s.end, kinds.get(s.index)) for s in subs]
    sites = tuple(tuple(c for _, c in sorted(calls.items()) if c.caller == sub.index) for sub in subs)
    return Structure(tuple(subs), calls, sites, tuple(slots))


def _subprogram_starts(slots: Sequence[_Slot], began: float) -> list[int]:
    """``add_subprog_and_kfunc``: PC 0 and every call or address target, each checked (the
    kernel names the subprograms in its log only once all are found)."""
    starts = {0}
    for pc, s in enumerate(slots):
        if not (_is_local_call(s) or _is_func_address(s)):
            continue
        target = pc + s.imm + 1
        err = None
        if not 0 <= target < len(slots):
            err = _refuse("call to invalid destination", pc=pc)
        elif target not in starts and len(starts) >= MAX_SUBPROGS:
            err = _refuse("too many subprograms", pc=pc, errno=E2BIG)
        if err is not None:
            _with_verbose_log(err, [], [0] * len(starts), began)
            raise err
        starts.add(target)
    return sorted(starts)


def _check_subprograms(slots: Sequence[_Slot], starts: Sequence[int]) -> None:
    """``check_subprogs``: jumps stay in their subprogram, which ends in ``exit`` or a jump."""
    bounds = [*starts, len(slots)]
    for index in range(len(starts)):
        first, end = bounds[index], bounds[index + 1]
        for pc in range(first, end):
            s = slots[pc]
            if s.opcode & 0x07 in (Class.JMP, Class.JMP32) and s.opcode & 0xF0 not in (JmpOp.EXIT, JmpOp.CALL):
                target = pc + (s.imm if s.opcode == _GOTOL else s.off) + 1
                if not first <= target < end:
                    raise _refuse(f"jump out of range from insn {pc} to {target}", pc=pc)
        if slots[end - 1].opcode not in (_EXIT, _JA, _GOTOL):
            raise _refuse("last insn is not an exit or jmp", pc=end - 1)


def _check_ldimm64_and_opcodes(slots: Sequence[_Slot]) -> None:
    """The checks of ``resolve_pseudo_ldimm64`` that do not depend on maps, over every slot."""
    pc = 0
    while pc < len(slots):
        s = slots[pc]
        if s.opcode & 0x07 == Class.LDX and (s.opcode & 0xE0 not in (Mode.MEM, Mode.MEMSX) or s.imm):
            raise _refuse("BPF_LDX uses reserved fields", pc=pc)
        if s.opcode == LDDW:
            nxt = slots[pc + 1] if pc + 1 < len(slots) else None
            if nxt is None or (nxt.opcode, nxt.dst, nxt.src, nxt.off) != (0, 0, 0, 0):
                raise _refuse("invalid bpf_ld_imm64 insn", pc=pc)
            known = s.src in (PseudoSrc.IMM64, PseudoSrc.BTF_ID, PseudoSrc.FUNC, PseudoSrc.MAP_VALUE,
                              PseudoSrc.MAP_IDX_VALUE)
            if not known and not (s.src in (PseudoSrc.MAP_FD, PseudoSrc.MAP_IDX) and nxt.imm == 0):
                raise _refuse("unrecognized bpf_ld_imm64 insn", pc=pc)
            pc += 2
            continue
        if s.opcode not in KERNEL_OPCODES:
            raise _refuse(f"unknown opcode {s.opcode:02x}", pc=pc)
        pc += 1


def _successors(s: _Slot, pc: int) -> tuple[int, ...]:
    """The edges ``check_cfg`` follows from ``pc``: fall-through first, then the branch; a local
    call and a ``lddw`` of a subprogram's address also lead into the subprogram."""
    cls, op = s.opcode & 0x07, s.opcode & 0xF0
    if cls not in (Class.JMP, Class.JMP32):
        if s.opcode != LDDW:
            return (pc + 1,)
        return (pc + 2, pc + s.imm + 1) if s.src == PseudoSrc.FUNC else (pc + 2,)
    if op == JmpOp.EXIT:
        return ()
    if op == JmpOp.CALL:
        return (pc + 1, pc + s.imm + 1) if _is_local_call(s) else (pc + 1,)
    if op == JmpOp.JA:
        return (pc + (s.imm if cls == Class.JMP32 else s.off) + 1,)
    return (pc + 1, pc + s.off + 1)


def _check_cfg(slots: Sequence[_Slot]) -> None:
    """``check_cfg``: every slot is reached from PC 0, and no jump lands inside a ``lddw``."""
    seen = [False] * len(slots)
    seen[0] = True
    todo = [0]
    while todo:
        pc = todo.pop()
        for target in _successors(slots[pc], pc):
            if not 0 <= target < len(slots):
                raise _refuse(f"jump out of range from insn {pc} to {target}", pc=pc)
            if not seen[target]:
                seen[target] = True
                todo.append(target)
    pc = 0
    while pc < len(slots):
        if not seen[pc]:
            raise _refuse(f"unreachable insn {pc}", pc=pc)
        if slots[pc].opcode == LDDW:
            if seen[pc + 1]:
                raise _refuse(f"jump into the middle of ldimm64 insn {pc}", pc=pc)
            pc += 1
        pc += 1


def _consuming_helper(slots: Sequence[_Slot], pc: int, end: int) -> int | None:
    """The helper call that the subprogram address loaded at ``pc`` is passed to, read the way
    compilers write it: in straight-line code after the ``lddw``, moved between registers or
    not, until a call or a jump. None when the code does something else with it."""
    holders = {slots[pc].dst}
    at = pc + 2
    while at < end and holders:
        s = slots[at]
        cls = s.opcode & 0x07
        if s.opcode == _CALL and s.src == CallSrc.HELPER:
            proto = BY_ID.get(s.imm)
            if proto is None:
                return None
            used = {i + 1 for i, arg in enumerate(proto.args) if arg == Arg.PTR_TO_FUNC}
            return at if used & holders else None
        if cls in (Class.JMP, Class.JMP32):
            return None
        if s.opcode == _MOV64_X and s.off == 0:
            holders = holders | {s.dst} if s.src in holders else holders - {s.dst}
        elif cls in (Class.ALU, Class.ALU64, Class.LDX) or s.opcode == LDDW:
            holders = holders - {s.dst}
        at += 2 if s.opcode == LDDW else 1
    return None


# -- after interpretation -------------------------------------------------------------------


def _round_up_depth(depth: int) -> int:
    """A subprogram's stack as the JIT reserves it (``round_up_stack_depth``, JIT requested)."""
    return (depth + 15) // 16 * 16


def _private_stack(prog_type: ProgType | None, attach_type: AttachType) -> bool:
    """Whether the main program's call tree may use private stacks (``bpf_enable_priv_stack``
    on an x86-64 JIT), for programs that may nest on one CPU. Measured on 6.18: perf_event
    programs get them, kprobe, tracepoint and raw tracepoint programs do not (although the
    source names them too); tracing programs (other than iterators) get them by the source, as
    no fentry program can be loaded here to measure."""
    if prog_type == ProgType.PERF_EVENT:
        return True
    return prog_type == ProgType.TRACING and attach_type != AttachType.TRACE_ITER


def check_stack_depth(
    structure: Structure,
    depths: Sequence[int],
    *,
    prog_type: ProgType | None = None,
    attach_type: AttachType = AttachType.NONE,
    async_callbacks: Collection[int] | None = None,
) -> None:
    """Bound every call chain's frames and combined stack (``check_max_stack_depth``).

    The main program and every async callback root a chain. A chain follows local calls and
    the addresses of synchronous callbacks (a callback runs on its caller's stack), not those
    of async ones. Each subprogram adds its depth, rounded up to 16 bytes as the JIT reserves it;
    where the program type has private stacks, a subprogram of the main program's tree (and of
    no async callback's) with 64 bytes or more gets its own and adds nothing.

    Args:
        structure: from :func:`check_structure`.
        depths: the stack depth of each subprogram, as the interpreter found it.
        prog_type, attach_type: the program's, which decide private stacks.
        async_callbacks: the indices of the subprograms the interpreter saw passed to an async
            helper; by default those :attr:`Subprogram.callback` marks async.

    Raises:
        VerifierError: ``the call stack of N frames is too deep !``, ``combined stack size of N
            calls is M. Too large``, ``stack size of subprog N is M. Too large`` or
            ``tail_calls are not allowed when call stack of previous frames is N bytes. Too
            large``.
    """
    began = time.perf_counter()
    if async_callbacks is None:
        async_callbacks = {s.index for s in structure.subprograms if s.callback == CallbackKind.ASYNC}
    slots = structure._slots
    tail_calls = frozenset(
        structure.subprogram_at(pc).index
        for pc, s in enumerate(slots)
        if s.opcode == _CALL and s.src == CallSrc.HELPER and s.imm == _TAIL_CALL
    )
    edges = [
        tuple(c for c in structure.callees(sub.index) if not (c.is_address and c.callee in async_callbacks))
        for sub in structure.subprograms
    ]
    own = [_round_up_depth(d) for d in depths]
    roots = [s.index for s in reversed(structure.subprograms) if s.index == 0 or s.index in async_callbacks]
    adaptive: frozenset[int] = frozenset()
    if not tail_calls and _private_stack(prog_type, attach_type):
        shared = _reach(edges, [r for r in roots if r])
        adaptive = frozenset(i for i in _reach(edges, [0]) - shared if own[i] >= PRIV_STACK_MIN_SIZE)
    chain = _Chains(edges, [0 if i in adaptive else d for i, d in enumerate(own)], tail_calls)
    try:
        for root in roots:
            _walk_chain(chain, root, own, adaptive)
    except VerifierError as err:
        _with_verbose_log(err, [sub.start for sub in structure.subprograms], depths, began)
        raise


def _reach(edges: Sequence[Sequence[CallSite]], roots: Sequence[int]) -> set[int]:
    seen, todo = set(roots), list(roots)
    while todo:
        for site in edges[todo.pop()]:
            if site.callee not in seen:
                seen.add(site.callee)
                todo.append(site.callee)
    return seen


class _Chains:
    """Bounds over every chain below a subprogram, so that a walk enters only the subtrees
    where a limit can be broken (the kernel's walk visits every chain; a hostile program could
    make that exponential here, before any interpreter limit stops it). A cycle has no bound."""

    _NONE = 1 << 40

    def __init__(self, edges: Sequence[Sequence[CallSite]], cost: Sequence[int], tail_calls: Collection[int]) -> None:
        self.edges, self.cost, self.tail_calls = edges, cost, tail_calls
        self.height: dict[int, int] = {}  # frames of the longest chain
        self.stack: dict[int, int] = {}  # stack of the deepest chain
        self.tail: dict[int, int] = {}  # most stack above a tail call, -1 for none

    def bounds(self, root: int) -> tuple[int, int, int]:
        if root not in self.height:
            self._fill(root)
        return self.height[root], self.stack[root], self.tail[root]

    def _fill(self, root: int) -> None:
        open_ = {root}
        todo: list[tuple[int, Iterator[CallSite]]] = [(root, iter(self.edges[root]))]
        while todo:
            node, sites = todo[-1]
            site = next(sites, None)
            if site is not None:
                if site.callee not in self.height and site.callee not in open_:
                    open_.add(site.callee)
                    todo.append((site.callee, iter(self.edges[site.callee])))
                continue
            todo.pop()
            below = [(self._NONE,) * 3 if s.callee in open_ else self.bounds(s.callee) for s in self.edges[node]]
            open_.discard(node)
            self.height[node] = 1 + max((b[0] for b in below), default=0)
            self.stack[node] = self.cost[node] + max((b[1] for b in below), default=0)
            tails = [self.cost[node] + b[2] for b in below if b[2] >= 0]
            self.tail[node] = max([0] * (node in self.tail_calls) + tails, default=-1)

    def harmless(self, callee: int, frames: int, depth: int) -> bool:
        """Whether no chain below ``callee``, entered with ``frames`` frames above it and
        ``depth`` bytes of stack, breaks a limit."""
        height, stack, tail = self.bounds(callee)
        return frames + height <= MAX_CALL_FRAMES and depth + stack <= MAX_BPF_STACK and depth + tail < TAIL_CALL_STACK_LIMIT


def _walk_chain(chains: _Chains, root: int, own: Sequence[int], adaptive: Collection[int]) -> None:
    """One ``check_max_stack_depth_subprog``: the chains from ``root``, depth first in PC
    order, with an explicit stack of (subprogram, its remaining call sites)."""
    frames: list[tuple[int, Iterator[CallSite]]] = []
    depth = 0
    sub = root
    while True:
        if sub and sub in chains.tail_calls and depth >= TAIL_CALL_STACK_LIMIT:
            raise _refuse(
                f"tail_calls are not allowed when call stack of previous frames is {depth} bytes. Too large",
                errno=EACCES,
            )
        if sub in adaptive:
            if own[sub] > MAX_BPF_STACK:
                raise _refuse(f"stack size of subprog {sub} is {own[sub]}. Too large", errno=EACCES)
        else:
            depth += own[sub]
            if depth > MAX_BPF_STACK:
                raise _refuse(f"combined stack size of {len(frames) + 1} calls is {depth}. Too large", errno=EACCES)
        frames.append((sub, iter(chains.edges[sub])))
        site = None
        while frames:
            sites = frames[-1][1]
            site = next((s for s in sites if not chains.harmless(s.callee, len(frames), depth)), None)
            if site is not None:
                break
            depth -= chains.cost[frames.pop()[0]]
        if site is None:
            return
        if len(frames) >= MAX_CALL_FRAMES:
            raise _refuse(f"the call stack of {len(frames)} frames is too deep !", pc=site.pc, errno=E2BIG)
        sub = site.callee


# -- until the interpreter measures them ----------------------------------------------------


def estimate_stack_depths(structure: Structure) -> list[int]:
    """Each subprogram's stack depth read from its code: the lowest offset from ``r10`` that it
    accesses or takes the address of, following copies of ``r10`` and constant adds in PC
    order. The interpreter measures what is accessed, path by path; compilers form addresses
    only of the slots they use, so the two agree on compiled code."""
    slots = structure._slots
    out = []
    for sub in structure.subprograms:
        lowest = 0
        frame: dict[int, int] = {10: 0}  # register -> its offset from r10
        for pc in range(sub.start, sub.end):
            s = slots[pc]
            cls, mode = s.opcode & 0x07, s.opcode & 0xE0
            if cls == Class.LDX and s.src in frame:
                lowest = min(lowest, frame[s.src] + s.off)
            if cls in (Class.ST, Class.STX) and mode in (Mode.MEM, Mode.ATOMIC) and s.dst in frame:
                lowest = min(lowest, frame[s.dst] + s.off)
            if s.opcode == _MOV64_X and s.src in frame and s.off == 0:
                frame[s.dst] = frame[s.src]
            elif s.opcode == _ADD64_K and s.dst in frame and s.dst != 10:
                frame[s.dst] += s.imm
                lowest = min(lowest, frame[s.dst])
            elif s.dst != 10 and (cls in (Class.ALU, Class.ALU64, Class.LDX) or s.opcode == LDDW):
                frame.pop(s.dst, None)
            clobbers = s.opcode == _CALL or cls == Class.LD and mode in (Mode.ABS, Mode.IND)
            if clobbers:  # r0-r5 hold something else afterwards
                frame = {r: o for r, o in frame.items() if r > 5}
        out.append(min(-lowest, MAX_BPF_STACK) if lowest < 0 else 0)
    return out


def check_call_frames(structure: Structure, global_functions: Collection[int] = ()) -> None:
    """Refuse a chain of more than eight frames through local calls and synchronous callbacks,
    as the interpreter does when it reaches the call that would push a ninth (in the kernel,
    only on paths it explores; here, on every chain the code holds). The chain reported is the
    first the interpreter would meet: calls in PC order, depth first.

    A global function (BTF linkage global, given by its start PC in ``global_functions``) is
    verified on its own, from its own first frame, after the main program: a call of it pushes
    no frame in its caller's chain.

    Raises:
        VerifierError: the call, then ``the call stack of N frames is too deep``.
    """
    starts = {sub.start: sub.index for sub in structure.subprograms}
    globals_ = frozenset(starts[pc] for pc in global_functions if pc in starts) - {0}
    edges = [
        [site for site in _chain_calls(structure, sub.index) if site.callee not in globals_]
        for sub in structure.subprograms
    ]
    for root in [0, *sorted(globals_)]:
        heights = _chain_heights(edges, root)
        sub, frames = root, 1
        if heights[root] <= MAX_CALL_FRAMES:
            continue
        while True:
            site = next(s for s in edges[sub] if heights[s.callee] + frames > MAX_CALL_FRAMES)
            if frames == MAX_CALL_FRAMES:
                slots = structure._slots
                pc = site.helper_pc if site.is_address and site.helper_pc is not None else site.pc
                text = disassemble([_instruction_at(slots, pc)]).split(": ", 1)[1].rstrip()
                message = f"the call stack of {frames + 1} frames is too deep"
                raise VerifierError([f"{pc}: {text}", message, NOTHING_PROCESSED], pc=pc, errno=E2BIG)
            sub, frames = site.callee, frames + 1


def _chain_heights(edges: Sequence[Sequence[CallSite]], root: int) -> dict[int, int]:
    """For each subprogram ``root`` reaches over ``edges``, how many frames the longest chain
    from it holds, capped one above the limit (a cycle is a chain without end)."""
    cap = MAX_CALL_FRAMES + 1
    heights: dict[int, int] = {}
    open_: set[int] = {root}
    stack: list[tuple[int, Iterator[CallSite]]] = [(root, iter(edges[root]))]
    while stack:
        node, sites = stack[-1]
        site = next(sites, None)
        if site is not None:
            if site.callee not in heights and site.callee not in open_:
                open_.add(site.callee)
                stack.append((site.callee, iter(edges[site.callee])))
            continue
        stack.pop()
        below = (cap if s.callee in open_ else heights[s.callee] for s in edges[node])
        heights[node] = min(cap, 1 + max(below, default=0))
        open_.discard(node)
    return heights


def _chain_calls(structure: Structure, sub: int) -> list[CallSite]:
    """The call sites of ``sub`` that push a frame on its chain: local calls, and addresses
    handed to a helper that calls them synchronously."""
    return [
        s
        for s in structure.callees(sub)
        if not s.is_address
        or (s.helper_pc is not None and structure.subprograms[s.callee].callback != CallbackKind.ASYNC)
    ]


def _instruction_at(slots: Sequence[_Slot], pc: int) -> Instruction:
    s = slots[pc]
    return Instruction(s.opcode, s.dst, s.src, s.off, s.imm)


def check_fields(insns: Sequence[Instruction]) -> None:
    """Refuse an instruction whose fields the ISA does not allow (a reserved field set, ``r10``
    written, a register above ``r10``, an opcode of the kernel's table that pybpf cannot run).

    The kernel judges these only where its interpreter reaches them; until pybpf's interpreter
    does the same, every instruction of a structurally valid program is judged here, so that the
    engines only ever receive instructions they can run.

    Raises:
        VerifierError: the instruction, then what is wrong with it.
    """
    for pc, insn in iter_pcs(insns):
        try:
            check_instruction(insn, pc)
        except InstructionError as err:
            text = disassemble([insn]).split(": ", 1)[-1].rstrip()
            message = str(err).removesuffix(f" at PC {pc}")
            raise VerifierError([f"{pc}: {text}", message, NOTHING_PROCESSED], pc=pc) from None
