"""LPM tries: creation checks, longest-prefix lookups, exact updates and deletes, post-order walk."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_EXIST,
    BPF_F_NO_PREALLOC,
    BPF_NOEXIST,
    KeyNotExistError,
    LpmTrie,
    MapError,
)

from .conftest import read, u32


def key(prefixlen: int, *data: int) -> bytes:
    return u32(prefixlen) + bytes(data)


@pytest.fixture
def trie(space: AddressSpace) -> LpmTrie:
    t = LpmTrie("routes", 8, 4, 8, BPF_F_NO_PREALLOC, space=space)
    for value, k in enumerate([key(16, 192, 168, 0, 0), key(24, 192, 168, 0, 0), key(24, 192, 168, 1, 0),
                               key(24, 192, 168, 128, 0)], start=1):
        t.update_elem(k, u32(value))
    return t


@pytest.mark.parametrize(
    ("key_size", "value_size", "flags"),
    [(8, 4, 0), (4, 4, BPF_F_NO_PREALLOC), (4 + 257, 4, BPF_F_NO_PREALLOC), (8, 0, BPF_F_NO_PREALLOC)],
    ids=["prealloc", "no-data", "data-too-long", "no-value"],
)
def test_creation_is_refused_as_trie_alloc_refuses(space: AddressSpace, key_size: int, value_size: int, flags: int) -> None:
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        LpmTrie("t", key_size, value_size, 4, flags, space=space)


@pytest.mark.parametrize(
    ("lookup", "value"),
    [(key(32, 192, 168, 1, 5), 3), (key(32, 192, 168, 7, 5), 1), (key(32, 192, 168, 0, 9), 2),
     (key(20, 192, 168, 1, 5), 1), (key(8, 192, 168, 1, 5), None), (key(32, 10, 0, 0, 1), None)],
    ids=["longest", "short-only", "both", "key-prefix-limits", "too-short", "no-match"],
)
def test_lookup_returns_the_longest_matching_prefix(trie: LpmTrie, lookup: bytes, value: int | None) -> None:
    if value is None:
        with pytest.raises(KeyNotExistError):
            trie.lookup_elem(lookup)
    else:
        assert trie.lookup_elem(lookup) == u32(value)


def test_program_lookup_gives_the_value_address(space: AddressSpace, trie: LpmTrie) -> None:
    assert read(space, trie.lookup(key(32, 192, 168, 128, 1), 0), 4) == u32(4)
    assert trie.lookup(key(32, 10, 0, 0, 0), 0) == 0


def test_walk_is_post_order(trie: LpmTrie) -> None:
    assert trie.keys() == [key(24, 192, 168, 0, 0), key(24, 192, 168, 1, 0), key(24, 192, 168, 128, 0),
                           key(16, 192, 168, 0, 0)]
    assert trie.get_next_key(None) == key(24, 192, 168, 0, 0)
    assert trie.get_next_key(key(24, 192, 168, 128, 0)) == key(16, 192, 168, 0, 0)
    assert trie.get_next_key(key(16, 192, 168, 0, 0)) is None
    assert trie.get_next_key(key(24, 10, 0, 0, 0)) == key(24, 192, 168, 0, 0)  # unknown: restart


def test_bits_after_the_prefix_do_not_make_another_element(trie: LpmTrie) -> None:
    trie.update_elem(key(16, 192, 168, 99, 99), u32(9), BPF_EXIST)
    assert trie.lookup_elem(key(32, 192, 168, 50, 0)) == u32(9)
    with pytest.raises(MapError, match=r"\(EEXIST\)$"):
        trie.update_elem(key(16, 192, 168, 1, 1), u32(9), BPF_NOEXIST)
    trie.delete_elem(key(16, 192, 168, 7, 7))
    with pytest.raises(KeyNotExistError):
        trie.delete_elem(key(16, 192, 168, 0, 0))


def test_update_errors(trie: LpmTrie) -> None:
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        trie.update_elem(key(33, 1, 2, 3, 4), u32(0))
    with pytest.raises(MapError, match=r"\(ENOENT\)$"):
        trie.update_elem(key(8, 10, 0, 0, 0), u32(0), BPF_EXIST)
    for n in range(4):
        trie.update_elem(key(32, 10, 0, 0, n), u32(n))
    with pytest.raises(MapError, match=r"\(ENOSPC\)$"):
        trie.update_elem(key(32, 10, 0, 0, 9), u32(0))
