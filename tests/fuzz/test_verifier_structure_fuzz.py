"""Property: the verifier's structural pass turns any instruction stream into a verdict: a
``Structure`` or a ``VerifierError``, never another exception (the control-flow code used to
raise ``KeyError`` on a jump out of range). Whatever passes is safe for the later passes: every
jump lands on an instruction of its own subprogram and no subprogram falls off its end."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.isa import basic_blocks, decode
from pybpf.verifier import (
    VerifierError,
    check_stack_depth,
    check_structure,
    estimate_stack_depths,
)

#: opcodes that shape control flow, weighted up so that random programs meet every rule
_SHAPERS = [0x05, 0x06, 0x15, 0x1D, 0x85, 0x95, 0x95, 0xB7, 0x18, 0xE5, 0x7A, 0x61]

_slot = st.tuples(
    st.one_of(st.sampled_from(_SHAPERS), st.integers(0, 255)),
    st.integers(0, 255),
    st.integers(-8, 8) | st.integers(-(2**15), 2**15 - 1),
    st.integers(-8, 8) | st.integers(-(2**31), 2**31 - 1),
)


def _code(slots: list[tuple[int, int, int, int]]) -> bytes:
    return b"".join(struct.pack("<BBhi", *slot) for slot in slots)


@settings(max_examples=400, deadline=None)
@given(st.lists(_slot, min_size=1, max_size=24))
def test_any_stream_gets_a_verdict(slots: list[tuple[int, int, int, int]]) -> None:
    insns = decode(_code(slots), check=False)
    try:
        structure = check_structure(insns)
        check_stack_depth(structure, estimate_stack_depths(structure))
    except VerifierError as err:
        assert str(err) and err.log
        return
    for sub in structure.subprograms:
        blocks = basic_blocks(insns, sub.start)  # raises on any way out of the program
        assert all(sub.start <= pc < sub.end for block in blocks.values() for pc in block.pcs)
