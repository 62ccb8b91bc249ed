"""The verifier's structural pass: every rule with the kernel's message, each case also loaded
into the live kernel (kernel-marked) so that the table cannot drift from what the kernel says."""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Sequence

import pytest

from kernel import _libbpf
from pybpf._spec import ProgType
from pybpf.isa import Instruction, decode
from pybpf.verifier import (
    CallbackKind,
    Structure,
    VerifierError,
    VerifyInput,
    check_stack_depth,
    check_structure,
    estimate_stack_depths,
)
from pybpf.verifier import verify as interpret

Slot = tuple[int, int, int, int, int]  # opcode, dst, src, offset, imm: one 8-byte slot

EXIT: Slot = (0x95, 0, 0, 0, 0)
R0_0: Slot = (0xB7, 0, 0, 0, 0)
LDDW_1: list[Slot] = [(0x18, 0, 0, 0, 1), (0, 0, 0, 0, 0)]


def call(distance: int) -> Slot:
    return (0x85, 0, 1, 0, distance)


def helper(helper_id: int) -> Slot:
    return (0x85, 0, 0, 0, helper_id)


def ja(distance: int) -> Slot:
    return (0x05, 0, 0, distance, 0)


def jeq_r0(value: int, distance: int) -> Slot:
    return (0x15, 0, 0, distance, value)


def stack_store(depth: int) -> Slot:
    return (0x7A, 10, 0, -depth, 0)  # *(u64 *)(r10 - depth) = 0


def chain(n: int, depth: int = 0) -> list[Slot]:
    """Main and n - 1 subprograms, each calling the next, each using ``depth`` bytes."""
    out: list[Slot] = []
    for i in range(n):
        out += [stack_store(depth)] if depth else []
        out += [call(1), EXIT] if i < n - 1 else [R0_0, EXIT]
    return out


def bpf_loop_with_callback(main_depth: int, callback_depth: int) -> list[Slot]:
    return [
        stack_store(main_depth),
        (0xB7, 1, 0, 0, 1),  # r1 = 1
        (0x18, 2, 4, 0, 6), (0, 0, 0, 0, 0),  # r2 = the callback, at PC 9
        (0xB7, 3, 0, 0, 0),
        (0xB7, 4, 0, 0, 0),
        helper(181),  # bpf_loop
        R0_0,
        EXIT,
        stack_store(callback_depth),  # the callback, at pc 9
        R0_0,
        EXIT,
    ]


def many_subprograms(n: int) -> list[Slot]:
    """A main program calling n subprograms in turn."""
    calls = [call(n - i + 2 * i) for i in range(n)]  # the i-th call lands on subprogram i
    return calls + [EXIT] + [R0_0, EXIT] * n


def encode(slots: Sequence[Slot]) -> bytes:
    return b"".join(struct.pack("<BBhi", op, src << 4 | dst, off, imm) for op, dst, src, off, imm in slots)


def verify(code: bytes, prog_type: ProgType = ProgType.SOCKET_FILTER) -> Structure:
    """The structural pass as the loader runs it, with stack depths read from the code, and
    between the two the paths, whose calls meet the frame limit."""
    insns = decode(code, check=False)
    structure = check_structure(insns)
    interpret(insns, VerifyInput(prog_type))
    check_stack_depth(structure, estimate_stack_depths(structure), prog_type=prog_type)
    return structure


#: (id, program, program type, the kernel's verdict: None when it accepts)
CASES: list[tuple[str, list[Slot], ProgType, str | None]] = [
    ("minimal", [R0_0, EXIT], ProgType.SOCKET_FILTER, None),
    ("falls-off-the-end", [R0_0], ProgType.SOCKET_FILTER, "last insn is not an exit or jmp"),
    ("ends-in-a-conditional", [R0_0, jeq_r0(0, -2)], ProgType.SOCKET_FILTER, "last insn is not an exit or jmp"),
    ("ends-in-lddw", [R0_0, ja(2), *LDDW_1], ProgType.SOCKET_FILTER, "jump out of range from insn 1 to 4"),
    ("jump-past-the-end", [ja(5), R0_0, EXIT], ProgType.SOCKET_FILTER, "jump out of range from insn 0 to 6"),
    ("jump-before-the-start", [ja(-5), R0_0, EXIT], ProgType.SOCKET_FILTER, "jump out of range from insn 0 to -4"),
    (
        "jump-into-another-subprogram",
        [R0_0, jeq_r0(0, 1), call(1), EXIT, R0_0, call(-3), EXIT],
        ProgType.SOCKET_FILTER,
        "jump out of range from insn 1 to 3",
    ),
    ("unreachable", [R0_0, EXIT, R0_0, EXIT], ProgType.SOCKET_FILTER, "unreachable insn 2"),
    (
        "jump-into-lddw",
        [R0_0, jeq_r0(0, 1), *LDDW_1, EXIT],
        ProgType.SOCKET_FILTER,
        "jump into the middle of ldimm64 insn 2",
    ),
    (
        "unknown-opcode-in-dead-code",
        [R0_0, ja(1), (0xFF, 0, 0, 0, 0), EXIT],
        ProgType.SOCKET_FILTER,
        "unknown opcode ff",
    ),
    ("callx", [R0_0, (0x8D, 1, 0, 0, 0), EXIT], ProgType.SOCKET_FILTER, "unknown opcode 8d"),
    (
        "ldx-reserved-in-dead-code",
        [R0_0, ja(1), (0x61, 0, 1, 0, 5), EXIT],
        ProgType.SOCKET_FILTER,
        "BPF_LDX uses reserved fields",
    ),
    ("lddw-truncated", [R0_0, EXIT, (0x18, 0, 0, 0, 1)], ProgType.SOCKET_FILTER, "last insn is not an exit or jmp"),
    (
        "lddw-bad-second-half",
        [(0x18, 0, 0, 0, 1), R0_0, EXIT],
        ProgType.SOCKET_FILTER,
        "invalid bpf_ld_imm64 insn",
    ),
    (
        "lddw-second-half-with-registers",
        [(0x18, 0, 0, 0, 1), (0, 1, 0, 0, 0), R0_0, EXIT],
        ProgType.SOCKET_FILTER,
        "invalid bpf_ld_imm64 insn",
    ),
    (
        "lddw-unknown-source",
        [(0x18, 0, 7, 0, 1), (0, 0, 0, 0, 0), R0_0, EXIT],
        ProgType.SOCKET_FILTER,
        "unrecognized bpf_ld_imm64 insn",
    ),
    ("call-past-the-end", [call(100), R0_0, EXIT], ProgType.SOCKET_FILTER, "call to invalid destination"),
    ("call-before-the-start", [call(-5), R0_0, EXIT], ProgType.SOCKET_FILTER, "call to invalid destination"),
    (
        "callback-past-the-end",
        [(0x18, 2, 4, 0, 100), (0, 0, 0, 0, 0), R0_0, EXIT],
        ProgType.SOCKET_FILTER,
        "call to invalid destination",
    ),
    ("subprogram-falls-off", [call(1), EXIT, R0_0], ProgType.SOCKET_FILTER, "last insn is not an exit or jmp"),
    (
        "subprogram-runs-into-the-next",
        [R0_0, *LDDW_1, call(-3), EXIT],
        ProgType.SOCKET_FILTER,
        "last insn is not an exit or jmp",
    ),
    ("jump-over-a-subprogram", [R0_0, ja(1), call(1), EXIT, R0_0, EXIT], ProgType.SOCKET_FILTER, "unreachable insn 2"),
    ("may-goto-passes-structure", [R0_0, (0xE5, 0, 0, 0, 0), EXIT], ProgType.SOCKET_FILTER, None),
    ("255-subprograms", many_subprograms(255), ProgType.SOCKET_FILTER, None),
    ("256-subprograms", many_subprograms(256), ProgType.SOCKET_FILTER, "too many subprograms"),
    ("eight-frames", chain(8), ProgType.SOCKET_FILTER, None),
    ("nine-frames", chain(9), ProgType.SOCKET_FILTER, "the call stack of 9 frames is too deep"),
    ("recursion", [call(-1), EXIT], ProgType.SOCKET_FILTER, "the call stack of 9 frames is too deep"),
    ("two-calls-of-256-bytes", chain(2, 256), ProgType.SOCKET_FILTER, None),
    (
        "three-calls-of-256-bytes",
        chain(3, 256),
        ProgType.SOCKET_FILTER,
        "combined stack size of 3 calls is 768. Too large",
    ),
    (
        "depths-round-up-to-16",
        chain(8, 72),
        ProgType.SOCKET_FILTER,
        "combined stack size of 7 calls is 560. Too large",
    ),
    ("eight-calls-of-64-bytes", chain(8, 64), ProgType.SOCKET_FILTER, None),
    ("kprobe-has-no-private-stacks", chain(3, 256), ProgType.KPROBE, "combined stack size of 3 calls is 768. Too large"),
    ("perf-event-has-private-stacks", chain(3, 256), ProgType.PERF_EVENT, None),
    ("perf-event-nine-frames", chain(9, 48), ProgType.PERF_EVENT, "the call stack of 9 frames is too deep"),
]


@pytest.mark.parametrize(("program", "prog_type", "verdict"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_structural_rule(program: list[Slot], prog_type: ProgType, verdict: str | None) -> None:
    if verdict is None:
        verify(encode(program), prog_type)
        return
    with pytest.raises(VerifierError) as err:
        verify(encode(program), prog_type)
    assert str(err.value) == verdict


@pytest.mark.kernel
@pytest.mark.parametrize(("program", "prog_type", "verdict"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_kernel_gives_the_same_verdict(program: list[Slot], prog_type: ProgType, verdict: str | None) -> None:
    if not _libbpf.available():
        pytest.skip(f"kernel oracle unavailable: {_libbpf.unavailable_reason()}")
    loaded = _libbpf.load_raw(encode(program), prog_type)
    assert (loaded.message if loaded.errno else None) == verdict, loaded.log


PRE_INTERPRETATION = [c for c in CASES if c[3] is not None and "stack" not in c[3] and "frames" not in c[3]]


@pytest.mark.kernel
@pytest.mark.parametrize(
    "program", [c[1] for c in PRE_INTERPRETATION], ids=[c[0] for c in PRE_INTERPRETATION]
)
def test_logs_are_the_kernels_at_both_levels(program: list[Slot]) -> None:
    """Refused before anything is interpreted, the log is the kernel's line for line: at level 1
    (what libbpf prints) and at the level ``bpftool -d`` asks for (but the time taken)."""
    if not _libbpf.available():
        pytest.skip(f"kernel oracle unavailable: {_libbpf.unavailable_reason()}")
    with pytest.raises(VerifierError) as err:
        verify(encode(program))
    assert err.value.log.splitlines() == _libbpf.load_raw(encode(program)).log.splitlines()

    def untimed(log: str) -> list[str]:
        return [re.sub(r"^verification time \d+ usec$", "verification time", line) for line in log.splitlines()]

    assert untimed(err.value.verbose_log) == untimed(_libbpf.load_raw(encode(program), log_level=7).log)


def test_errors_carry_the_kernels_errno() -> None:
    with pytest.raises(VerifierError) as err:
        verify(encode(chain(3, 256)))
    assert err.value.errno == 13  # EACCES
    with pytest.raises(VerifierError) as err:
        verify(encode(chain(9)))
    assert err.value.errno == 7  # E2BIG
    with pytest.raises(VerifierError) as err:
        verify(encode([R0_0]))
    assert err.value.errno == 22  # EINVAL


def test_structure_names_subprograms_calls_and_callbacks() -> None:
    timer_callback = [(0x18, 2, 4, 0, 4), (0, 0, 0, 0, 0), helper(170), R0_0, EXIT, R0_0, EXIT]
    structure = check_structure(decode(encode(timer_callback), check=False))
    assert [(s.start, s.end, s.callback) for s in structure.subprograms] == [
        (0, 5, None),
        (5, 7, CallbackKind.ASYNC),
    ]
    site = structure.calls[0]
    assert (site.caller, site.callee, site.is_address, site.helper_pc) == (0, 1, True, 2)

    loop = check_structure(decode(encode(bpf_loop_with_callback(8, 8)), check=False))
    assert [s.callback for s in loop.subprograms] == [None, CallbackKind.SYNC]
    calls = check_structure(decode(encode(chain(3)), check=False))
    assert [(c.pc, c.caller, c.callee, c.is_address) for c in calls.calls.values()] == [
        (0, 0, 1, False),
        (2, 1, 2, False),
    ]


def test_async_callbacks_root_chains_of_their_own() -> None:
    """A timer callback runs on its own stack: its depth never adds to its setter's."""
    program = [stack_store(256), (0x18, 2, 4, 0, 4), (0, 0, 0, 0, 0), helper(170), R0_0, EXIT,
               stack_store(256), call(1), EXIT, stack_store(256), R0_0, EXIT]
    insns = decode(encode(program), check=False)
    structure = check_structure(insns)
    check_stack_depth(structure, [256, 256, 256])
    with pytest.raises(VerifierError, match=r"^combined stack size of 2 calls is 768\. Too large$"):
        check_stack_depth(structure, [256, 512, 256])
    with pytest.raises(VerifierError, match=r"^combined stack size of 3 calls is 768\. Too large$"):
        check_stack_depth(structure, [256, 256, 256], async_callbacks=())


def test_depths_from_the_interpreter_decide() -> None:
    insns = decode(encode(chain(2)), check=False)
    structure = check_structure(insns)
    check_stack_depth(structure, [256, 256])
    with pytest.raises(VerifierError, match=r"^combined stack size of 2 calls is 528\. Too large$"):
        check_stack_depth(structure, [256, 257])


def test_frames_beyond_the_limit_through_global_functions() -> None:
    """With frames the interpreter did not push (calls of global functions), the depth walk
    still counts them, with its own message."""
    insns = decode(encode(chain(9)), check=False)
    with pytest.raises(VerifierError, match=r"^the call stack of 8 frames is too deep !$"):
        check_stack_depth(check_structure(insns), [0] * 9)


def test_tail_calls_sit_on_at_most_256_bytes() -> None:
    program = [call(1), EXIT, helper(12), R0_0, EXIT]
    insns = decode(encode(program), check=False)
    structure = check_structure(insns)
    check_stack_depth(structure, [240, 0])
    with pytest.raises(VerifierError, match=r"^tail_calls are not allowed when call stack of previous frames "
                                            r"is 256 bytes\. Too large$"):
        check_stack_depth(structure, [256, 0])


def test_many_call_sites_are_walked_in_linear_time() -> None:
    """Eight levels of 200 calls each: the kernel's walk would visit 200^7 chains."""
    program: list[Slot] = []
    for level in range(8):
        sites = 200 if level < 7 else 0
        program += [call(sites + 1 - i) for i in range(sites)] + [R0_0, EXIT]
    structure = check_structure(decode(encode(program), check=False))
    check_stack_depth(structure, estimate_stack_depths(structure))


def test_stack_depths_are_read_from_the_code() -> None:
    insns = decode(encode(bpf_loop_with_callback(24, 40)), check=False)
    assert estimate_stack_depths(check_structure(insns)) == [24, 40]


def test_instructions_of_the_kernels_table_pass_where_unreachable_is_the_verdict() -> None:
    """may_goto and the 8/16-bit load-acquire forms are in the kernel's opcode table: in code
    the graph cannot reach they are only unreachable, not unknown."""
    for opcode in (0xE5, 0xCB, 0xD3):
        with pytest.raises(VerifierError, match="^unreachable insn 2$"):
            check_structure([Instruction(0xB7), Instruction(0x05, offset=1), Instruction(opcode), Instruction(0x95)])


#: The verdicts of the pass before interpretation (the frame and stack limits depend on it).
BEFORE_INTERPRETATION = (
    "call to invalid destination", "too many subprograms", "jump out of range from insn ",
    "last insn is not an exit or jmp", "BPF_LDX uses reserved fields", "invalid bpf_ld_imm64 insn",
    "unrecognized bpf_ld_imm64 insn", "unknown opcode ", "unreachable insn ", "jump into the middle of ldimm64 insn ",
)


def random_program(rng: random.Random) -> list[Slot]:
    """A short program of instructions that exercise the structural rules (no map references:
    pybpf's loader resolves those before the verifier sees them)."""
    program: list[Slot] = []
    for _ in range(rng.randint(1, 10)):
        distance = rng.randint(-4, 4)
        program += rng.choice([
            [R0_0], [R0_0], [EXIT], [ja(distance)], [jeq_r0(0, distance)], [call(distance)], LDDW_1,
            [(0x06, 0, 0, 0, distance)], [(0xE5, 0, 0, distance, 0)],
            [(rng.choice([0xFF, 0x8D, 0x86, 0x96, 0xF5, 0x0D]), 0, 0, 0, 0)],
            [(0x61, 0, 10, -8, rng.choice([0, 1]))], [stack_store(8 * rng.randint(1, 64))],
            [(0x18, 0, rng.choice([4, 7]), 0, distance), (0, 0, 0, 0, 0)], [(0, 0, 0, 0, distance)],
        ])
    return program


@pytest.mark.kernel
def test_random_programs_get_the_kernels_structural_verdict() -> None:
    """Differential: wherever the kernel or pybpf refuses a program before interpreting it,
    both give the same message."""
    if not _libbpf.available():
        pytest.skip(f"kernel oracle unavailable: {_libbpf.unavailable_reason()}")
    rng = random.Random(7)
    compared = 0
    for _ in range(600):
        code = encode(random_program(rng))
        loaded = _libbpf.load_raw(code)
        kernel = loaded.message if loaded.errno else ""
        try:
            check_structure(decode(code, check=False))
            mine = ""
        except VerifierError as err:
            mine = str(err)
        if kernel.startswith(BEFORE_INTERPRETATION) or mine:
            compared += 1
            assert mine == kernel, [insn for insn in decode(code, check=False)]
    assert compared > 400


def test_an_empty_program_is_refused_as_bpf_refuses_it() -> None:
    with pytest.raises(VerifierError) as err:
        check_structure([])
    assert (err.value.errno, err.value.log) == (7, "")  # E2BIG, before the verifier runs
