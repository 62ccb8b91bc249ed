"""Counts the documentation states are the code's counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pybpf.maps import SUPPORTED_TYPES

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: (page, line, the number of map types the line states)
MAP_TYPE_COUNTS = [
    (page.name, number, int(found.group(1)))
    for page in PAGES
    for number, line in enumerate(page.read_text().splitlines(), 1)
    for found in re.finditer(r"\b(\d+) map types\b", line)
]


def test_the_history_states_how_many_map_types_there_are() -> None:
    assert "history.md" in {page for page, _, _ in MAP_TYPE_COUNTS}


@pytest.mark.parametrize(("page", "line", "count"), MAP_TYPE_COUNTS, ids=[f"{p}:{n}" for p, n, _ in MAP_TYPE_COUNTS])
def test_a_stated_number_of_map_types_is_the_number_pybpf_creates(page: str, line: int, count: int) -> None:
    # a hash with and without BPF_F_NO_PREALLOC is one type, as in the kernel's enum bpf_map_type
    assert count == len(SUPPORTED_TYPES), f"{page} line {line} says {count} map types"
