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
walk; ``_chains.py`` holds the second half. Messages are the kernel's, verbatim, in its order.

Program counters count instruction slots, as the kernel does (a ``lddw`` takes two).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from errno import E2BIG, EINVAL
from typing import NamedTuple, final

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
    "NOTHING_PROCESSED",
    "CallSite",
    "CallbackKind",
    "Slot",
    "Structure",
    "Subprogram",
    "attach_verbose_log",
    "check_fields",
    "check_structure",
    "complete_log",
    "refuse",
    "verbose_lines",
]

MAX_SUBPROGS = 256  #: subprograms one program may have (``BPF_MAX_SUBPROGS``)

_CALL = Class.JMP | JmpOp.CALL
_EXIT = Class.JMP | JmpOp.EXIT
_JA = Class.JMP | JmpOp.JA
_GOTOL = Class.JMP32 | JmpOp.JA
_MAY_GOTO = Class.JMP | 0xE0  #: ``may_goto``: a conditional jump the kernel bounds itself
_MOV64_X = Class.ALU64 | Source.X | AluOp.MOV

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
    slots: tuple[Slot, ...] = field(repr=False, compare=False)  #: the program as the kernel reads it

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


class Slot(NamedTuple):
    """One 8-byte slot as the kernel reads it."""

    opcode: int
    dst: int
    src: int
    off: int
    imm: int  #: signed 32-bit, as in the slot


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


def program_slots(insns: Sequence[Instruction]) -> list[Slot]:
    """The program as the kernel reads it, one slot per entry (a ``lddw`` takes two)."""
    out: list[Slot] = []
    for insn in insns:
        if insn.opcode == LDDW_ALONE:
            out.append(Slot(LDDW, insn.dst, insn.src, insn.offset, _s32(insn.imm)))
        elif insn.opcode == LDDW:
            out.append(Slot(LDDW, insn.dst, insn.src, insn.offset, _s32(insn.imm)))
            out.append(Slot(0, 0, 0, 0, _s32(insn.imm >> 32)))
        else:
            out.append(Slot(insn.opcode, insn.dst, insn.src, insn.offset, insn.imm))
    return out


def _is_local_call(s: Slot) -> bool:
    return s.opcode == _CALL and s.src == CallSrc.LOCAL


def _is_func_address(s: Slot) -> bool:
    return s.opcode == LDDW and s.src == PseudoSrc.FUNC


#: The statistics line of a log whose program was refused before anything was interpreted.
NOTHING_PROCESSED = (
    "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"
)


def refuse(message: str, *, pc: int | None = None, errno: int = EINVAL) -> VerifierError:
    """A refusal before anything was interpreted: the kernel's message and its statistics."""
    return VerifierError([message, NOTHING_PROCESSED], pc=pc, errno=errno)


def verbose_lines(lines: Sequence[str], starts: Sequence[int], depths: Sequence[int], elapsed: int) -> list[str]:
    """The log ``bpftool -d`` shows (log level 7) made of the log ``lines``: each subprogram's
    start first, the verification time (``elapsed`` microseconds) and every subprogram's stack
    depth before the count."""
    verdict = [line for line in lines if not line.startswith(STATISTICS_PREFIXES)]
    statistics = [line for line in lines if line.startswith(STATISTICS_PREFIXES)] or [NOTHING_PROCESSED]
    return (
        [f"func#{i} @{start}" for i, start in enumerate(starts)]
        + verdict
        + [f"verification time {elapsed} usec", "stack depth " + "+".join(str(d) for d in depths)]
        + statistics
    )


def attach_verbose_log(err: VerifierError, starts: Sequence[int], depths: Sequence[int], began: float) -> None:
    """Give ``err`` the log ``bpftool -d`` shows (see :func:`verbose_lines`), and its level 1
    log the statistics line if it has none."""
    lines = err.log.splitlines()
    verdict = [line for line in lines if not line.startswith(STATISTICS_PREFIXES)]
    statistics = [line for line in lines if line.startswith(STATISTICS_PREFIXES)] or [NOTHING_PROCESSED]
    err.log = "\n".join(verdict + statistics)
    elapsed = int((time.perf_counter() - began) * 1e6)
    err.verbose_log = "\n".join(verbose_lines(err.verbose_log.splitlines(), starts, depths, elapsed))


def complete_log(err: VerifierError, structure: Structure, depths: Sequence[int], began: float) -> None:
    """Give a refusal found after the structural pass the log's ends as the kernel writes them:
    the statistics line if it has none, and the log ``bpftool -d`` shows, with the program's
    subprograms, the time since ``began`` (a ``time.perf_counter()`` value) and ``depths``."""
    if "\nverification time " not in err.verbose_log:  # not attached by an earlier pass
        attach_verbose_log(err, [sub.start for sub in structure.subprograms], depths, began)


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
    slots = program_slots(insns)
    if not slots:  # bpf() refuses it before the verifier runs: E2BIG and an empty log
        raise VerifierError([], errno=E2BIG)
    starts, call_pcs = _subprogram_starts(slots, began)
    try:
        _check_subprograms(slots, starts)
        _check_ldimm64_and_opcodes(slots)
        _check_cfg(slots)
    except VerifierError as err:
        attach_verbose_log(err, starts, [0] * len(starts), began)
        raise
    bounds = [*starts, len(slots)]
    subs = [Subprogram(i, bounds[i], bounds[i + 1]) for i in range(len(starts))]
    index = {sub.start: sub.index for sub in subs}
    calls: dict[int, CallSite] = {}
    caller = 0
    for pc in call_pcs:  # in PC order
        while pc >= subs[caller].end:
            caller += 1
        s = slots[pc]
        helper_pc = _consuming_helper(slots, pc, subs[caller].end) if s.opcode == LDDW else None
        calls[pc] = CallSite(pc, caller, index[pc + s.imm + 1], s.opcode == LDDW, helper_pc)
    kinds: dict[int, CallbackKind] = {}
    for site in calls.values():
        if site.is_address:
            helper = None if site.helper_pc is None else slots[site.helper_pc].imm
            kind = CallbackKind.ASYNC if helper in ASYNC_CALLBACK_HELPERS else CallbackKind.SYNC
            if kinds.get(site.callee) != CallbackKind.ASYNC:
                kinds[site.callee] = kind
    subs = [Subprogram(s.index, s.start, s.end, kinds.get(s.index)) for s in subs]
    by_caller: list[list[CallSite]] = [[] for _ in subs]
    for site in calls.values():  # in PC order
        by_caller[site.caller].append(site)
    sites = tuple(tuple(sites_of) for sites_of in by_caller)
    return Structure(tuple(subs), calls, sites, tuple(slots))


def _subprogram_starts(slots: Sequence[Slot], began: float) -> tuple[list[int], list[int]]:
    """``add_subprog_and_kfunc``: PC 0 and every call or address target, each checked (the
    kernel names the subprograms in its log only once all are found). Also returns the PCs of
    those calls and addresses."""
    starts = {0}
    call_pcs = []
    for pc, s in enumerate(slots):
        if not (_is_local_call(s) or _is_func_address(s)):
            continue
        call_pcs.append(pc)
        target = pc + s.imm + 1
        err = None
        if not 0 <= target < len(slots):
            err = refuse("call to invalid destination", pc=pc)
        elif target not in starts and len(starts) >= MAX_SUBPROGS:
            err = refuse("too many subprograms", pc=pc, errno=E2BIG)
        if err is not None:
            attach_verbose_log(err, [], [0] * len(starts), began)
            raise err
        starts.add(target)
    return sorted(starts), call_pcs


def _check_subprograms(slots: Sequence[Slot], starts: Sequence[int]) -> None:
    """``check_subprogs``: jumps stay in their subprogram, which ends in ``exit`` or a jump."""
    bounds = [*starts, len(slots)]
    for index in range(len(starts)):
        first, end = bounds[index], bounds[index + 1]
        for pc in range(first, end):
            s = slots[pc]
            if s.opcode & 0x07 in (Class.JMP, Class.JMP32) and s.opcode & 0xF0 not in (JmpOp.EXIT, JmpOp.CALL):
                target = pc + (s.imm if s.opcode == _GOTOL else s.off) + 1
                if not first <= target < end:
                    raise refuse(f"jump out of range from insn {pc} to {target}", pc=pc)
        if slots[end - 1].opcode not in (_EXIT, _JA, _GOTOL):
            raise refuse("last insn is not an exit or jmp", pc=end - 1)


def _check_ldimm64_and_opcodes(slots: Sequence[Slot]) -> None:
    """The checks of ``resolve_pseudo_ldimm64`` that do not depend on maps, over every slot."""
    pc = 0
    while pc < len(slots):
        s = slots[pc]
        if s.opcode & 0x07 == Class.LDX and (s.opcode & 0xE0 not in (Mode.MEM, Mode.MEMSX) or s.imm):
            raise refuse("BPF_LDX uses reserved fields", pc=pc)
        if s.opcode == LDDW:
            nxt = slots[pc + 1] if pc + 1 < len(slots) else None
            if nxt is None or (nxt.opcode, nxt.dst, nxt.src, nxt.off) != (0, 0, 0, 0):
                raise refuse("invalid bpf_ld_imm64 insn", pc=pc)
            known = s.src in (PseudoSrc.IMM64, PseudoSrc.BTF_ID, PseudoSrc.FUNC, PseudoSrc.MAP_VALUE,
                              PseudoSrc.MAP_IDX_VALUE)
            if not known and not (s.src in (PseudoSrc.MAP_FD, PseudoSrc.MAP_IDX) and nxt.imm == 0):
                raise refuse("unrecognized bpf_ld_imm64 insn", pc=pc)
            pc += 2
            continue
        if s.opcode not in KERNEL_OPCODES:
            raise refuse(f"unknown opcode {s.opcode:02x}", pc=pc)
        pc += 1


def _successors(s: Slot, pc: int) -> tuple[int, ...]:
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


def _check_cfg(slots: Sequence[Slot]) -> None:
    """``check_cfg``: every slot is reached from PC 0, and no jump lands inside a ``lddw``."""
    seen = [False] * len(slots)
    seen[0] = True
    todo = [0]
    while todo:
        pc = todo.pop()
        for target in _successors(slots[pc], pc):
            if not 0 <= target < len(slots):
                raise refuse(f"jump out of range from insn {pc} to {target}", pc=pc)
            if not seen[target]:
                seen[target] = True
                todo.append(target)
    pc = 0
    while pc < len(slots):
        if not seen[pc]:
            raise refuse(f"unreachable insn {pc}", pc=pc)
        if slots[pc].opcode == LDDW:
            if seen[pc + 1]:
                raise refuse(f"jump into the middle of ldimm64 insn {pc}", pc=pc)
            pc += 1
        pc += 1


def _consuming_helper(slots: Sequence[Slot], pc: int, end: int) -> int | None:
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
