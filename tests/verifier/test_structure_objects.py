"""The structural rules on objects built from C, as users meet them: each source in
``testdata/`` states on its first line the kernel's verdict (tests/kernel/test_structure.py
checks that the kernel still gives it)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.verifier import VerifierError

TESTDATA = Path(__file__).parent / "testdata"
SOURCES = sorted(TESTDATA.glob("*.bpf.c"))


def stated_verdict(source: Path) -> str | None:
    """The verdict a source states on its first line (``/* verdict: ... */``), None for accepted."""
    first = source.read_text().splitlines()[0]
    verdict = first.removeprefix("/* verdict: ").removesuffix(" */")
    return None if verdict == "accepted" else verdict


@pytest.mark.parametrize("source", SOURCES, ids=[s.name.removesuffix(".bpf.c") for s in SOURCES])
def test_object_gets_the_kernels_verdict(source: Path) -> None:
    verdict = stated_verdict(source)
    with pybpf.Runtime() as rt:
        if verdict is None:
            rt.load(source)
            return
        with pytest.raises(VerifierError) as err:
            rt.load(source)
    assert str(err.value) == verdict
    assert err.value.program == "prog"
    assert err.value.log.splitlines()[-1].startswith("processed ")
    assert err.value.verbose_log.splitlines()[0] == "func#0 @0"


EXIT = bytes.fromhex("9500000000000000")
R0_IS_7 = bytes.fromhex("b700000007000000")


@pytest.mark.parametrize(
    ("patch", "verdict"),
    [
        (R0_IS_7 + R0_IS_7, "last insn is not an exit or jmp"),  # the program falls off its end
        (R0_IS_7 + bytes.fromhex("0500050000000000"), "jump out of range from insn 1 to 7"),  # ja +5
        (bytes.fromhex("8d01000000000000") + EXIT, "unknown opcode 8d"),  # callx r1
    ],
    ids=["falls-off-the-end", "jump-out-of-range", "callx"],
)
def test_malformed_control_flow_in_an_object_is_a_verifier_error(
    c_file, tmp_path: Path, patch: bytes, verdict: str  # type: ignore[no-untyped-def]
) -> None:
    """Hand-edited objects used to crash the loader (KeyError from the control-flow code)."""
    from pybpf.runtime._compile import compile_c

    obj = compile_c(c_file('SEC("tc") int prog(void *ctx) { return 7; }\nchar LICENSE[] SEC("license") = "GPL";\n'))
    data = obj.read_bytes()
    assert data.count(R0_IS_7 + EXIT) == 1
    edited = tmp_path / "edited.bpf.o"
    edited.write_bytes(data.replace(R0_IS_7 + EXIT, patch))
    with pybpf.Runtime() as rt, pytest.raises(VerifierError) as err:
        rt.load(edited)
    assert str(err.value) == verdict
