"""Program arrays: opaque program objects by index, for tail calls."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import BPF_EXIST, E2BIG, EBADF, EINVAL, KeyNotExistError, MapError, ProgArray, Table

from .conftest import u32


class Program:
    """Stands for whatever program object the runtime stores."""


@pytest.fixture
def progs(space: AddressSpace) -> ProgArray:
    return ProgArray("jmp", 4, 4, 4, space=space)


def test_tail_call_targets_are_looked_up_by_index(progs: ProgArray) -> None:
    target = Program()
    progs.update_elem(u32(2), target)
    assert progs.lookup_program(2) is target
    assert progs.lookup_elem(u32(2)) is target
    assert progs.lookup_program(1) is None
    assert progs.lookup_program(4) is None
    assert progs.lookup_program(-1) is None


def test_programs_cannot_read_a_program_array_as_memory(progs: ProgArray) -> None:
    progs.update_elem(u32(0), Program())
    assert progs.lookup(u32(0), 0) == 0


@pytest.mark.parametrize(
    ("index", "value", "flags", "errno"),
    [
        pytest.param(0, Program(), BPF_EXIST, EINVAL, id="flags-not-any"),
        pytest.param(4, Program(), 0, E2BIG, id="index-out-of-range"),
        pytest.param(0, None, 0, EBADF, id="no-program"),
    ],
)
def test_update_errors(progs: ProgArray, index: int, value: object, flags: int, errno: int) -> None:
    with pytest.raises(MapError) as info:
        progs.update_elem(u32(index), value, flags)
    assert info.value.errno == errno


def test_delete_empties_the_slot(progs: ProgArray) -> None:
    progs.update_elem(u32(1), Program())
    progs.delete_elem(u32(1))
    assert progs.lookup_program(1) is None
    with pytest.raises(KeyNotExistError):
        progs.delete_elem(u32(1))
    with pytest.raises(MapError) as info:
        progs.delete_elem(u32(9))
    assert info.value.errno == E2BIG


def test_table_view_holds_programs_as_they_are(progs: ProgArray) -> None:
    table = Table(progs)
    first, second = Program(), Program()
    table[3] = first
    table[0] = second
    assert dict(table) == {0: second, 3: first}
    del table[3]
    assert list(table) == [0]
