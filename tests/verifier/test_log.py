"""The verifier log's shape: instruction lines, the registers an instruction touched, resumed
branches, the verdict and the statistics, at log level 1 (``VerifierError.log``, what libbpf
prints on a failed load) and at the level ``bpftool -d`` asks for (``verbose_log``, kept for
accepted programs too). The kernel-marked tests hold the shapes to the live kernel's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kernel import _libbpf
from pybpf._spec import ProgType
from pybpf.isa import Instruction, encode
from pybpf.verifier import Facts, VerifierError, VerifyInput, verify

CALL_PRANDOM = Instruction(0x85, imm=7)
EXIT = Instruction(0x95)


def mov(dst: int, imm: int) -> Instruction:
    return Instruction(0xB7, dst, imm=imm)


#: r0 = random; r1 = 0; if r0 s> 5 the stack is read through r1 = r10 with no offset.
REFUSED_ON_THE_SECOND_PATH = [
    CALL_PRANDOM, mov(1, 0), Instruction(0x65, 0, offset=2, imm=5), mov(0, 0), EXIT,
    Instruction(0xBF, 1, 10), Instruction(0x79, 0, 1), EXIT,
]

#: A bounded random value spilled, filled and compared: both paths exit, returning it.
ACCEPTED_WITH_A_BRANCH = [
    CALL_PRANDOM, Instruction(0xBF, 6, 0), Instruction(0x57, 6, imm=0xFF), Instruction(0x7B, 10, 6, -8),
    Instruction(0x79, 1, 10, -8), Instruction(0x25, 1, offset=2, imm=100), Instruction(0xBF, 0, 6), EXIT,
    Instruction(0xBF, 0, 6), EXIT,
]

#: A branch the verifier proves never taken, and an exit with r0 = 0.
ACCEPTED_STRAIGHT = [mov(1, 3), Instruction(0xBF, 2, 1), Instruction(0x07, 2, imm=5),
                     Instruction(0x25, 2, offset=1, imm=7), mov(0, 1), mov(0, 0), EXIT]

#: Reads r2, which nothing wrote.
REFUSED_AT_ONCE = [Instruction(0xBF, 0, 2), EXIT]


def accepted(program: list[Instruction]) -> Facts:
    return verify(program, VerifyInput(ProgType.SOCKET_FILTER))


def refused(program: list[Instruction]) -> VerifierError:
    with pytest.raises(VerifierError) as err:
        verify(program, VerifyInput(ProgType.SOCKET_FILTER))
    return err.value


def test_level_1_keeps_only_the_path_that_failed() -> None:
    # The safe path (3, 4) is taken back; the resumed branch's state follows the jump's text on
    # its line (the kernel cuts its log just after it, where a padding space now stands).
    assert refused(REFUSED_ON_THE_SECOND_PATH).log.splitlines() == [
        "0: R1=ctx() R10=fp0",
        "0: (85) call bpf_get_prandom_u32#7    ; R0=scalar()",
        "1: (b7) r1 = 0                        ; R1=0",
        ("2: (65) if r0 s> 0x5 goto pc+2 5: R0=scalar(smin=umin=6,umax=0x7fffffffffffffff,"
        "var_off=(0x0; 0x7fffffffffffffff)) R1=0 R10=fp0"),
        "5: (bf) r1 = r10                      ; R1=fp0 R10=fp0",
        "6: (79) r0 = *(u64 *)(r1 +0)",
        "invalid read from stack R1 off=0 size=8",
        "processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
    ]


def test_level_2_keeps_every_path_and_opens_a_resumed_branch_with_its_state() -> None:
    lines = refused(REFUSED_ON_THE_SECOND_PATH).verbose_log.splitlines()
    state = "R0=scalar(smin=umin=6,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff)) R1=0 R10=fp0"
    assert lines[lines.index("4: (95) exit") + 1:][:4] == ["", f"from 2 to 5: {state}", f"5: {state}",
                                                          "5: (bf) r1 = r10                      ; R1=fp0 R10=fp0"]
    assert lines[-2:] == ["invalid read from stack R1 off=0 size=8",
                          ("processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
                          "peak_states 0 mark_read 0")]


def test_an_accepted_program_keeps_its_log() -> None:
    facts = accepted(ACCEPTED_STRAIGHT)
    # At level 1 the kernel keeps nothing but the statistics of a program it accepts.
    assert facts.log.splitlines() == [
        "processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"]
    assert facts.verbose_log.splitlines()[:5] == [
        "0: R1=ctx() R10=fp0",
        "0: (b7) r1 = 3                        ; R1=3",
        "1: (bf) r2 = r1                       ; R1=3 R2=3",
        "2: (07) r2 += 5                       ; R2=8",
        "3: (25) if r2 > 0x7 goto pc+1",
    ]


def test_equal_bounds_print_together_as_the_kernel_groups_them() -> None:
    trace = accepted(ACCEPTED_WITH_A_BRANCH).verbose_log
    assert "R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))" in trace
    assert "R1=scalar(id=2,smin=umin=smin32=umin32=101,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))" in trace


def test_negative_bounds_print_as_64_bit_hex() -> None:
    program = [CALL_PRANDOM, Instruction(0x67, 0, imm=32), Instruction(0xC7, 0, imm=32), mov(0, 0), EXIT]
    assert "R0=scalar(smin=0xffffffff80000000,smax=0x7fffffff)" in accepted(program).verbose_log


#: Instruction lines long enough to push the comment past column 38.
LONG_LINES = [mov(1, 0x12345678)] * 120 + [CALL_PRANDOM, mov(0, 0), EXIT]


def test_a_long_instruction_line_moves_the_comment_to_a_further_column() -> None:
    lines = {line.split(":")[0]: line for line in accepted(LONG_LINES).verbose_log.splitlines()}
    assert lines["100"] == "100: (b7) r1 = 305419896              ; R1=0x12345678"
    assert lines["120"] == "120: (85) call bpf_get_prandom_u32#7          ; R0=scalar()"


def test_prog_load_debug_prints_the_log_of_an_accepted_program(tmp_path: Path) -> None:
    source = tmp_path / "ok.bpf.c"
    source.write_text('#include <linux/bpf.h>\n#define SEC(n) __attribute__((section(n), used))\n'
                      'SEC("socket") int ok(void *ctx) { return 0; }\nchar LICENSE[] SEC("license") = "GPL";\n')
    done = subprocess.run([sys.executable, "-m", "pybpf.cli", "prog", "load", "-d", str(source), str(tmp_path / "pin")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    block = done.stderr[done.stderr.index("libbpf: prog 'ok': -- BEGIN PROG LOAD LOG --"):].splitlines()
    assert block[1:3] == ["func#0 @0", "0: R1=ctx() R10=fp0"]
    assert block[-2].startswith("processed 2 insns (limit 1000000)")
    assert block[-1] == "-- END PROG LOAD LOG --"


# -- against the live kernel ---------------------------------------------------------------


_LIVE_ROW = re.compile(r"^[ \d]{3} [ \d]{2}\d+: [.\d]{10} ")  # "Live regs" table rows


def shape(log: str) -> list[str]:
    """A log's lines as both sides can write them: pybpf has no liveness or precision passes
    (``Live regs``, ``mark_precise``, ``(0) frame`` lines, and the state line the kernel prints
    after backtracking), does not print stack slots in comments, and counts differently."""
    out: list[str] = []
    skip_state = False
    for line in log.splitlines():
        if line.startswith(("Live regs", "mark_precise:", "(0) ", "func#")) or _LIVE_ROW.match(line):
            skip_state = line.startswith("mark_precise:")
            continue
        if skip_state and re.match(r"\d+: R", line):
            skip_state = False
            continue
        line = re.sub(r" fp-\d+=.*$", "", line)  # stack slots come last
        out.append(re.sub(r"^(processed )\d+.*", r"\1", line))
    return out


CASES = {
    "refused on the second path": REFUSED_ON_THE_SECOND_PATH,
    "accepted with a branch": ACCEPTED_WITH_A_BRANCH,
    "accepted straight": ACCEPTED_STRAIGHT,
    "refused at once": REFUSED_AT_ONCE,
    "long lines": LONG_LINES,
}


@pytest.mark.kernel
@pytest.mark.parametrize("program", CASES.values(), ids=CASES.keys())
def test_the_log_has_the_kernels_shape_at_both_levels(program: list[Instruction]) -> None:
    if not _libbpf.available():
        pytest.skip(f"kernel oracle unavailable: {_libbpf.unavailable_reason()}")
    level1 = _libbpf.load_raw(encode(program), log_level=1)
    level2 = _libbpf.load_raw(encode(program), log_level=2)
    if level1.errno:
        err = refused(program)
        assert err.log.splitlines() == level1.log.splitlines()
        pybpf_trace = err.verbose_log
    else:
        facts = accepted(program)
        assert shape(facts.log) == shape(level1.log)
        pybpf_trace = facts.verbose_log
    assert [line for line in shape(pybpf_trace) if not line.startswith(("verification time", "stack depth"))] \
        == shape(level2.log)
