"""Queue (FIFO) and stack (LIFO) maps."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_ANY,
    BPF_EXIST,
    BPF_F_LOCK,
    BPF_NOEXIST,
    E2BIG,
    EINVAL,
    ENOENT,
    KeyNotExistError,
    MapError,
    QueueMap,
    QueueStackBase,
    StackMap,
)

from .conftest import u64


@pytest.fixture
def queue(space: AddressSpace) -> QueueMap:
    return QueueMap("q", 0, 8, 3, space=space)


@pytest.fixture
def stack(space: AddressSpace) -> StackMap:
    return StackMap("s", 0, 8, 3, space=space)


@pytest.fixture(params=[QueueMap, StackMap], ids=["queue", "stack"])
def either(request: pytest.FixtureRequest, space: AddressSpace) -> QueueStackBase:
    return request.param("qs", 0, 8, 3, space=space)  # type: ignore[no-any-return]


def test_queue_pops_oldest_first(queue: QueueMap) -> None:
    for n in (1, 2, 3):
        assert queue.push(u64(n), BPF_ANY) == 0
    assert queue.peek(0) == u64(1)
    assert [queue.pop(0) for _ in range(3)] == [u64(1), u64(2), u64(3)]


def test_stack_pops_newest_first(stack: StackMap) -> None:
    for n in (1, 2, 3):
        assert stack.push(u64(n), BPF_ANY) == 0
    assert stack.peek(0) == u64(3)
    assert [stack.pop(0) for _ in range(3)] == [u64(3), u64(2), u64(1)]


def test_full_map_refuses_a_push(either: QueueStackBase) -> None:
    for n in range(3):
        either.push(u64(n), BPF_ANY)
    assert either.push(u64(9), BPF_ANY) == -E2BIG
    with pytest.raises(MapError, match=r"^push: map is full \(E2BIG\)$"):
        either.update_elem(b"", u64(9))


def test_exist_flag_overwrites_the_oldest_in_a_queue(queue: QueueMap) -> None:
    for n in (1, 2, 3):
        queue.push(u64(n), BPF_ANY)
    assert queue.push(u64(4), BPF_EXIST) == 0
    assert [queue.pop(0) for _ in range(3)] == [u64(2), u64(3), u64(4)]


def test_exist_flag_overwrites_the_oldest_in_a_stack(stack: StackMap) -> None:
    for n in (1, 2, 3):
        stack.push(u64(n), BPF_ANY)
    assert stack.push(u64(4), BPF_EXIST) == 0
    assert [stack.pop(0) for _ in range(3)] == [u64(4), u64(3), u64(2)]


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param(BPF_NOEXIST, id="noexist"),
        pytest.param(BPF_F_LOCK, id="lock"),
        pytest.param(3, id="both"),
    ],
)
def test_push_flags_other_than_any_and_exist_are_einval(either: QueueStackBase, flags: int) -> None:
    assert either.push(u64(1), flags) == -EINVAL


def test_empty_map_pops_and_peeks_enoent(either: QueueStackBase) -> None:
    assert either.pop(0) == -ENOENT
    assert either.peek(1) == -ENOENT
    with pytest.raises(KeyNotExistError, match=r"^pop: key does not exist \(ENOENT\)$"):
        either.lookup_and_delete_elem(b"")
    with pytest.raises(KeyNotExistError):
        either.lookup_elem(b"")


def test_user_side_pushes_peeks_and_pops_with_an_empty_key(queue: QueueMap) -> None:
    queue.update_elem(b"", u64(5))
    queue.update_elem(b"", u64(6))
    assert queue.lookup_elem(b"") == u64(5)
    assert queue.lookup_and_delete_elem(b"") == u64(5)
    assert queue.lookup_and_delete_elem(b"") == u64(6)


def test_keys_must_be_empty(queue: QueueMap) -> None:
    with pytest.raises(MapError, match=r"^push: key must be 0 bytes, got 4 \(EINVAL\)$"):
        queue.update_elem(b"\0\0\0\0", u64(1))


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda m: m.delete_elem(b""), id="delete"),
        pytest.param(lambda m: m.get_next_key(None), id="get-next-key"),
        pytest.param(lambda m: m.keys(), id="keys"),
        pytest.param(lambda m: m.lookup_elem(b"", BPF_F_LOCK), id="lookup-flags"),
    ],
)
def test_keyed_operations_are_einval(either: QueueStackBase, operation: object) -> None:
    with pytest.raises(MapError) as info:
        operation(either)  # type: ignore[operator]
    assert info.value.errno == EINVAL


def test_program_side_keyed_operations_fail_like_the_kernel(either: QueueStackBase) -> None:
    assert either.lookup(b"", 0) == 0
    assert either.update(b"", u64(1), BPF_ANY, 0) == -EINVAL
    assert either.delete(b"") == -EINVAL
