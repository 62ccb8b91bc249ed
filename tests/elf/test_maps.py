"""BTF-defined maps: every field libbpf reads, maps of maps and program arrays with initial values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pybpf._spec import CollectionSpec, MapSpec, Pinning
from pybpf.btf import Spec, Struct
from pybpf.elf import ElfError, load_collection

HASH, ARRAY, PROG_ARRAY, PERCPU_HASH, PERCPU_ARRAY, LRU_HASH = 1, 2, 3, 5, 6, 9
ARRAY_OF_MAPS, HASH_OF_MAPS, QUEUE, RINGBUF, BLOOM_FILTER = 12, 13, 22, 27, 30
BPF_F_NO_PREALLOC = 1

Load = Callable[..., CollectionSpec]


def _type_name(btf: Spec | None, type_id: int) -> str:
    assert btf is not None
    return btf.type_by_id(type_id).name


def _shape(m: MapSpec) -> tuple[int, int, int, int, int]:
    return m.type, m.key_size, m.value_size, m.max_entries, m.flags


def test_maps_come_in_declaration_offset_order(load: Load) -> None:
    spec = load("maps")
    assert list(spec.maps) == [
        "inner_a", "inner_b", "array_of_maps", "hash_of_maps", "jump_table", "percpu_array",
        "hash", "queue", "sized_array", "lru", "percpu_hash", "ringbuf", "bloom", "bloom_ulong",
    ]  # fmt: skip


def test_map_fields_are_read_from_btf(load: Load) -> None:
    maps = load("maps").maps
    assert _shape(maps["hash"]) == (HASH, 4, 24, 128, BPF_F_NO_PREALLOC)
    assert _shape(maps["sized_array"]) == (ARRAY, 4, 8, 4, 0)
    assert _shape(maps["lru"]) == (LRU_HASH, 8, 4, 64, 0)
    assert _shape(maps["percpu_array"]) == (PERCPU_ARRAY, 4, 8, 2, 0)
    assert _shape(maps["percpu_hash"]) == (PERCPU_HASH, 4, 8, 8, 0)
    assert _shape(maps["ringbuf"]) == (RINGBUF, 0, 0, 4096, 0)
    assert _shape(maps["queue"]) == (QUEUE, 0, 4, 8, 0)
    assert maps["lru"].pinning == Pinning.BY_NAME
    assert maps["hash"].pinning == Pinning.NONE
    assert not any(m.is_global_data for m in maps.values())


def test_key_and_value_types_are_the_pointees(load: Load) -> None:
    spec = load("maps")
    hash_map = spec.maps["hash"]
    assert _type_name(spec.btf, hash_map.key_type_id) == "__u32"
    value = spec.btf.type_by_id(hash_map.value_type_id) if spec.btf else None
    assert isinstance(value, Struct) and value.name == "value"
    assert (spec.maps["sized_array"].key_type_id, spec.maps["sized_array"].value_type_id) == (0, 0)
    assert spec.maps["queue"].key_type_id == 0


def test_map_extra_is_read_from_uint_and_ulong(load: Load) -> None:
    maps = load("maps").maps
    assert (maps["bloom"].type, maps["bloom"].map_extra) == (BLOOM_FILTER, 3)
    assert maps["bloom_ulong"].map_extra == 0x100000005


def test_map_in_map_has_an_inner_spec_and_initial_values(load: Load) -> None:
    maps = load("maps").maps
    outer = maps["array_of_maps"]
    assert _shape(outer) == (ARRAY_OF_MAPS, 4, 4, 4, 0)
    assert outer.inner is not None
    assert outer.inner.name == "array_of_maps.inner"
    assert _shape(outer.inner) == (ARRAY, 4, 8, 1, 0)
    assert outer.init == {0: "inner_a", 3: "inner_b"}
    hash_of_maps = maps["hash_of_maps"]
    assert hash_of_maps.type == HASH_OF_MAPS
    assert hash_of_maps.init == {1: "inner_b"}
    assert maps["inner_a"].init == {}


def test_program_array_initial_values_name_programs(load: Load) -> None:
    spec = load("maps")
    jump_table = spec.maps["jump_table"]
    assert _shape(jump_table) == (PROG_ARRAY, 4, 4, 3, 0)
    assert jump_table.inner is None
    assert jump_table.init == {0: "tail_a", 2: "tail_b"}
    assert set(jump_table.init.values()) <= set(spec.programs)


def test_map_refs_list_maps_in_first_use_order(load: Load) -> None:
    program = load("maps").programs["use_maps"]
    assert program.map_refs == ("percpu_array", "hash", "queue", "jump_table")
    lddws = [i for i in program.instructions if i.opcode == 0x18]
    assert [(i.src, i.imm) for i in lddws] == [(5, 0), (5, 1), (5, 2), (5, 1), (5, 3)]


def test_timer_map_value_holds_the_bpf_timer(load: Load) -> None:
    spec = load("timer")
    timers = spec.maps["timers"]
    assert _shape(timers) == (HASH, 4, 24, 16, 0)
    assert spec.btf is not None
    value = spec.btf.type_by_id(timers.value_type_id)
    assert isinstance(value, Struct) and value.name == "elem"
    (timer,) = spec.btf.find_special_fields(timers.value_type_id)
    assert (timer.kind, timer.offset, timer.size) == ("bpf_timer", 8, 16)
    assert _type_name(spec.btf, timers.key_type_id) == "__u32"


@pytest.mark.parametrize(
    ("define", "message"),
    [
        ("UNKNOWN_MAP_TYPE", r"^map 'hmap': unknown map type 99$"),
        ("UNKNOWN_FIELD", r"^map 'hmap': unknown field 'foo'$"),
        ("KEY_SIZE_CONFLICT", r"^map 'hmap': conflicting key size 8 != 4$"),
    ],
)
def test_malformed_map_definitions_are_refused(
    build: Callable[..., Path], define: str, message: str
) -> None:
    with pytest.raises(ElfError, match=message):
        load_collection(build("errors", defines=(define,)))
