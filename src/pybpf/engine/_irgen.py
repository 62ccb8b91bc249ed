"""Translate a validated program into LLVM IR text, for the JIT (:mod:`._jit`) to compile.

This module builds text only; it never imports llvmlite, so it stays testable and cheap.
Each subprogram becomes one function::

    i64 @<prefix>_f<pc>(ptr %S, i64 %a1, ..., i64 %a5, i64 %fp)

``%S`` points at the run's native state (the :class:`Field` slots below, shared with the Python
side), ``%a1``-``%a5`` are r1-r5 and ``%fp`` is r10. Registers r0-r9 live in ``alloca`` slots
that LLVM promotes to machine registers. Semantics follow :mod:`._alu` exactly (RFC 9669 section
4): division by zero, ``INT_MIN / -1``, masked shift amounts, 32-bit results zero-extended.

Safety does not depend on the verifier:

- every block first charges its length to the instruction budget (counted per basic block, as
  the interpreter counts), and stops the run when the budget is spent;
- every load, store and atomic is checked, inline, against the current frame and the frames of
  its callers (``[fp - 512, top)``), then against the last off-stack window the run used (one
  for reads, one for writes); anything else calls out to ``pybpf_jit_resolve``, which looks the
  address up exactly as the interpreter does and either refreshes the window or records an
  :class:`OutOfBoundsError`. Only an access the verifier proved inside the running function's own
  frame (``in_frame``) goes unchecked, and even that one is confined to the frame by a mask that
  is the identity when the proof holds (see :func:`generate_ir`);
- a fault anywhere (budget, bad access, a helper raising) sets ``S[FAULT]`` and every function
  returns at once up the native call chain, so the Python side raises the right error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from enum import IntEnum

from ..isa import (
    CALL,
    CALLX,
    EXIT,
    FETCH,
    LDDW,
    LOAD_ACQ,
    MAY_GOTO,
    SIZE_BYTES,
    STORE_REL,
    AluOp,
    AtomicOp,
    CallSrc,
    Class,
    Instruction,
    JmpOp,
    Mode,
    PseudoSrc,
    Source,
    basic_blocks,
    iter_pcs,
    subprogram_entries,
)
from ._context import NETWORK_HEADER, SKF_LL_OFF, SKF_NET_OFF, STACK_SIZE
from ._mapgen import FALLBACK, PROGRAM_ENTRY_POINTS, NativeOp, map_ir
from ._tcallgen import TCALL_SYMBOLS, tcall_ir
from ._timergen import TIMER_NOW, TIMER_START, timer_ir

__all__ = ["LANE_ENTRY_POINTS", "Fault", "Field", "Op", "first_uncompilable", "generate_ir"]


class Field(IntEnum):
    """The 64-bit slots of a run's native state, by index."""

    N = 0  #: instructions executed so far
    LIMIT = 1  #: the run's instruction budget
    TOP = 2  #: the main frame's pointer: the top of the stack
    RLO = 3  #: the read window: first address
    RSIZE = 4  #: the read window: length (0 when empty)
    WLO = 5  #: the write window: first address
    WSIZE = 6  #: the write window: length (0 when empty)
    FAULT = 7  #: a :class:`Fault`, 0 while the run is healthy
    FAULT_PC = 8  #: where the fault happened
    FAULT_ARG = 9  #: a detail of the fault (a helper id)
    MIN_FP = 10  #: a call from a frame below this would exceed MAX_CALL_FRAMES
    PKT_BASE = 11  #: the packet legacy loads read (0 when none)
    PKT_SIZE = 12  #: its length
    CODE_BASE = 13  #: the address a ``lddw`` of subprogram 0 yields
    CPU = 14  #: the CPU the run is on (per-CPU map values)
    MAPS = 15  #: the address of the program's native map table (0: none), see :mod:`._mapgen`
    MAY_GOTO = 16  #: iterations ``may_goto`` still allows in this run (the context's may_goto_left)
    PKT_HEAD = 17  #: bytes of the packet (from its MAC header) before the program's packet start
    HELD = 18  #: the address of the ``bpf_spin_lock`` word native code took for this run (0: none)


STATE_SLOTS = len(Field)

#: The native timer lane's helpers compiled code calls (:mod:`._timergen`), by what they are:
#: outside the lane they fall back to the Python helper.
LANE_ENTRY_POINTS = {
    NativeOp.TIMER_START: TIMER_START, NativeOp.KTIME: TIMER_NOW, NativeOp.TIMER_INIT: TCALL_SYMBOLS[0],
    NativeOp.TIMER_SET_CALLBACK: TCALL_SYMBOLS[1], NativeOp.TIMER_CANCEL: TCALL_SYMBOLS[3],
}


class Fault(IntEnum):
    """Why native code stopped a run; the Python side turns each into an exception."""

    PENDING = 1  #: a Python exception is waiting (a helper raised, a bad access)
    PACKET = 2  #: a legacy packet load went past the packet: the run returns 0
    BUDGET = 3  #: the instruction budget is spent
    TOO_DEEP = 4  #: a call would nest more than MAX_CALL_FRAMES frames
    UNKNOWN_HELPER = 5  #: a call of a helper the table does not hold
    FELL_OFF = 7  #: control ran past the last instruction


class Op(IntEnum):
    """The access kinds ``pybpf_jit_resolve`` is told about."""

    LOAD = 0
    STORE = 1
    ATOMIC = 2


#: bpf_loop's limit on its count (BPF_MAX_LOOPS): beyond it, the Python helper answers
MAX_LOOPS = 1 << 23
_MAY_GOTO = Class.JMP | MAY_GOTO
_JA = Class.JMP | JmpOp.JA
_BITS = {1: 8, 2: 16, 4: 32, 8: 64}

_BINARY: dict[int, str] = {
    AluOp.ADD: "add",
    AluOp.SUB: "sub",
    AluOp.MUL: "mul",
    AluOp.OR: "or",
    AluOp.AND: "and",
    AluOp.XOR: "xor",
    AluOp.LSH: "shl",
    AluOp.RSH: "lshr",
    AluOp.ARSH: "ashr",
}
_SHIFTS = (AluOp.LSH, AluOp.RSH, AluOp.ARSH)

# (unsigned predicate, negated?) per jump operation; JSET is special-cased.
_PREDICATES: dict[int, str] = {
    JmpOp.JEQ: "eq",
    JmpOp.JNE: "ne",
    JmpOp.JGT: "ugt",
    JmpOp.JGE: "uge",
    JmpOp.JLT: "ult",
    JmpOp.JLE: "ule",
    JmpOp.JSGT: "sgt",
    JmpOp.JSGE: "sge",
    JmpOp.JSLT: "slt",
    JmpOp.JSLE: "sle",
}

_RMW: dict[int, str] = {AtomicOp.ADD: "add", AtomicOp.OR: "or", AtomicOp.AND: "and", AtomicOp.XOR: "xor"}

_DECLARATIONS = """\
declare i64 @PyLong_AsUnsignedLongLongMask(ptr)
declare ptr @PyLong_FromUnsignedLongLong(i64)
declare i32 @pybpf_jit_resolve(ptr, i64, i64, i64, i64)
declare i64 @pybpf_jit_helper(ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64)
declare i64 @pybpf_jit_kfunc(ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64)
declare i16 @llvm.bswap.i16(i16)
declare i32 @llvm.bswap.i32(i32)
declare i64 @llvm.bswap.i64(i64)
"""


def generate_ir(
    insns: Sequence[Instruction],
    helpers: Collection[int],
    prefix: str,
    in_frame: Collection[int] = frozenset(),
    natives: Mapping[int, NativeOp] | None = None,
) -> str:
    """LLVM IR defining ``@<prefix>_f<pc>`` for every subprogram of a validated program.

    Args:
        insns: the program, already checked by :func:`pybpf.isa.validate`.
        helpers: helper ids the run's table holds; calls of others fault at run time.
        prefix: the symbol prefix, unique per compiled program.
        in_frame: PCs of loads, stores and atomics the verifier proved, on every path, to
            access the running function's own frame ``[fp - 512, fp)`` at an offset from
            ``fp`` that is a multiple of the access size (``Facts.frame_accesses``). Such an
            access is not checked: its offset from the frame's bottom is masked with
            ``512 - size``, which keeps it when the proof holds and keeps the access inside
            the frame when it does not, so a wrong verifier can corrupt only the program's
            own stack, never memory outside its regions. Other proofs (map values, context,
            packet) rest on what a register points to, which native code cannot confirm
            cheaply: those accesses keep their checks.
        natives: helper ids to run natively (map operations through the native map module,
            which hands back what it cannot do to the Python helper; ``bpf_loop`` calling its
            callback directly; ``bpf_get_smp_processor_id`` reading the state), by what they
            are.
    """
    by_pc = dict(iter_pcs(insns))
    parts = [_DECLARATIONS]
    parts += [f"declare i64 @{name}(ptr, i64, i64, i64, i64, i64)" for name in PROGRAM_ENTRY_POINTS.values()]
    parts += [
        f"declare i64 @{symbol}(ptr, i64, i64, i64, i64, i64)"
        for op, symbol in LANE_ENTRY_POINTS.items() if natives and op in natives.values()
    ]
    entries = subprogram_entries(insns)
    for entry in entries:
        parts.append(_Function(by_pc, entry, helpers, prefix, in_frame, natives or {}, entries).text())
        parts.append(_entry_point(prefix, entry))
    return "\n".join(parts)


def map_module() -> str:
    """The native map operations (:func:`._mapgen.map_ir`) on this module's state slots."""
    used = (Field.TOP, Field.CPU, Field.MAPS, Field.RLO, Field.RSIZE, Field.WLO, Field.WSIZE, Field.HELD)
    return map_ir({f.name: int(f) for f in used}, STACK_SIZE)


def timer_module() -> str:
    """The native timer lane (:func:`._timergen.timer_ir`) and the native timer helpers
    (:func:`._tcallgen.tcall_ir`) on this module's state slots."""
    used = (Field.N, Field.LIMIT, Field.TOP, Field.RLO, Field.RSIZE, Field.WLO, Field.WSIZE, Field.FAULT, Field.CPU, Field.MAY_GOTO)
    return timer_ir({f.name: int(f) for f in used}) + tcall_ir({"CPU": Field.CPU, "CODE_BASE": Field.CODE_BASE, "HELD": Field.HELD})


def _entry_point(prefix: str, entry: int) -> str:
    """``@<prefix>_py<pc>``: the subprogram as a CPython ``METH_FASTCALL`` function taking
    (state address, r1-r5, r10) as ints and returning r0 as an int: a built-in function costs
    tens of nanoseconds to call, ctypes about a microsecond. Any other argument count gives
    NULL (a SystemError): only :mod:`._jit` calls these."""
    lines = [
        f"define ptr @{prefix}_py{entry}(ptr %self, ptr %args, i64 %nargs) {{",
        "entry:",
        "  %ok = icmp eq i64 %nargs, 7",
        "  br i1 %ok, label %call, label %bad",
        "bad:",
        "  ret ptr null",
        "call:",
    ]
    for i in range(7):
        lines += [
            f"  %p{i} = getelementptr ptr, ptr %args, i64 {i}",
            f"  %o{i} = load ptr, ptr %p{i}",
            f"  %v{i} = call i64 @PyLong_AsUnsignedLongLongMask(ptr %o{i})",
        ]
    lines += [
        "  %S = inttoptr i64 %v0 to ptr",
        f"  %r0 = call i64 @{prefix}_f{entry}(ptr %S, i64 %v1, i64 %v2, i64 %v3, i64 %v4, i64 %v5, i64 %v6)",
        "  %res = call ptr @PyLong_FromUnsignedLongLong(i64 %r0)",
        "  ret ptr %res",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _signed(value: int, bits: int) -> int:
    """``value`` as a signed ``bits``-wide number (LLVM literals are written signed)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class _Function:
    """The IR of one subprogram."""

    def __init__(
        self,
        by_pc: dict[int, Instruction],
        entry: int,
        helpers: Collection[int],
        prefix: str,
        in_frame: Collection[int],
        natives: Mapping[int, NativeOp],
        entries: Collection[int],
    ) -> None:
        self.natives = natives
        self.entries = sorted(entries)
        self.by_pc = by_pc
        self.entry = entry
        self.helpers = helpers
        self.prefix = prefix
        self.in_frame = in_frame
        self.blocks = basic_blocks([by_pc[pc] for pc in sorted(by_pc)], entry)
        self.lines: list[str] = []
        self.counter = 0

    # -- small emitters ------------------------------------------------------------------

    def tmp(self) -> str:
        self.counter += 1
        return f"%t{self.counter}"

    def label(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}{self.counter}"

    def emit(self, line: str) -> None:
        self.lines.append("  " + line)

    def start(self, label: str) -> None:
        self.lines.append(f"{label}:")

    def let(self, expr: str) -> str:
        name = self.tmp()
        self.emit(f"{name} = {expr}")
        return name

    def field(self, slot: Field) -> str:
        return self.let(f"getelementptr i64, ptr %S, i64 {int(slot)}")

    def load_field(self, slot: Field) -> str:
        return self.let(f"load i64, ptr {self.field(slot)}")

    def store_field(self, slot: Field, value: str | int) -> None:
        self.emit(f"store i64 {value}, ptr {self.field(slot)}")

    def reg(self, r: int) -> str:
        if r == 10:
            return "%fp"
        return self.let(f"load i64, ptr %r{r}")

    def set_reg(self, r: int, value: str) -> None:
        self.emit(f"store i64 {value}, ptr %r{r}")

    def fault(self, kind: Fault, pc: int, arg: str | int = 0) -> None:
        """Record a fault and leave the function (the current block ends here)."""
        self.store_field(Field.FAULT, int(kind))
        self.store_field(Field.FAULT_PC, pc)
        self.store_field(Field.FAULT_ARG, arg)
        self.emit("br label %fault")

    def check_fault(self) -> None:
        """After a call: leave at once when the callee faulted."""
        bad = self.let(f"icmp ne i64 {self.load_field(Field.FAULT)}, 0")
        ok = self.label("ok")
        self.emit(f"br i1 {bad}, label %fault, label %{ok}")
        self.start(ok)

    def save_count(self) -> None:
        self.store_field(Field.N, self.let("load i64, ptr %n"))

    def reload_count(self) -> None:
        self.emit(f"store i64 {self.load_field(Field.N)}, ptr %n")

    # -- the function --------------------------------------------------------------------

    def text(self) -> str:
        args = ", ".join(f"i64 %a{i}" for i in range(1, 6))
        self.lines = [f"define i64 @{self.prefix}_f{self.entry}(ptr %S, {args}, i64 %fp) {{", "entry:"]
        for r in range(10):
            self.emit(f"%r{r} = alloca i64")
        self.emit("%n = alloca i64")
        for r in range(10):
            self.emit(f"store i64 {f'%a{r}' if 1 <= r <= 5 else 0}, ptr %r{r}")
        self.reload_count()
        self.emit(f"%lim = load i64, ptr {self.field(Field.LIMIT)}")
        self.emit(f"%top = load i64, ptr {self.field(Field.TOP)}")
        # The frames this function may use without a look-up: its own and its callers'.
        self.emit(f"%flo = sub i64 %fp, {STACK_SIZE}")
        self.emit("%fspan = sub i64 %top, %flo")
        self.emit(f"br label %b{self.entry}")
        for start in sorted(self.blocks):
            self.block(start)
        self.start("fault")
        self.save_count()
        self.emit("ret i64 0")
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def block(self, start: int) -> None:
        block = self.blocks[start]
        self.start(f"b{start}")
        target = self.lone_goto(start)
        if target is not None:
            self.goto_block(start, target)
            return
        _, over = self.charge(len(block.pcs))
        body, spent = f"body{start}", f"spent{start}"
        self.emit(f"br i1 {over}, label %{spent}, label %{body}")
        self.start(spent)
        self.fault(Fault.BUDGET, start)
        self.start(body)
        ended = False
        for pc in block.pcs:
            ended = self.insn(pc, self.by_pc[pc])
        if not ended:
            nxt = block.fallthrough
            if nxt is not None and nxt in self.blocks:
                self.emit(f"br label %b{nxt}")
            else:
                self.fault(Fault.FELL_OFF, block.pcs[-1])

    def charge(self, cost: int) -> tuple[str, str]:
        """Add ``cost`` to the instruction count; the new count, and whether it is over."""
        count = self.let(f"add i64 {self.let('load i64, ptr %n')}, {cost}")
        self.emit(f"store i64 {count}, ptr %n")
        return count, self.let(f"icmp ugt i64 {count}, %lim")

    def lone_goto(self, start: int) -> int | None:
        """The target of the block at ``start`` if the block is one ``goto`` to a block that
        is not one too (the back edge of most loops), else None."""
        target = self.goto_target(start)
        if target is None or target == start or self.goto_target(target) is not None:
            return None
        return target

    def goto_target(self, start: int) -> int | None:
        """Where the block at ``start`` goes if it is one ``goto``, else None."""
        insn = self.by_pc[start]
        if len(self.blocks[start].pcs) != 1 or insn.opcode != _JA:
            return None
        return insn.jump_target(start)

    def goto_block(self, start: int, target: int) -> None:
        """A lone ``goto``, charged together with its target: one budget check per loop
        iteration instead of two. The count and the faulting block stay exactly those of
        charging each block on entry."""
        total = 1 + len(self.blocks[target].pcs)
        count, over = self.charge(total)
        spent, here = f"spent{start}", f"spenthere{start}"
        self.emit(f"br i1 {over}, label %{spent}, label %body{target}")
        self.start(spent)
        # Which of the two passed the budget: this block (then only its own 1 is charged) or
        # the target.
        own = self.let(f"sub i64 {count}, {total - 1}")
        mine = self.let(f"icmp ugt i64 {own}, %lim")
        self.emit(f"br i1 {mine}, label %{here}, label %spent{target}")
        self.start(here)
        self.emit(f"store i64 {own}, ptr %n")
        self.fault(Fault.BUDGET, start)

    def insn(self, pc: int, insn: Instruction) -> bool:
        """Emit one instruction; True when it ended the block."""
        cls = insn.cls
        if cls in (Class.ALU, Class.ALU64):
            self.alu(insn)
        elif cls in (Class.JMP, Class.JMP32):
            return self.jump(pc, insn)
        elif insn.opcode == LDDW:
            self.lddw(pc, insn)
        elif cls == Class.LD:
            self.packet_load(pc, insn)
        elif cls == Class.LDX:
            self.load(pc, insn)
        elif cls == Class.ST:
            size = SIZE_BYTES[insn.opcode & 0x18]
            self.store(pc, insn, size, str(_signed(insn.imm, 64)))
        elif insn.opcode & 0xE0 == Mode.MEM or insn.imm == STORE_REL:
            # Ordering is moot: native code runs with the GIL held, one run at a time.
            self.store(pc, insn, SIZE_BYTES[insn.opcode & 0x18], self.reg(insn.src))
        elif insn.imm == LOAD_ACQ:
            self.load(pc, insn)
        else:
            self.atomic(pc, insn)
        return False

    # -- arithmetic ----------------------------------------------------------------------

    def alu(self, insn: Instruction) -> None:
        op = insn.opcode & 0xF0
        is64 = insn.cls == Class.ALU64
        bits = 64 if is64 else 32
        ty = f"i{bits}"
        if op == AluOp.END:
            self.set_reg(insn.dst, self.byte_order(insn))
            return
        d = self.reg(insn.dst)
        if insn.opcode & Source.X:
            s = self.reg(insn.src)
            if not is64:
                s = self.let(f"trunc i64 {s} to i32")
        else:
            s = str(_signed(insn.imm, bits))
        if not is64:
            d = self.let(f"trunc i64 {d} to i32")
        result = self.operation(op, insn.offset, ty, d, s)
        if not is64:
            result = self.let(f"zext i32 {result} to i64")
        self.set_reg(insn.dst, result)

    def operation(self, op: int, offset: int, ty: str, d: str, s: str) -> str:
        if op in _SHIFTS:
            amount = self.let(f"and {ty} {s}, {63 if ty == 'i64' else 31}")
            return self.let(f"{_BINARY[op]} {ty} {d}, {amount}")
        if op in _BINARY:
            return self.let(f"{_BINARY[op]} {ty} {d}, {s}")
        if op == AluOp.NEG:
            return self.let(f"sub {ty} 0, {d}")
        if op == AluOp.MOV:
            if offset:  # movsx: sign-extend the low 8/16/32 bits of the source
                low = self.let(f"trunc {ty} {s} to i{offset}")
                return self.let(f"sext i{offset} {low} to {ty}")
            return s
        return self.division(op == AluOp.DIV, bool(offset), ty, d, s)

    def division(self, is_div: bool, signed: bool, ty: str, d: str, s: str) -> str:
        """Division and modulo with RFC 9669's rules: x / 0 = 0, x % 0 = x, and the signed
        ``INT_MIN / -1`` = INT_MIN, ``INT_MIN % -1`` = 0 (never a hardware trap)."""
        zero = self.let(f"icmp eq {ty} {s}, 0")
        if not signed:
            safe = self.let(f"select i1 {zero}, {ty} 1, {ty} {s}")
            value = self.let(f"{'udiv' if is_div else 'urem'} {ty} {d}, {safe}")
            return self.let(f"select i1 {zero}, {ty} {'0' if is_div else d}, {ty} {value}")
        minus1 = self.let(f"icmp eq {ty} {s}, -1")
        special = self.let(f"or i1 {zero}, {minus1}")
        safe = self.let(f"select i1 {special}, {ty} 1, {ty} {s}")
        value = self.let(f"{'sdiv' if is_div else 'srem'} {ty} {d}, {safe}")
        if is_div:
            negated = self.let(f"sub {ty} 0, {d}")
            value = self.let(f"select i1 {minus1}, {ty} {negated}, {ty} {value}")
            return self.let(f"select i1 {zero}, {ty} 0, {ty} {value}")
        value = self.let(f"select i1 {minus1}, {ty} 0, {ty} {value}")
        return self.let(f"select i1 {zero}, {ty} {d}, {ty} {value}")

    def byte_order(self, insn: Instruction) -> str:
        """``le``/``be``/``bswap`` of the low 16, 32 or 64 bits (pybpf's BPF machine is
        little-endian, so ``le`` only truncates)."""
        width = insn.imm
        d = self.reg(insn.dst)
        if width == 64 and insn.opcode == 0xD4:
            return d
        low = d if width == 64 else self.let(f"trunc i64 {d} to i{width}")
        if insn.opcode != 0xD4:
            low = self.let(f"call i{width} @llvm.bswap.i{width}(i{width} {low})")
        return low if width == 64 else self.let(f"zext i{width} {low} to i64")

    # -- control flow --------------------------------------------------------------------

    def jump(self, pc: int, insn: Instruction) -> bool:
        if insn.opcode == EXIT:
            self.save_count()
            self.emit(f"ret i64 {self.reg(0)}")
            return True
        if insn.opcode == CALLX:
            self.helper_call(pc, self.reg(insn.dst))
            return False
        if insn.opcode == CALL:
            self.call(pc, insn)
            return False
        target = insn.jump_target(pc)
        op = insn.opcode & 0xF0
        if op == JmpOp.JA:
            self.emit(f"br label %b{target}")
            return True
        if insn.opcode == _MAY_GOTO:
            self.may_goto(target, pc + 1)
            return True
        taken = self.condition(insn)
        self.emit(f"br i1 {taken}, label %b{target}, label %b{pc + 1}")
        return True

    def may_goto(self, target: int | None, nxt: int) -> None:
        """``may_goto``: jump once the run's loop budget is spent, else spend one iteration
        of it (the budget is shared by the whole run, callbacks and tail calls included)."""
        left = self.load_field(Field.MAY_GOTO)
        spent = self.let(f"icmp sle i64 {left}, 0")
        spend = self.label("spend")
        self.emit(f"br i1 {spent}, label %b{target}, label %{spend}")
        self.start(spend)
        self.store_field(Field.MAY_GOTO, self.let(f"sub i64 {left}, 1"))
        self.emit(f"br label %b{nxt}")

    def condition(self, insn: Instruction) -> str:
        is64 = insn.cls == Class.JMP
        ty = "i64" if is64 else "i32"
        a = self.reg(insn.dst)
        if insn.opcode & Source.X:
            b = self.reg(insn.src)
            if not is64:
                b = self.let(f"trunc i64 {b} to i32")
        else:
            b = str(_signed(insn.imm, 64 if is64 else 32))
        if not is64:
            a = self.let(f"trunc i64 {a} to i32")
        op = insn.opcode & 0xF0
        if op == JmpOp.JSET:
            both = self.let(f"and {ty} {a}, {b}")
            return self.let(f"icmp ne {ty} {both}, 0")
        return self.let(f"icmp {_PREDICATES[op]} {ty} {a}, {b}")

    def call(self, pc: int, insn: Instruction) -> None:
        if insn.src == CallSrc.LOCAL:
            target = insn.jump_target(pc)
            deep = self.let(f"icmp ult i64 %fp, {self.load_field(Field.MIN_FP)}")
            go, stop = self.label("call"), self.label("deep")
            self.emit(f"br i1 {deep}, label %{stop}, label %{go}")
            self.start(stop)
            self.fault(Fault.TOO_DEEP, pc)
            self.start(go)
            args = ", ".join(f"i64 {self.reg(r)}" for r in range(1, 6))
            callee_fp = self.let(f"sub i64 %fp, {STACK_SIZE}")
            self.save_count()
            r0 = self.let(f"call i64 @{self.prefix}_f{target}(ptr %S, {args}, i64 {callee_fp})")
            self.reload_count()
            self.check_fault()
            self.set_reg(0, r0)
        elif insn.src == CallSrc.KFUNC:
            self.helper_call(pc, str(insn.imm), "pybpf_jit_kfunc")
        elif self.natives.get(insn.imm) == NativeOp.LOOP:
            self.native_loop(pc, insn.imm)
        elif self.natives.get(insn.imm) == NativeOp.CPU_ID:
            self.set_reg(0, self.load_field(Field.CPU))
        elif self.natives.get(insn.imm) in LANE_ENTRY_POINTS:
            self.native_map_call(pc, insn.imm, LANE_ENTRY_POINTS[self.natives[insn.imm]])
        elif insn.imm in self.natives:
            self.native_map_call(pc, insn.imm, self.natives[insn.imm])
        elif insn.imm in self.helpers:
            self.helper_call(pc, str(insn.imm))
        else:
            self.fault(Fault.UNKNOWN_HELPER, pc, insn.imm)
            self.start(self.label("dead"))

    def helper_call(self, pc: int, helper_id: str, trampoline: str = "pybpf_jit_helper") -> None:
        """Call a helper (or, through ``pybpf_jit_kfunc``, a kfunc) through its trampoline;
        callx passes its register as the id. Kfunc calls always go out: whether the table
        holds the kfunc is the Python side's question, so compiled code does not depend on it."""
        args = ", ".join(f"i64 {self.reg(r)}" for r in range(1, 6))
        self.save_count()
        r0 = self.let(f"call i64 @{trampoline}(ptr %S, i64 {helper_id}, {args}, i64 %fp, i64 {pc})")
        self.reload_count()
        self.check_fault()
        self.set_reg(0, r0)

    def native_map_call(self, pc: int, helper_id: int, op: NativeOp | str) -> None:
        """A map helper through its native entry point (:mod:`._mapgen`), or the entry point
        named ``op``; what that cannot do goes to the Python helper."""
        args = ", ".join(f"i64 {self.reg(r)}" for r in range(1, 5))
        symbol = op if isinstance(op, str) else PROGRAM_ENTRY_POINTS[op]
        r0 = self.let(f"call i64 @{symbol}(ptr %S, {args}, i64 %fp)")
        fell = self.let(f"icmp eq i64 {r0}, {FALLBACK}")
        done, slow, join = self.label("nat"), self.label("py"), self.label("joined")
        self.emit(f"br i1 {fell}, label %{slow}, label %{done}")
        self.start(done)
        self.set_reg(0, r0)
        self.emit(f"br label %{join}")
        self.start(slow)
        self.helper_call(pc, str(helper_id))
        self.emit(f"br label %{join}")
        self.start(join)

    def native_loop(self, pc: int, helper_id: int) -> None:
        """``bpf_loop`` calling its callback directly, as ``call_nested`` does: a new frame
        below the caller's, stopping at a non-zero return. Anything unusual (flags, too many
        loops, an address that is no subprogram, no frame left) goes to the Python helper,
        which refuses it as it always does."""
        nr = self.let(f"and i64 {self.reg(1)}, 4294967295")
        callback, cb_ctx, flags = self.reg(2), self.reg(3), self.reg(4)
        slow, join, check = self.label("loop_py"), self.label("loop_done"), self.label("loop_check")
        plain = self.let(f"icmp eq i64 {flags}, 0")
        small = self.let(f"icmp ule i64 {nr}, {MAX_LOOPS}")
        ok = self.let(f"and i1 {plain}, {small}")
        self.emit(f"br i1 {ok}, label %{check}, label %{slow}")
        self.start(check)
        room = self.let(f"icmp uge i64 %fp, {self.load_field(Field.MIN_FP)}")
        dispatch = self.label("loop_dispatch")
        self.emit(f"br i1 {room}, label %{dispatch}, label %{slow}")
        self.start(dispatch)
        offset = self.let(f"sub i64 {callback}, {self.load_field(Field.CODE_BASE)}")
        targets = {entry: self.label(f"loop_f{entry}_") for entry in self.entries}
        cases = " ".join(f"i64 {8 * entry}, label %{label}" for entry, label in targets.items())
        self.emit(f"switch i64 {offset}, label %{slow} [ {cases} ]")
        for entry, label in targets.items():
            self.start(label)
            head, body, stop, full = self.label("lh"), self.label("lb"), self.label("ls"), self.label("lf")
            self.emit(f"br label %{head}")
            self.start(head)
            i = self.let(f"phi i64 [ 0, %{label} ], [ %inext{pc}_{entry}, %{body}_next ]")
            more = self.let(f"icmp ult i64 {i}, {nr}")
            self.emit(f"br i1 {more}, label %{body}, label %{full}")
            self.start(body)
            self.save_count()
            fp = self.let(f"sub i64 %fp, {STACK_SIZE}")
            r = self.let(f"call i64 @{self.prefix}_f{entry}(ptr %S, i64 {i}, i64 {cb_ctx}, i64 0, i64 0, i64 0, i64 {fp})")
            self.reload_count()
            bad = self.let(f"icmp ne i64 {self.load_field(Field.FAULT)}, 0")
            self.emit(f"br i1 {bad}, label %fault, label %{body}_next")
            self.start(f"{body}_next")
            self.emit(f"%inext{pc}_{entry} = add i64 {i}, 1")
            halt = self.let(f"icmp ne i64 {r}, 0")
            self.emit(f"br i1 {halt}, label %{stop}, label %{head}")
            self.start(stop)
            self.set_reg(0, f"%inext{pc}_{entry}")
            self.emit(f"br label %{join}")
            self.start(full)
            self.set_reg(0, nr)
            self.emit(f"br label %{join}")
        self.start(slow)
        self.helper_call(pc, str(helper_id))
        self.emit(f"br label %{join}")
        self.start(join)

    # -- memory --------------------------------------------------------------------------

    def address(self, r: int, offset: int) -> str:
        return self.let(f"add i64 {self.reg(r)}, {offset}")

    def check(self, pc: int, address: str, size: int, op: Op) -> str:
        """The address to access for ``[address, address + size)``: ``address`` itself once
        checked for ``op``, or, where the verifier proved the access inside this function's
        own frame, ``address`` confined to the frame (see :func:`generate_ir`)."""
        if pc in self.in_frame:
            # Aligned and inside [flo, fp) when the proof holds, so the mask changes nothing;
            # when it does not, the access still lands inside the frame. For constant offsets
            # from r10 LLVM folds it all away.
            off = self.let(f"sub i64 {address}, %flo")
            kept = self.let(f"and i64 {off}, {STACK_SIZE - size}")
            return self.let(f"add i64 %flo, {kept}")
        done, window, slow = self.label("in"), self.label("win"), self.label("slow")
        off = self.let(f"sub i64 {address}, %flo")
        room = self.let(f"sub i64 %fspan, {size}")
        in_frame = self.let(f"icmp ule i64 {off}, {room}")
        self.emit(f"br i1 {in_frame}, label %{done}, label %{window}")
        self.start(window)
        lo, length = (Field.RLO, Field.RSIZE) if op == Op.LOAD else (Field.WLO, Field.WSIZE)
        woff = self.let(f"sub i64 {address}, {self.load_field(lo)}")
        wsize = self.load_field(length)
        # off < size and off + n <= size: no overflow, since off < size < 2**63.
        starts = self.let(f"icmp ult i64 {woff}, {wsize}")
        end = self.let(f"add i64 {woff}, {size}")
        fits = self.let(f"icmp ule i64 {end}, {wsize}")
        inside = self.let(f"and i1 {starts}, {fits}")
        self.emit(f"br i1 {inside}, label %{done}, label %{slow}")
        self.start(slow)
        failed = self.let(f"call i32 @pybpf_jit_resolve(ptr %S, i64 {address}, i64 {size}, i64 {pc}, i64 {int(op)})")
        bad = self.let(f"icmp ne i32 {failed}, 0")
        self.emit(f"br i1 {bad}, label %fault, label %{done}")
        self.start(done)
        return address

    def load(self, pc: int, insn: Instruction) -> None:
        size = SIZE_BYTES[insn.opcode & 0x18]
        address = self.address(insn.src, insn.offset)
        address = self.check(pc, address, size, Op.LOAD)
        ptr = self.let(f"inttoptr i64 {address} to ptr")
        value = self.let(f"load i{_BITS[size]}, ptr {ptr}, align 1")
        if size < 8:
            extend = "sext" if insn.opcode & 0xE0 == Mode.MEMSX else "zext"
            value = self.let(f"{extend} i{_BITS[size]} {value} to i64")
        self.set_reg(insn.dst, value)

    def store(self, pc: int, insn: Instruction, size: int, value: str) -> None:
        address = self.address(insn.dst, insn.offset)
        address = self.check(pc, address, size, Op.STORE)
        ptr = self.let(f"inttoptr i64 {address} to ptr")
        if size < 8:
            value = self.let(f"trunc i64 {value} to i{_BITS[size]}")
        self.emit(f"store i{_BITS[size]} {value}, ptr {ptr}, align 1")

    def atomic(self, pc: int, insn: Instruction) -> None:
        """Atomic operations: LLVM atomics when aligned; a misaligned word (which the kernel
        refuses to load, but unverified code may reach) gets a plain read-modify-write, which
        the GIL, held while native code runs, keeps indivisible for other runs."""
        size = SIZE_BYTES[insn.opcode & 0x18]
        ty = f"i{_BITS[size]}"
        address = self.address(insn.dst, insn.offset)
        address = self.check(pc, address, size, Op.ATOMIC)
        ptr = self.let(f"inttoptr i64 {address} to ptr")
        src = self.reg(insn.src)
        if size < 8:
            src = self.let(f"trunc i64 {src} to {ty}")
        expected = None
        if insn.imm == AtomicOp.CMPXCHG:
            expected = self.reg(0)
            if size < 8:
                expected = self.let(f"trunc i64 {expected} to {ty}")
        misaligned = self.let(f"icmp ne i64 {self.let(f'and i64 {address}, {size - 1}')}, 0")
        fast, slow, join = self.label("al"), self.label("unal"), self.label("aj")
        self.emit(f"br i1 {misaligned}, label %{slow}, label %{fast}")
        self.start(fast)
        if expected is not None:
            pair = self.let(f"cmpxchg ptr {ptr}, {ty} {expected}, {ty} {src} seq_cst seq_cst, align {size}")
            old_fast = self.let(f"extractvalue {{ {ty}, i1 }} {pair}, 0")
        else:
            rmw = "xchg" if insn.imm == AtomicOp.XCHG else _RMW[insn.imm & ~FETCH]
            old_fast = self.let(f"atomicrmw {rmw} ptr {ptr}, {ty} {src} seq_cst, align {size}")
        self.emit(f"br label %{join}")
        self.start(slow)
        old_slow = self.let(f"load {ty}, ptr {ptr}, align 1")
        new = self.unaligned_update(insn.imm, ty, old_slow, src, expected)
        self.emit(f"store {ty} {new}, ptr {ptr}, align 1")
        self.emit(f"br label %{join}")
        self.start(join)
        old = self.let(f"phi {ty} [ {old_fast}, %{fast} ], [ {old_slow}, %{slow} ]")
        if size < 8:
            old = self.let(f"zext {ty} {old} to i64")
        if expected is not None:
            self.set_reg(0, old)
        elif insn.imm & FETCH:
            self.set_reg(insn.src, old)

    def unaligned_update(self, imm: int, ty: str, old: str, src: str, expected: str | None) -> str:
        if expected is not None:
            same = self.let(f"icmp eq {ty} {old}, {expected}")
            return self.let(f"select i1 {same}, {ty} {src}, {ty} {old}")
        if imm == AtomicOp.XCHG:
            return src
        return self.let(f"{_RMW[imm & ~FETCH]} {ty} {old}, {src}")

    def lddw(self, pc: int, insn: Instruction) -> None:
        if insn.src == PseudoSrc.FUNC:
            target = insn.jump_target(pc)
            assert target is not None
            base = self.load_field(Field.CODE_BASE)
            self.set_reg(insn.dst, self.let(f"add i64 {base}, {8 * target}"))
        else:
            self.set_reg(insn.dst, str(_signed(insn.imm, 64)))

    def packet_load(self, pc: int, insn: Instruction) -> None:
        """A legacy packet load into r0: network byte order; past the packet the run ends
        with 0. The offset is a signed 32-bit number placed in the frame as
        :func:`~._context.frame_offset` places it."""
        size = SIZE_BYTES[insn.opcode & 0x18]
        bits = _BITS[size]
        offset: str = str(_signed(insn.imm, 32))
        if insn.opcode & 0xE0 == Mode.IND:
            offset = self.let(f"add i64 {self.reg(insn.src)}, {offset}")
        low = self.let(f"trunc i64 {offset} to i32")
        signed = self.let(f"sext i32 {low} to i64")
        # from 0: past the head; from SKF_NET_OFF: past the network header; below: past the
        # MAC header (negative, so refused, below SKF_LL_OFF)
        positive = self.let(f"icmp sge i64 {signed}, 0")
        network = self.let(f"icmp sge i64 {signed}, {SKF_NET_OFF}")
        past_head = self.let(f"add i64 {signed}, {self.load_field(Field.PKT_HEAD)}")
        past_net = self.let(f"add i64 {signed}, {NETWORK_HEADER - SKF_NET_OFF}")
        past_mac = self.let(f"add i64 {signed}, {-SKF_LL_OFF}")
        negative = self.let(f"select i1 {network}, i64 {past_net}, i64 {past_mac}")
        off = self.let(f"select i1 {positive}, i64 {past_head}, i64 {negative}")
        room = self.let(f"sub i64 {self.load_field(Field.PKT_SIZE)}, {size}")
        nonneg = self.let(f"icmp sge i64 {off}, 0")
        fits = self.let(f"icmp sle i64 {off}, {room}")
        inside = self.let(f"and i1 {nonneg}, {fits}")
        ok, out = self.label("pkt"), self.label("nopkt")
        self.emit(f"br i1 {inside}, label %{ok}, label %{out}")
        self.start(out)
        self.fault(Fault.PACKET, pc)
        self.start(ok)
        address = self.let(f"add i64 {self.load_field(Field.PKT_BASE)}, {off}")
        ptr = self.let(f"inttoptr i64 {address} to ptr")
        value = self.let(f"load i{bits}, ptr {ptr}, align 1")
        if size > 1:
            value = self.let(f"call i{bits} @llvm.bswap.i{bits}(i{bits} {value})")
        self.set_reg(0, self.let(f"zext i{bits} {value} to i64") if size < 8 else value)


def used_helpers(insns: Sequence[Instruction]) -> Iterator[int]:
    """The helper ids a program calls directly (what its compiled code depends on)."""
    for insn in insns:
        if insn.opcode == CALL and insn.src == CallSrc.HELPER:
            yield insn.imm


_ALU_OPS = frozenset((*_BINARY, AluOp.NEG, AluOp.MOV, AluOp.DIV, AluOp.MOD, AluOp.END))
_JMP_OPS = frozenset((*_PREDICATES, JmpOp.JSET, JmpOp.JA, JmpOp.CALL, JmpOp.EXIT))
_ATOMIC_IMMS = frozenset((*_RMW, *(op | FETCH for op in _RMW), AtomicOp.XCHG, AtomicOp.CMPXCHG, LOAD_ACQ, STORE_REL))
_MOVSX_OFFSETS = (0, 8, 16, 32)


def first_uncompilable(insns: Sequence[Instruction]) -> int | None:
    """The PC of the first instruction this module cannot translate, or None.

    :func:`pybpf.isa.validate` accepts what the interpreter runs; this is the list of what the
    JIT translates too, written as what it knows (not what it refuses), so an instruction added
    to the interpreter later is uncompilable here until the JIT learns it, and its program
    stays interpreted.
    """
    for pc, insn in iter_pcs(insns):
        if not _compiles(insn):
            return pc
    return None


def _compiles(insn: Instruction) -> bool:
    cls, op, mode = insn.cls, insn.opcode & 0xF0, insn.opcode & 0xE0
    if cls in (Class.ALU, Class.ALU64):
        if op == AluOp.MOV:
            return insn.offset in _MOVSX_OFFSETS
        if op in (AluOp.DIV, AluOp.MOD):
            return insn.offset in (0, 1)
        return op in _ALU_OPS and insn.offset == 0
    if cls in (Class.JMP, Class.JMP32):
        return op in _JMP_OPS or insn.opcode == _MAY_GOTO
    if cls == Class.LD:
        return insn.opcode == LDDW or mode in (Mode.ABS, Mode.IND)
    if cls == Class.LDX:
        return mode in (Mode.MEM, Mode.MEMSX)
    if cls == Class.ST:
        return mode == Mode.MEM
    if mode == Mode.ATOMIC:
        return insn.imm in _ATOMIC_IMMS
    return mode == Mode.MEM
