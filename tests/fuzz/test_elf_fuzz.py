"""The ELF reader's one invariant: any bytes give a spec or an ElfError, never another exception.

Starts from valid objects built from ``tests/elf/testdata`` with clang and changes bytes,
favouring the headers, where a single change reaches the most code.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybpf
from pybpf.elf import ElfError, load_collection

TESTDATA = Path(__file__).parents[1] / "elf" / "testdata"
INCLUDE = Path(pybpf.__file__).parent / "include"
SOURCES = ("timer", "globals", "calls", "maps")
_CLANGS = ("clang-19", "clang", "clang-20", "clang-18", "clang-17", "clang-16", "clang-15")
_EHDR_SIZE = 64


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    clang = next((p for p in map(shutil.which, _CLANGS) if p), None)
    if clang is None:
        pytest.skip("no clang to build BPF objects with")
    out_dir = tmp_path_factory.mktemp("fuzz-objects")
    built = []
    for source in SOURCES:
        out = out_dir / f"{source}.o"
        cmd = [clang, "-target", "bpfel", "-O2", "-g", "-c", f"-I{INCLUDE}"]
        subprocess.run([*cmd, str(TESTDATA / f"{source}.c"), "-o", str(out)], check=True)
        built.append(out.read_bytes())
    return built


@st.composite
def mutations(draw: st.DrawFn, size: int, shoff: int) -> list[tuple[int, int]]:
    """Up to 8 (offset, new byte) pairs, in the ELF header, section headers or anywhere."""
    regions = [(0, _EHDR_SIZE), (shoff, size), (0, size)]
    changes = []
    for _ in range(draw(st.integers(1, 8))):
        start, end = draw(st.sampled_from(regions))
        offset = draw(st.integers(start, end - 1))
        value = draw(st.one_of(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]), st.integers(0, 255)))
        changes.append((offset, value))
    return changes


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_objects_load_or_raise_elf_error(objects: list[bytes], data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(objects))
    shoff = int.from_bytes(original[40:48], "little")
    mutated = bytearray(original)
    for offset, value in data.draw(mutations(len(original), shoff)):
        mutated[offset] = value
    if data.draw(st.booleans()):
        mutated = mutated[: data.draw(st.integers(0, len(mutated)))]
    try:
        load_collection(bytes(mutated))
    except ElfError:
        pass
