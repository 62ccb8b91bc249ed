"""Cgroup storage maps: the kernel's creation checks, nothing for user space to reach, and fresh
storage for each test run (the kernel-checked scenarios are in tests/kernel)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.engine import AddressSpace
from pybpf.maps import CgroupStorage, MapError, PerCpuCgroupStorage

SOURCE = Path(__file__).parents[1] / "kernel" / "testdata" / "cgroup_storage.bpf.c"
PACKET = bytes(12) + b"\x08\x00" + bytes.fromhex("4500001c0001000040110000" "7f000001" "7f000001") + bytes(8)


@pytest.mark.parametrize(
    ("kind", "key", "value", "entries", "errno"),
    [(CgroupStorage, 4, 8, 0, "EINVAL"), (CgroupStorage, 8, 0, 0, "EINVAL"), (CgroupStorage, 8, 65408, 0, "E2BIG"),
     (CgroupStorage, 16, 8, 1, "EINVAL"), (PerCpuCgroupStorage, 8, 32769, 0, "E2BIG")],
)
def test_creation_is_checked_as_the_kernel_checks_it(space: AddressSpace, kind: type, key: int, value: int,
                                                     entries: int, errno: str) -> None:
    with pytest.raises(MapError, match=rf"\({errno}\)$"):
        kind("s", key, value, entries, space=space)


def test_user_space_reaches_no_value(space: AddressSpace) -> None:
    shared = CgroupStorage("s", 16, 65407, 0, space=space)
    with pytest.raises(MapError, match=r"\(ENOENT\)$"):
        shared.lookup_elem(bytes(16))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        shared.update_elem(bytes(16), bytes(65407), 1)  # BPF_NOEXIST: only EXIST and F_LOCK
    with pytest.raises(MapError, match=r"\(ENOENT\)$"):
        shared.update_elem(bytes(16), bytes(65407), 2)
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        shared.delete_elem(bytes(16))
    assert shared.get_next_key(None) is None and shared.keys() == []


def test_each_test_run_starts_from_zeroed_storage(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(SOURCE.read_text(), "cgroup_storage.bpf.c"))
    count = obj.programs["count"]
    assert count.test_run(data=PACKET, repeat=3).retval == 1
    assert (obj.globals["last_runs"], obj.globals["last_bytes"], obj.globals["percpu_seen"]) == (3, 3 * (len(PACKET) - 14), 3)  # cgroup_skb sees it from the IP header
    count.test_run(data=PACKET)
    assert (obj.globals["last_runs"], obj.globals["percpu_seen"]) == (1, 1)
