"""Load-time facts the kernel's verifier establishes that pybpf reproduces: constant
``bpf_snprintf`` formats are checked at load, and the furthest context access is known (a
syscall program's test run needs that much context). Both were found by tests/kernel."""

from __future__ import annotations

import pytest

from pybpf.isa import assemble
from pybpf._spec import ProgType
from pybpf.verifier import VerifierError, VerifyInput, check_format_strings, verify

FORMAT_AT = 0x1000


def snprintf_call(fmt_setup: str, data_len: int) -> list:
    """A bpf_snprintf call with r3 set up by ``fmt_setup`` and r5 = data_len."""
    return assemble(
        f"mov %r1, %r10\nadd %r1, -16\nmov %r2, 16\n{fmt_setup}\nmov %r4, %r10\nadd %r4, -8\n"
        f"mov %r5, {data_len}\ncall 165\nexit"
    )


def reader(fmt: str):  # type: ignore[no-untyped-def]
    return lambda address: fmt if address == FORMAT_AT else None


@pytest.mark.parametrize(
    ("fmt", "data_len"), [("%d", 8), ("%d %s", 16), ("%d", 16), ("plain", 0), ("%pI4|%px", 16)]
)
def test_formats_the_kernel_accepts_load(fmt: str, data_len: int) -> None:
    check_format_strings(snprintf_call(f"lddw %r3, {FORMAT_AT}", data_len), reader(fmt))


@pytest.mark.parametrize(("fmt", "data_len"), [("%d %d", 8), ("%k", 8), ("%.3d", 8), ("%#x", 8), ("%sx", 8)])
def test_formats_the_kernel_refuses_fail_to_load(fmt: str, data_len: int) -> None:
    with pytest.raises(VerifierError, match="^Invalid format string$") as err:
        check_format_strings(snprintf_call(f"lddw %r3, {FORMAT_AT}", data_len), reader(fmt))
    assert "call bpf_snprintf#165" in err.value.log


def test_data_len_not_a_multiple_of_8_fails_without_a_message() -> None:
    with pytest.raises(VerifierError, match=r"^\d+: \(85\) call bpf_snprintf#165$"):
        check_format_strings(snprintf_call(f"lddw %r3, {FORMAT_AT}", 12), reader("%d"))


def test_the_format_pointer_is_followed_through_moves_and_adds() -> None:
    setup = f"lddw %r6, {FORMAT_AT - 4}\nmov %r3, %r6\nadd %r3, 4"
    with pytest.raises(VerifierError, match="^Invalid format string$"):
        check_format_strings(snprintf_call(setup, 8), reader("%k"))


def test_a_format_it_cannot_follow_is_left_to_run_time() -> None:
    check_format_strings(snprintf_call("ldxdw %r3, [%r10-8]", 8), reader("%k"))


@pytest.mark.parametrize(
    ("asm", "want"),
    [
        ("mov %r0, 0\nexit", 0),
        ("ldxw %r0, [%r1+8]\nexit", 12),
        ("stxdw [%r10-8], %r1\nldxdw %r2, [%r10-8]\nstw [%r2+16], 1\nmov %r0, 0\nexit", 20),
        ("ldxb %r2, [%r1+0]\njeq %r2, 0, +2\nldxb %r0, [%r1+30]\nexit\nldxh %r0, [%r1+2]\nexit", 31),
        ("mov %r6, %r1\ncall 5\nldxw %r0, [%r6+4]\nexit", 8),  # r6 survives a call
        ("call local f\nexit\nf:\nldxdw %r0, [%r1+40]\nexit", 48),  # subprograms count too
    ],
    ids=["none", "load", "spilled", "branches", "across-a-call", "in-a-subprogram"],
)
def test_max_ctx_offset(asm: str, want: int) -> None:
    facts = verify(assemble(asm), VerifyInput(ProgType.SYSCALL, sleepable=True))
    assert facts.max_ctx_offset == want
