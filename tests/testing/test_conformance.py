"""The bpf_conformance runner: vector parsing, judging, and the shared public vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf.isa import Instruction, assemble
from pybpf.testing import parse_vector, program_needs, run_directory, run_vector
from pybpf.testing._conformance import parse_plugin_program


def test_all_public_vectors_pass(conformance_dir: Path) -> None:
    outcomes = run_directory([conformance_dir / "tests"])
    assert len(outcomes) == 313
    failed = [f"{o.name}: {o.detail}" for o in outcomes if not o.passed]
    assert failed == []


@pytest.mark.slow  # compiles 313 programs (a few seconds once cached)
def test_all_public_vectors_give_the_same_outcomes_on_the_jit(conformance_dir: Path) -> None:
    pytest.importorskip("llvmlite")
    from pybpf.engine._jit import Jit

    interpreted = run_directory([conformance_dir / "tests"])
    compiled = run_directory([conformance_dir / "tests"], engine=Jit)
    assert [o.passed for o in compiled] == [True] * 313
    assert [(o.name, o.stage, o.detail) for o in compiled] == [(o.name, o.stage, o.detail) for o in interpreted]


# The two negative vectors that are valid programs: one reads r0 before writing it (refused by
# the register rule at validation), the other expects a wrong result (it runs, and fails).
NEGATIVE_VALID_PROGRAMS = {"incorrect_return_value_high_bits"}


def test_every_negative_vector_is_refused_before_it_runs(conformance_dir: Path) -> None:
    outcomes = run_directory([conformance_dir / "negative"])
    assert len(outcomes) == 60  # the 61st file of negative/ is the suite's invalid.sh plugin
    for o in outcomes:
        if o.name in NEGATIVE_VALID_PROGRAMS:
            assert (o.stage, o.passed) == ("result", False), o
        elif o.stage == "skip":  # an unknown section: the file is not run at all
            assert o.name == "invalid_unknown_directive"
        else:
            assert o.stage in ("assemble", "validate"), o


def test_negative_vector_reading_an_unwritten_register_is_refused(conformance_dir: Path) -> None:
    (o,) = run_directory([conformance_dir / "negative" / "error.data"])
    assert (o.stage, o.detail) == ("validate", "R0 !read_ok")


def test_parse_vector_reads_every_section() -> None:
    v = parse_vector(
        "# comment\n-- asm\nmov %r0, 1 # trailing\nexit\n-- mem\n00 01\nff\n-- result\n0x10\n-- c\nint x;\n",
        "v",
    )
    assert v.asm is not None and "mov %r0, 1" in v.asm
    assert v.mem == b"\x00\x01\xff"
    assert v.result == 16
    assert v.unsupported is None


def test_parse_vector_results_are_decimal_unless_hex() -> None:
    assert parse_vector("-- result\n10\n").result == 10
    assert parse_vector("-- result\n0x0000000080000000\n").result == 1 << 31


def test_parse_vector_raw_accepts_bytes_and_words() -> None:
    v = parse_vector("-- raw\nb7 00 00 00 01 00 00 00\n0x0000000000000095\n")
    assert v.raw == bytes.fromhex("b700000001000000" "9500000000000000")


def test_unknown_section_skips_the_vector() -> None:
    o = run_vector(parse_vector("-- asm\nexit\n-- frobnicate\n", "x"))
    assert (o.stage, o.passed, o.detail) == ("skip", False, "unsupported section 'frobnicate'")


@pytest.mark.parametrize(
    ("text", "stage", "passed"),
    [
        pytest.param("-- asm\nmov %r0, 5\nexit\n-- result\n5", "result", True, id="right-result"),
        pytest.param("-- asm\nmov %r0, 5\nexit\n-- result\n6", "result", False, id="wrong-result"),
        pytest.param("-- asm\nmov %r0, 5\nexit\n-- error\n", "result", False, id="error-expected-got-result"),
        pytest.param("-- asm\nbogus\n-- error\n", "assemble", True, id="any-error-expected"),
        pytest.param("-- asm\nldxb %r0, [%r1]\nexit\n-- error\n", "run", True, id="runtime-fault-is-an-error"),
        pytest.param("-- raw\n07 00 01 00 01 00 00 00\n95 00 00 00 00 00 00 00\n-- error\n", "validate", True,
                     id="reserved-field"),
        pytest.param("-- result\n0", "validate", False, id="no-program"),
    ],
)
def test_run_vector_judges_outcomes(text: str, stage: str, passed: bool) -> None:
    o = run_vector(parse_vector(text, "v"))
    assert (o.stage, o.passed) == (stage, passed)


def test_error_text_must_match_exactly_when_given() -> None:
    o = run_vector(parse_vector("-- asm\nbogus\n-- error\nsomething else\n", "v"))
    assert (o.stage, o.passed) == ("assemble", False)


def test_memory_is_passed_in_r1_and_its_length_in_r2() -> None:
    o = run_vector(parse_vector("-- asm\nldxb %r0, [%r1+2]\nadd %r0, %r2\nexit\n-- mem\n00 00 05\n-- result\n8"))
    assert o.passed, o


@pytest.mark.parametrize(
    ("asm", "version", "groups"),
    [
        pytest.param("mov %r0, 1\nexit", 1, set(), id="v1"),
        pytest.param("jlt %r0, 1, +0\nexit", 2, set(), id="jlt-is-v2"),
        pytest.param("jeq32 %r0, 1, +0\nexit", 3, set(), id="jmp32-is-v3"),
        pytest.param("lock add [%r10-8], %r1\nexit", 3, set(), id="atomics-are-v3"),
        pytest.param("sdiv %r0, 1\nexit", 4, set(), id="sdiv-is-v4"),
        pytest.param("ldxsb %r0, [%r10-1]\nexit", 4, set(), id="ldsx-is-v4"),
        pytest.param("call %r1\nexit", 1, {"callx"}, id="callx-group"),
        pytest.param("ldabsb 0\nexit", 1, {"packet"}, id="packet-group"),
    ],
)
def test_program_needs_cpu_version_and_groups(asm: str, version: int, groups: set[str]) -> None:
    assert program_needs(assemble(asm)) == (version, groups)


def test_vectors_beyond_the_cpu_version_are_skipped() -> None:
    o = run_vector(parse_vector("-- asm\nmov %r0, 0\nsdiv %r0, 1\nexit\n-- result\n0"), cpu_version=3)
    assert o.stage == "skip"
    o = run_vector(parse_vector("-- asm\nmov %r1, 5\ncall %r1\nexit\n-- result\n0"), exclude_groups=["callx"])
    assert o.stage == "skip"


def test_plugin_program_is_hex_with_any_spacing() -> None:
    assert parse_plugin_program("b7  00  00 00\n01 00 00 00") == bytes.fromhex("b700000001000000")
    with pytest.raises(Exception, match="not hex bytes"):
        parse_plugin_program("b7 0")


def test_instruction_model_is_what_the_runner_executes() -> None:
    assert assemble("exit") == [Instruction(0x95)]
