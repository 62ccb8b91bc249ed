"""A map pointer reads as the kernel's structure of the map (``struct bpf_array``,
``struct bpf_htab``...): the fields the kernel's map_ptr programs read, laid out by the target
BTF, read-only, on every engine."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf

SOURCE = r"""
struct bpf_map {
    unsigned int map_type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
} __attribute__((preserve_access_index));

struct bpf_array {
    struct bpf_map map;
    unsigned int elem_size;
} __attribute__((preserve_access_index));

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 7);
    __type(key, __u32);
    __type(value, __u32[3]);
} arr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 33);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u64);
    __type(value, __u64);
} tbl SEC(".maps");

SEC("syscall") int array_fields(void *ctx)
{
    struct bpf_array *a = (struct bpf_array *)&arr;
    return a->map.map_type * 1000000 + a->map.max_entries * 10000 + a->map.key_size * 1000
           + a->map.value_size * 10 + a->elem_size;
}

SEC("syscall") int hash_fields(void *ctx)
{
    struct bpf_map *m = (struct bpf_map *)&tbl;
    return m->map_type * 1000000 + m->max_entries * 100 + m->map_flags;
}

SEC("syscall") int write_field(void *ctx)
{
    struct bpf_map *m = (struct bpf_map *)&arr;
    m->max_entries = 1;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize("engine", ["interpreter", "jit"])
def test_a_map_pointer_reads_the_maps_kernel_struct(engine: str, c_file) -> None:  # type: ignore[no-untyped-def]
    path: Path = c_file(SOURCE)
    with pybpf.Runtime(clock="virtual", engine=engine) as rt:
        obj = rt.load(path, programs=["array_fields", "hash_fields"])
        # array: type 2, 7 entries, 4-byte keys, 12-byte values in 16-byte elements
        assert obj.programs["array_fields"].test_run().retval == 2_000_000 + 70_000 + 4_000 + 120 + 16
        # hash: type 1, 33 entries, BPF_F_NO_PREALLOC (1)
        assert obj.programs["hash_fields"].test_run().retval == 1_000_000 + 3_300 + 1


def test_a_map_pointer_is_read_only(c_file) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(pybpf.VerifierError) as refused:
        rt.load(c_file(SOURCE), programs=["write_field"])
    assert str(refused.value) == "only read from bpf_array is supported"
