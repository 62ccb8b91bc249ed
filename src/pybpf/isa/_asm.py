"""An assembler for the uBPF / bpf_conformance text syntax.

This is the syntax of the conformance suite's ``-- asm`` sections and of uBPF's tests::

    # comments start with '#', on their own line or after an instruction
    mov %r0, 0                  # ALU64; "mov32" is the 32-bit form (and "mov64" an alias)
    ldxw %r1, [%r10-4]          # loads and stores: [register+offset]
    jne %r1, 0x5, done          # jumps: a label, or a relative offset such as +3 or -2
    lock fetch add [%r10-8], %r1
    call local func             # also "call 5" (helper), "call runtime 7" (kfunc), "call %r2"
    done:
    exit

Numbers are decimal or ``0x`` hex. A 32-bit immediate is a signed decimal or a hex pattern of
up to 32 bits (``0xffffffff`` is -1); a 16-bit offset likewise. ``lddw`` takes any 64-bit value
and may name a pseudo source before it (``lddw %r1, map_fd 3``, ``lddw %r1, func callback``).
When no label is called ``exit``, the name refers to the first ``exit`` instruction, as the
conformance suite expects.

Errors name the 1-based source line; the assembled program is then checked with
:func:`~pybpf.isa.validate`, whose complaints are reported at the line of the instruction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from ._errors import AsmError, InstructionError
from ._instruction import CALL, CALLX, EXIT, LDDW, MAX_REG, Instruction, validate
from ._opcodes import FETCH, AluOp, AtomicOp, CallSrc, Class, JmpOp, Mode, PseudoSrc, Size, Source

__all__ = ["assemble"]

_Field = Literal["offset", "imm", "imm64"]


class _LineError(Exception):
    """A problem in one source line; :func:`assemble` adds the line number."""


@dataclass(frozen=True, slots=True)
class _Pending:
    """An instruction whose jump distance may still wait for a label.

    ``field`` says where the distance goes: the 16-bit offset, the 32-bit immediate, or the low
    half of a ``lddw`` immediate.
    """

    insn: Instruction
    label: str | None = None
    field: _Field = "offset"


_Encoder = Callable[[str, list[str]], _Pending]

_REGISTER = re.compile(r"%r(\d+)")
_NUMBER = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)")
_MEMORY = re.compile(r"\[(%r\w+)(?:([+-])(\w+))?\]")
_LABEL = re.compile(r"[A-Za-z_.$][\w.$]*")
_BRACKETS = re.compile(r"\[[^\]]*\]")

# --- operands -----------------------------------------------------------------------------------


def _register(text: str) -> int:
    match = _REGISTER.fullmatch(text)
    if match is None or int(match[1]) > MAX_REG:
        raise _LineError(f"invalid register '{text}'")
    return int(match[1])


def _parse_number(text: str, what: str) -> tuple[int, bool]:
    """The value of a decimal or ``0x`` hex number, and whether it is hex without a minus sign."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise _LineError(f"invalid {what} '{text}'")
    sign, digits = match.groups()
    is_hex = digits[:2].lower() == "0x"
    value = int(digits, 16 if is_hex else 10)
    return (-value if sign == "-" else value), is_hex and sign != "-"


def _number(text: str, bits: int, what: str) -> int:
    """Parse a number that must fit ``bits`` bits, returning its signed two's-complement value.

    Unsigned hex may use the whole width (``0xffff`` is a valid offset, meaning -1), because the
    conformance suite writes bit patterns that way; decimal, or hex with a minus sign, must fit
    the signed range.
    """
    value, unsigned = _parse_number(text, what)
    half = 1 << (bits - 1)
    low, high = (0, 2 * half) if unsigned else (-half, half)
    if not low <= value < high:
        raise _LineError(f"{what} {text} out of range")
    return value - 2 * half if value >= half else value


def _imm32(text: str) -> int:
    return _number(text, 32, "immediate")


def _imm64(text: str) -> int:
    """A ``lddw`` value: anything from -2**63 to 2**64 - 1, stored as the unsigned pattern."""
    value, _ = _parse_number(text, "immediate")
    if not -(1 << 63) <= value < 1 << 64:
        raise _LineError(f"immediate {text} out of range")
    return value & 0xFFFFFFFFFFFFFFFF


def _memory(text: str) -> tuple[int, int]:
    """``[%rN]``, ``[%rN+off]`` or ``[%rN-off]`` as (register, offset)."""
    match = _MEMORY.fullmatch(text)
    if match is None:
        raise _LineError(f"invalid memory operand '{text}'")
    reg, sign, magnitude = match.groups()
    offset = _number(sign + magnitude, 16, "offset") if sign else 0
    return _register(reg), offset


def _target(text: str, bits: int) -> tuple[int, str | None]:
    """A jump target: a relative distance (``+3``, ``-2``) or a label to resolve later."""
    if text[:1] in "+-":
        return _number(text, bits, "offset" if bits == 16 else "immediate"), None
    if _LABEL.fullmatch(text) is None:
        raise _LineError(f"invalid jump target '{text}'")
    return 0, text


def _expect(mnemonic: str, operands: list[str], count: int) -> None:
    if len(operands) != count:
        raise _LineError(f"wrong number of operands for {mnemonic}")


# --- encoders, one per family of mnemonics ------------------------------------------------------


def _alu_class(suffix: str) -> Class:
    return Class.ALU if suffix == "32" else Class.ALU64


def _binary_alu(op: AluOp, offset: int, cls: Class) -> _Encoder:
    """Two-operand arithmetic; the second operand picks the source (register or immediate)."""

    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 2)
        dst = _register(ops[0])
        if ops[1].startswith("%"):
            return _Pending(Instruction(cls | Source.X | op, dst, _register(ops[1]), offset))
        return _Pending(Instruction(cls | Source.K | op, dst, 0, offset, _imm32(ops[1])))

    return encode


def _unary_alu(opcode: int, imm: int) -> _Encoder:
    """``neg`` and the byte swaps, whose only operand is the destination."""

    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 1)
        return _Pending(Instruction(opcode, _register(ops[0]), imm=imm))

    return encode


def _movsx(cls: Class, offset: int) -> _Encoder:
    """Sign-extending moves, whose source width is encoded in the offset (v4)."""

    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 2)
        dst, src = _register(ops[0]), _register(ops[1])
        return _Pending(Instruction(cls | Source.X | AluOp.MOV, dst, src, offset))

    return encode


_PSEUDO = {src.name.lower(): int(src) for src in PseudoSrc}  # "map_fd" -> 1, ...


def _lddw(mnemonic: str, ops: list[str]) -> _Pending:
    """``lddw %rD, value`` or ``lddw %rD, <pseudo source> value``."""
    if len(ops) not in (2, 3):
        raise _LineError(f"wrong number of operands for {mnemonic}")
    dst = _register(ops[0])
    if len(ops) == 2:
        return _Pending(Instruction(LDDW, dst, imm=_imm64(ops[1])))
    kind, value = ops[1], ops[2]
    src = _PSEUDO.get(kind)
    if src is None:
        raise _LineError(f"unknown lddw source '{kind}'")
    if src == PseudoSrc.FUNC and (value[:1] in "+-" or _NUMBER.fullmatch(value) is None):
        # A subprogram's address: a label or a relative distance, as for "call local".
        distance, label = _target(value, 32)
        return _Pending(Instruction(LDDW, dst, src, imm=distance & 0xFFFFFFFF), label, "imm64")
    return _Pending(Instruction(LDDW, dst, src, imm=_imm64(value)))


def _load(opcode: int) -> _Encoder:
    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 2)
        dst = _register(ops[0])
        src, offset = _memory(ops[1])
        return _Pending(Instruction(opcode, dst, src, offset))

    return encode


def _store_imm(opcode: int) -> _Encoder:
    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 2)
        dst, offset = _memory(ops[0])
        return _Pending(Instruction(opcode, dst, 0, offset, _imm32(ops[1])))

    return encode


def _store_reg(opcode: int) -> _Encoder:
    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 2)
        dst, offset = _memory(ops[0])
        return _Pending(Instruction(opcode, dst, _register(ops[1]), offset))

    return encode


def _load_abs(size: Size) -> _Encoder:
    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 1)
        return _Pending(Instruction(Class.LD | Mode.ABS | size, imm=_imm32(ops[0])))

    return encode


def _load_ind(size: Size) -> _Encoder:
    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 2)
        src = _register(ops[0])
        return _Pending(Instruction(Class.LD | Mode.IND | size, 0, src, imm=_imm32(ops[1])))

    return encode


def _cond_jump(cls: Class, op: JmpOp) -> _Encoder:
    def encode(mnemonic: str, ops: list[str]) -> _Pending:
        _expect(mnemonic, ops, 3)
        dst = _register(ops[0])
        offset, label = _target(ops[2], 16)
        if ops[1].startswith("%"):
            insn = Instruction(cls | Source.X | op, dst, _register(ops[1]), offset)
        else:
            insn = Instruction(cls | Source.K | op, dst, 0, offset, _imm32(ops[1]))
        return _Pending(insn, label)

    return encode


def _ja(mnemonic: str, ops: list[str]) -> _Pending:
    _expect(mnemonic, ops, 1)
    offset, label = _target(ops[0], 16)
    return _Pending(Instruction(Class.JMP | JmpOp.JA, offset=offset), label)


def _ja32(mnemonic: str, ops: list[str]) -> _Pending:
    """The long jump (``gotol``): its distance lives in the 32-bit immediate."""
    _expect(mnemonic, ops, 1)
    distance, label = _target(ops[0], 32)
    return _Pending(Instruction(Class.JMP32 | JmpOp.JA, imm=distance), label, "imm")


def _call(mnemonic: str, ops: list[str]) -> _Pending:
    """``call N``, ``call helper N``, ``call local target``, ``call runtime N``, ``call %rN``."""
    if len(ops) == 1 and ops[0].startswith("%"):
        return _Pending(Instruction(CALLX, _register(ops[0])))
    if len(ops) == 1:
        ops = ["helper", ops[0]]
    _expect(mnemonic, ops, 2)
    kind, target = ops
    if kind == "helper":
        return _Pending(Instruction(CALL, 0, CallSrc.HELPER, imm=_imm32(target)))
    if kind == "runtime":
        return _Pending(Instruction(CALL, 0, CallSrc.KFUNC, imm=_imm32(target)))
    if kind == "local":
        distance, label = _target(target, 32)
        return _Pending(Instruction(CALL, 0, CallSrc.LOCAL, imm=distance), label, "imm")
    raise _LineError(f"unknown call kind '{kind}'")


def _exit(mnemonic: str, ops: list[str]) -> _Pending:
    _expect(mnemonic, ops, 0)
    return _Pending(Instruction(EXIT))


_ATOMIC_OPS = {
    "add": AtomicOp.ADD, "and": AtomicOp.AND, "or": AtomicOp.OR, "xor": AtomicOp.XOR,
    "xchg": AtomicOp.XCHG, "cmpxchg": AtomicOp.CMPXCHG,
}  # fmt: skip


def _lock(mnemonic: str, ops: list[str]) -> _Pending:
    """``lock [fetch] add|and|or|xor[32] [%rD+off], %rS`` and ``lock xchg|cmpxchg[32] ...``."""
    fetch = bool(ops) and ops[0] == "fetch"
    words = ops[1:] if fetch else ops
    if len(words) != 3:
        raise _LineError(f"wrong number of operands for {mnemonic}")
    name, where, source = words
    size = Size.W if name.endswith("32") else Size.DW
    op = _ATOMIC_OPS.get(name.removesuffix("32"))
    if op is None:
        raise _LineError(f"unknown atomic operation '{name}'")
    dst, offset = _memory(where)
    imm = op | FETCH if fetch else op  # xchg and cmpxchg carry FETCH already
    return _Pending(
        Instruction(Class.STX | Mode.ATOMIC | size, dst, _register(source), offset, imm)
    )


def _build_table() -> dict[str, _Encoder]:
    table: dict[str, _Encoder] = {}
    signed = {"sdiv": AluOp.DIV, "smod": AluOp.MOD}
    for suffix in ("", "32", "64"):
        cls = _alu_class(suffix)
        for op in AluOp:
            if op not in (AluOp.NEG, AluOp.END):
                table[op.name.lower() + suffix] = _binary_alu(op, 0, cls)
        for name, op in signed.items():
            table[name + suffix] = _binary_alu(op, 1, cls)
        table["neg" + suffix] = _unary_alu(cls | AluOp.NEG, 0)
    for width in (16, 32, 64):
        table[f"le{width}"] = _unary_alu(Class.ALU | Source.K | AluOp.END, width)
        table[f"be{width}"] = _unary_alu(Class.ALU | Source.X | AluOp.END, width)
        table[f"swap{width}"] = _unary_alu(Class.ALU64 | Source.K | AluOp.END, width)
        table[f"bswap{width}"] = table[f"swap{width}"]
    for bits, cls_name in ((8, "32"), (16, "32"), (8, "64"), (16, "64"), (32, "64")):
        table[f"movsx{bits}{cls_name}"] = _movsx(_alu_class(cls_name), bits)
    table["lddw"] = _lddw
    sizes = {"b": Size.B, "h": Size.H, "w": Size.W, "dw": Size.DW}
    for name, size in sizes.items():
        table["ldx" + name] = _load(Class.LDX | Mode.MEM | size)
        table["st" + name] = _store_imm(Class.ST | Mode.MEM | size)
        table["stx" + name] = _store_reg(Class.STX | Mode.MEM | size)
        if size != Size.DW:
            table["ldxs" + name] = _load(Class.LDX | Mode.MEMSX | size)
            table["ldabs" + name] = _load_abs(size)
            table["ldind" + name] = _load_ind(size)
    for jop in JmpOp:
        if jop not in (JmpOp.JA, JmpOp.CALL, JmpOp.EXIT):
            table[jop.name.lower()] = _cond_jump(Class.JMP, jop)
            table[jop.name.lower() + "32"] = _cond_jump(Class.JMP32, jop)
    table.update(ja=_ja, ja32=_ja32, call=_call, exit=_exit, lock=_lock)
    return table


_MNEMONICS = _build_table()

# --- the two passes -----------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Split a line (comment already removed) into words; spaces inside brackets do not count."""
    text = _BRACKETS.sub(lambda m: re.sub(r"\s+", "", m[0]), text)
    return [word for word in re.split(r"[\s,]+", text) if word]


def _parse_line(words: list[str]) -> _Pending:
    mnemonic, operands = words[0], words[1:]
    encoder = _MNEMONICS.get(mnemonic)
    if encoder is None:
        raise _LineError(f"unknown mnemonic '{mnemonic}'")
    return encoder(mnemonic, operands)


@dataclass
class _Program:
    """What the first pass collects: instructions with their PCs and lines, and the labels."""

    pending: list[tuple[int, int, _Pending]]  # (pc, line, instruction)
    labels: dict[str, int]  # name -> pc
    pc: int = 0


def _first_pass(text: str) -> _Program:
    """Parse every line and note where labels point; distances wait until all labels are known."""
    program = _Program([], {})
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            words = _tokens(raw.split("#", 1)[0])
            while words and words[0].endswith(":"):
                name = words.pop(0)[:-1]
                if _LABEL.fullmatch(name) is None:
                    raise _LineError(f"invalid label '{name}'")
                if name in program.labels:
                    raise _LineError(f"duplicate label '{name}'")
                program.labels[name] = program.pc
            if not words:
                continue
            pending = _parse_line(words)
        except _LineError as err:
            raise AsmError(f"{err} at line {number}", line=number) from None
        program.pending.append((program.pc, number, pending))
        program.pc += pending.insn.width
    return program


def _resolve(pc: int, line: int, pending: _Pending, labels: dict[str, int]) -> Instruction:
    """Fill in a label's distance, counted from the slot after ``pc`` as the ISA counts it."""
    if pending.label is None:
        return pending.insn
    target = labels.get(pending.label)
    if target is None:
        raise AsmError(f"undefined label '{pending.label}' at line {line}", line=line)
    distance = target - pc - 1
    if pending.field == "offset":
        if not -(1 << 15) <= distance < 1 << 15:
            raise AsmError(f"jump to '{pending.label}' out of range at line {line}", line=line)
        return replace(pending.insn, offset=distance)
    if pending.field == "imm":
        return replace(pending.insn, imm=distance)
    return replace(pending.insn, imm=distance & 0xFFFFFFFF)


def _first_exit(program: _Program) -> int | None:
    """Where the implicit ``exit`` label points: bpf_conformance programs jump to it."""
    for pc, _, pending in program.pending:
        if pending.insn.opcode == EXIT:
            return pc
    return None


def _check(insns: list[Instruction], lines: dict[int, int]) -> None:
    """Run :func:`validate`, reporting its complaint at the source line of the instruction."""
    try:
        validate(insns)
    except InstructionError as err:
        if err.pc is None:
            raise AsmError(str(err)) from err
        line = lines[err.pc]
        message = re.sub(r" at PC \d+$", "", str(err))
        raise AsmError(f"{message} at line {line}", line=line) from err


def assemble(text: str) -> list[Instruction]:
    """Assemble a program written in the uBPF / bpf_conformance syntax.

    >>> [str(insn) for insn in assemble("mov %r0, 1\\nexit")]
    ['r0 = 1', 'exit']

    Args:
        text: the program; see the module documentation for the syntax.

    Returns:
        The instructions, checked with :func:`~pybpf.isa.validate`.

    Raises:
        AsmError: the text is not a valid program. The message ends with the 1-based line
            ("unknown mnemonic 'ldxq' at line 2"), which is also in ``.line``, except for a
            program with no instructions at all ("empty program").
    """
    program = _first_pass(text)
    labels = dict(program.labels)
    if "exit" not in labels:
        first_exit = _first_exit(program)
        if first_exit is not None:
            labels["exit"] = first_exit
    insns = [_resolve(pc, line, pending, labels) for pc, line, pending in program.pending]
    _check(insns, {pc: line for pc, line, _ in program.pending})
    return insns
