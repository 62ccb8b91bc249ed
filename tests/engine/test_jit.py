"""The JIT against the interpreter (the reference) on every operation, and what only the JIT
has: compiled code shared and cached, and faults raised through native frames."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf import BpfRuntimeError, OutOfBoundsError
from pybpf.engine import ExecContext, Interpreter, Region
from pybpf.isa import Instruction, assemble

pytest.importorskip("llvmlite")

from pybpf.engine._jit import Jit, is_cached

M64 = (1 << 64) - 1
u64 = st.integers(0, M64) | st.sampled_from([0, 1, M64, 1 << 63, (1 << 63) - 1, 0xFFFF_FFFF, 1 << 31])
OPS = ["add", "sub", "mul", "div", "mod", "sdiv", "smod", "or", "and", "xor", "lsh", "rsh", "arsh", "neg",
       "mov", "movsx864", "movsx1664", "movsx3264", "be16", "be32", "be64", "le16", "le32", "le64",
       "bswap16", "bswap32", "bswap64"]
JUMPS = ["jeq", "jne", "jgt", "jge", "jlt", "jle", "jset", "jsgt", "jsge", "jslt", "jsle"]


def _source(op: str, wide: bool) -> str:
    if op.startswith(("be", "le", "bswap")):
        return f"mov %r0, %r1\n{op} %r0\nexit"
    if op == "neg":
        return f"mov %r0, %r1\nneg{'' if wide else '32'} %r0\nexit"
    if op.startswith("movsx"):
        narrow = op[:-2] + "32" if op != "movsx3264" else op  # movsx32 has only a 64-bit form
        return f"{op if wide else narrow} %r0, %r1\nexit"
    return f"mov %r0, %r1\n{op}{'' if wide else '32'} %r0, %r2\nexit"


@functools.cache
def _pair(source: str) -> tuple[Interpreter, Jit]:
    insns = assemble(source)
    return Interpreter(insns), Jit(insns)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(OPS), a=u64, b=u64, wide=st.booleans())
def test_every_alu_operation_agrees_with_the_interpreter(op: str, a: int, b: int, wide: bool) -> None:
    interp, jit = _pair(_source(op, wide))
    assert jit.run(a, b) == interp.run(a, b)


@settings(max_examples=150, deadline=None)
@given(op=st.sampled_from(JUMPS), a=u64, b=u64, wide=st.booleans())
def test_every_jump_agrees_with_the_interpreter(op: str, a: int, b: int, wide: bool) -> None:
    interp, jit = _pair(f"mov %r0, 1\n{op}{'' if wide else '32'} %r1, %r2, +1\nmov %r0, 0\nexit")
    assert jit.run(a, b) == interp.run(a, b)


def test_a_fault_inside_a_callback_reaches_the_caller_through_native_frames() -> None:
    # r1 = the callback's address; the helper calls it back, and the callback reads nowhere.
    insns = assemble("lddw %r1, 0\nmov %r0, 0\ncall 1\nexit\ncb:\nldxdw %r0, [%r1+0]\nexit")
    insns[0] = insns[0].__class__(0x18, dst=1, src=4, imm=4)  # cb: PC 5

    def callback_caller(ctx: ExecContext, address: int, *_: int) -> int:
        return int(ctx.engine.call_nested(ctx, ctx.engine.function_at(address), 8, 0, 0, 0, 0))

    with pytest.raises(OutOfBoundsError, match=r"^load of 8 bytes at 0x8 in out-of-bounds memory at PC 5$"):
        Jit(insns, helpers={1: callback_caller}).run()


def test_a_helper_error_surfaces_unchanged() -> None:
    def broken(ctx: ExecContext, *_: int) -> int:
        raise BpfRuntimeError("helper says no")

    with pytest.raises(BpfRuntimeError, match=r"^helper says no$"):
        Jit(assemble("call 3\nexit"), helpers={3: broken}).run()


def test_a_window_is_forgotten_when_a_helper_returns() -> None:
    # The first load caches the region's window; the helper then drops the region from the
    # run, and the same load must be refused, not served from the stale window.
    mem = Region.from_bytes(b"\x07" * 8, "mem")

    def hide(ctx: ExecContext, *_: int) -> int:
        ctx.private = ()
        return 0

    prog = Jit(assemble("mov %r6, %r1\nldxb %r0, [%r6+0]\ncall 2\nldxb %r0, [%r6+1]\nexit"), helpers={2: hide})
    with pytest.raises(OutOfBoundsError, match=r"at PC 3$"):
        prog.run(mem.base, regions=[mem])


def test_compiled_code_is_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_JIT_CACHE", str(tmp_path))
    insns = assemble("mov %r0, 12345\nadd %r0, 67890\nexit")
    assert not is_cached(insns, {})
    assert Jit(insns).run() == 80235
    assert is_cached(insns, {})
    assert len(list(tmp_path.glob("*.o"))) == 1


def test_checks_are_left_out_only_where_the_verifier_proved_a_frame_access() -> None:
    prog = Jit(assemble("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nldxdw %r0, [%r1+0]\nexit"), in_frame={0, 1})
    with pytest.raises(OutOfBoundsError, match=r"^load of 8 bytes at 0x8 in out-of-bounds memory at PC 2$"):
        prog.run(8)
    mem = Region.from_bytes((42).to_bytes(8, "little"), "mem")
    assert prog.run(mem.base, regions=[mem]) == 42
    assert Jit(assemble("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit"), in_frame={0, 1}).run() == 5


@pytest.mark.parametrize(
    ("pointer", "lands_at"),
    [("add %r2, 8", -504), ("add %r2, -520", -8), ("add %r2, -3", -8)],
    ids=["above.frame", "below.frame", "misaligned"],
)
def test_a_wrong_frame_proof_keeps_the_access_inside_the_frame(pointer: str, lands_at: int) -> None:
    # The store's pointer is outside the frame (or misaligned), but claimed in it: the mask
    # (the offset from the frame's bottom AND 512 - 8) moves it into the frame.
    program = assemble(f"mov %r2, %r10\n{pointer}\nstdw [%r2+0], 7\nldxdw %r0, [%r10{lands_at}]\nexit")
    assert Jit(program, in_frame={2}).run() == 7
    with pytest.raises(OutOfBoundsError, match=r"^store of 8 bytes at 0x[0-9a-f]+ in .* at PC 2$"):
        Jit(program).run()


def test_a_wrong_frame_proof_never_reaches_another_region() -> None:
    mem = Region.from_bytes(bytes(8), "mem")
    prog = Jit(assemble("stdw [%r1+0], 7\nldxdw %r0, [%r1+0]\nexit"), in_frame={0, 1})
    assert prog.run(mem.base, regions=[mem]) == 7  # somewhere in the frame
    assert bytes(mem.buf) == bytes(8)


def test_the_first_instruction_the_jit_cannot_translate_is_named() -> None:
    from pybpf.engine._irgen import first_uncompilable

    program = assemble("mov %r0, 0\nexit")
    assert first_uncompilable(program) is None
    assert first_uncompilable([program[0], Instruction(0xE5), program[1]]) is None  # may_goto
    not_an_instruction = Instruction(0xE6)  # JMP32 | JCOND: may_goto has no 32-bit form
    assert first_uncompilable([program[0], not_an_instruction, program[1]]) == 1


# r0 counts the iterations of a loop that may_goto ends once the run's loop budget is spent.
MAY_GOTO_LOOP = [
    Instruction(0xB7, dst=0),  # r0 = 0
    Instruction(0xE5, offset=2),  # may_goto +2 (to exit)
    Instruction(0x07, dst=0, imm=1),  # r0 += 1
    Instruction(0x05, offset=-3),  # goto the may_goto
    Instruction(0x95),
]


def test_may_goto_jumps_once_the_runs_loop_budget_is_spent() -> None:
    from pybpf.engine._context import MAY_GOTO_BUDGET

    prog = Jit(MAY_GOTO_LOOP)
    assert prog.run() == MAY_GOTO_BUDGET  # BPF_MAX_LOOPS iterations, then the jump
    assert prog.run() == MAY_GOTO_BUDGET  # the budget is per run
    assert prog.last_instruction_count == 3 * MAY_GOTO_BUDGET + 3


def test_may_goto_shares_one_budget_with_the_callbacks_of_the_run() -> None:
    from pybpf.engine._context import MAY_GOTO_BUDGET

    program = [
        Instruction(0x18, dst=1, src=4, imm=9),  # r1 = the callback at PC 10 (lddw of a function)
        Instruction(0x85, imm=1),  # call helper 1: runs the callback twice
        Instruction(0xBF, dst=6, src=0),  # r6 = r0
        Instruction(0xB7, dst=0),  # r0 = 0
        Instruction(0xE5, offset=2),  # may_goto +2 (to r0 += r6)
        Instruction(0x07, dst=0, imm=1),  # r0 += 1
        Instruction(0x05, offset=-3),  # goto the may_goto
        Instruction(0x0F, dst=0, src=6),  # r0 += r6
        Instruction(0x95),
        *MAY_GOTO_LOOP,
    ]

    def twice(ctx: ExecContext, fn: int, *_: int) -> int:
        entry = ctx.engine.function_at(fn)
        return sum(int(ctx.engine.call_nested(ctx, entry, 0, 0, 0, 0, 0)) for _ in range(2))

    # The first callback spends the whole budget: the second and the main loop get none.
    assert Jit(program, helpers={1: twice}).run() == MAY_GOTO_BUDGET


def test_load_acquire_and_store_release_agree_with_the_interpreter() -> None:

    program = [
        Instruction(0xB7, dst=1, imm=0x1234),
        Instruction(0x7B, dst=10, src=1, offset=-8),  # *(u64 *)(r10 - 8) = r1
        Instruction(0xD3, dst=10, src=1, offset=-7, imm=0x110),  # store_release((u8 *)(r10 - 7), r1)
        Instruction(0xDB, dst=0, src=10, offset=-8, imm=0x100),  # r0 = load_acquire((u64 *)(r10 - 8))
        Instruction(0x95),
    ]
    assert Jit(program).run() == Interpreter(program).run() == 0x3434


@pytest.mark.parametrize("budget", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 40, 41, 42])
def test_a_loops_lone_goto_is_charged_as_its_own_block(budget: int) -> None:
    from pybpf.engine import InstructionLimitError

    # Blocks: [0], [1, 2], [3] (the lone goto, charged with its target), [4].
    program = assemble("mov %r0, 0\nloop:\nadd %r0, 1\njeq %r0, 20, +1\nja loop\nexit")
    outcomes = []
    for engine in (Jit(program, max_instructions=budget), Interpreter(program, max_instructions=budget)):
        try:
            outcome: object = (engine.run(), engine.last_instruction_count)
        except InstructionLimitError as err:
            outcome = ("budget", err.pc)
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]
