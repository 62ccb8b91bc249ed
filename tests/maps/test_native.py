"""Native maps (the index in native memory, operated by llvmlite-generated code) behave exactly
as the Python maps: same results, errnos, slots, key order and LRU victims, from Python and
from compiled programs."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf.engine import AddressSpace, jit_available
from pybpf.maps import MapError
from pybpf.maps._array import ArrayMap, PerCpuArrayMap
from pybpf.maps._elements import ElementMap
from pybpf.maps._hash import HashMap, PerCpuHashMap
from pybpf.maps._lpm_trie import LpmTrie
from pybpf.maps._lru_hash import LruHashMap, LruPerCpuHashMap
from pybpf.maps._types import BPF_F_NO_PREALLOC

pytestmark = pytest.mark.skipif(not jit_available(), reason="native maps need llvmlite")

HASHES = [HashMap, PerCpuHashMap, LruHashMap, LruPerCpuHashMap]


def _pair(cls: type[ElementMap], monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[ElementMap, ElementMap]:
    """The same map twice: native, then in Python (``PYBPF_NATIVE_MAPS=0`` at creation)."""
    native = cls("m", 4, 12, 6, space=AddressSpace(), ncpus=2, **kw)
    with monkeypatch.context() as patch:
        patch.setenv("PYBPF_NATIVE_MAPS", "0")
        python = cls("m", 4, 12, 6, space=AddressSpace(), ncpus=2, **kw)
    assert native.native_descriptor and not python.native_descriptor
    return native, python


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("ok", call())
    except MapError as err:
        return ("errno", err.errno)


def _slot(m: ElementMap, address: int) -> int | None:
    return m.slot_of(address) if address else None


def _step(m: ElementMap, rng: random.Random) -> Any:
    """One random operation on ``m``; its outcome in terms both kinds of map can compare."""
    key = rng.randrange(10).to_bytes(4, "little")
    value = rng.randbytes(12)
    op = rng.randrange(9)
    if op == 0:
        return _outcome(lambda: m.update_elem(key, value, rng.choice([0, 0, 1, 2, 4, 8])))
    if op == 1:
        return m.update(key, value, rng.choice([0, 1, 2, 5]), rng.randrange(2))
    if op == 2:
        return _outcome(lambda: m.delete_elem(key))
    if op == 3:
        return _outcome(lambda: m.lookup_elem(key))
    if op == 4:
        return _slot(m, m.lookup(key, rng.randrange(2)))
    if op == 5:
        return _outcome(lambda: m.lookup_and_delete_elem(key))
    if op == 6:
        return _outcome(lambda: m.get_next_key(rng.choice([None, key])))
    if op == 7 and m.percpu:
        return _outcome(lambda: m.update_elem(key, [value, rng.randbytes(12)]))
    return m.keys()


@pytest.mark.parametrize(
    ("cls", "flags"),
    [*((cls, 0) for cls in HASHES), (HashMap, BPF_F_NO_PREALLOC), (PerCpuHashMap, BPF_F_NO_PREALLOC)],
    ids=[*(c.__name__ for c in HASHES), "HashMap-no-prealloc", "PerCpuHashMap-no-prealloc"],
)
def test_random_operations_agree_with_python_maps(
    cls: type[ElementMap], flags: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    native, python = _pair(cls, monkeypatch, flags=flags)
    for seed in range(20):
        rng_native, rng_python = random.Random(seed), random.Random(seed)
        for _ in range(60):
            assert _step(native, rng_native) == _step(python, rng_python)
        assert native.keys() == python.keys()
        assert [key for key, _ in native.walk(0)] == [key for key, _ in python.walk(0)]
        assert sorted(native._live_slots()) == sorted(python._live_slots())


def test_lru_evicts_the_least_recently_used_as_the_python_map(monkeypatch: pytest.MonkeyPatch) -> None:
    native, python = _pair(LruHashMap, monkeypatch)
    for m in (native, python):
        for i in range(6):
            m.update_elem(i.to_bytes(4, "little"), bytes(12))
        m.lookup(b"\0\0\0\0", 0)  # a program's lookup marks the key used; the user's does not
        m.lookup_elem(b"\1\0\0\0")
        m.update_elem(b"\x09\0\0\0", bytes(12))
    kept = native.keys()
    assert kept == python.keys()
    assert b"\1\0\0\0" not in kept and b"\0\0\0\0" in kept


def test_a_full_hash_map_refuses_a_new_key_natively(monkeypatch: pytest.MonkeyPatch) -> None:
    native, _ = _pair(HashMap, monkeypatch)
    for i in range(6):
        native.update_elem(i.to_bytes(4, "little"), bytes(12))
    assert native.update(b"\x07\0\0\0", bytes(12), 0, 0) == -7  # E2BIG
    native.update_elem(b"\x05\0\0\0", b"\1" * 12)  # replacing needs the spare slot, and has it
    assert native.lookup_elem(b"\x05\0\0\0") == b"\1" * 12


@pytest.mark.parametrize(
    ("make", "native"),
    [
        (lambda s: HashMap("m", 4, 8, 4, space=s), True),
        (lambda s: ArrayMap("m", 4, 8, 4, space=s), True),
        (lambda s: PerCpuArrayMap("m", 4, 8, 4, space=s), True),
        (lambda s: HashMap("m", 4, 8, 4, BPF_F_NO_PREALLOC, space=s), True),
        (lambda s: PerCpuHashMap("m", 4, 8, 4, BPF_F_NO_PREALLOC, space=s), True),
        (lambda s: HashMap("m", 4, 8, 1 << 26, BPF_F_NO_PREALLOC, space=s), False),  # over a GiB of slots
        (lambda s: HashMap("m", 4, 24, 4, space=s, special_fields=[(8, 16)]), True),
        (lambda s: HashMap("m", 4, 16, 4, space=s, special_fields=[(8, 4)]), True),
        (lambda s: ArrayMap("m", 4, 24, 4, space=s, special_fields=[(8, 16)]), True),
        (lambda s: LpmTrie("m", 8, 8, 4, BPF_F_NO_PREALLOC, space=s), False),
    ],
    ids=["hash", "array", "percpu-array", "no-prealloc", "percpu-no-prealloc", "no-prealloc-huge", "hash-timer",
         "hash-lock", "array-timer", "lpm"],
)
def test_which_maps_are_native(make: Callable[[AddressSpace], ElementMap], native: bool) -> None:
    assert bool(make(AddressSpace()).native_descriptor) == native


SOURCE = r"""
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); }
    hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); }
    lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); }
    pcpu SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); }
    arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); }
    parr SEC(".maps");

__u32 global_key = 3;
long codes[8];

static long step(__u32 i, void *ctx)
{
    __u32 key = i % 20, slot = i % 4;
    __u64 value = i * 5, *found;
    long rc;

    rc = bpf_map_update_elem(&hash, &key, &value, i % 3);   /* ANY, NOEXIST, EXIST */
    codes[0] += rc;
    found = bpf_map_lookup_elem(&hash, &key);
    if (found)
        *found += 1;                                          /* writes through the window */
    if (i % 7 == 0)
        codes[1] += bpf_map_delete_elem(&hash, &key);
    bpf_map_update_elem(&lru, &key, &value, BPF_ANY);         /* evicts: 20 keys, 8 entries */
    if (bpf_map_lookup_elem(&lru, &slot))
        codes[2]++;
    bpf_map_update_elem(&pcpu, &slot, &value, BPF_ANY);
    codes[3] += bpf_map_update_elem(&arr, &slot, &value, i % 2 ? BPF_NOEXIST : BPF_ANY);
    found = bpf_map_lookup_elem(&parr, &slot);
    if (found)
        *found += i;
    codes[4] += bpf_map_update_elem(&arr, &key, &value, BPF_ANY);  /* E2BIG past 4 */
    codes[5] += bpf_map_delete_elem(&arr, &slot);                   /* EINVAL */
    found = bpf_map_lookup_elem(&hash, &global_key);                /* a key off the stack */
    if (found)
        codes[6] += *found;
    *(long *)ctx += 1;
    codes[6] += bpf_get_smp_processor_id() << 20;
    return i == 45;                                                 /* stops the loop */
}

SEC("xdp")
int work(void *ctx)
{
    long count = 0;
    long n = bpf_loop(100, step, &count, 0);

    codes[7] = bpf_loop(1 << 24, step, &count, 0) + bpf_loop(1, step, &count, 1);
    return n * 1000 + count;
}

char LICENSE[] SEC("license") = "GPL";
"""


def _contents(rt: pybpf.Runtime, obj: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("hash", "lru", "pcpu", "arr", "parr"):
        m = obj.maps[name].internal
        keys = m.keys()
        found[name] = [(k, m.lookup_elem(k)) for k in keys]
    found["codes"] = bytes(obj.maps[".bss"].internal.lookup_elem(b"\0\0\0\0"))
    return found


def _run(path: Path, engine: str, native_maps: int = 0) -> tuple[list[int], dict[str, Any]]:
    with pybpf.Runtime(engine=engine) as rt:
        obj = rt.load(path)
        retvals = [obj.programs["work"].test_run(data=bytes(64), cpu=cpu).retval for cpu in (0, 1, 1)]
        # the maps compiled code reached natively (once a call through Python found them)
        assert len(getattr(obj.programs["work"].engine, "native_maps", ())) == native_maps
        return retvals, _contents(rt, obj)


def test_compiled_programs_run_map_helpers_and_bpf_loop_natively_with_the_same_results(
    c_file: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = c_file(SOURCE)
    interpreted = _run(path, "interpreter")
    assert interpreted[0] == [46 * 1000 + 46] * 3
    assert _run(path, "jit", native_maps=5) == interpreted
    monkeypatch.setenv("PYBPF_NATIVE_MAPS", "0")
    assert _run(path, "jit") == interpreted


def test_compiled_code_meets_a_closed_map_as_interpreted_code_does(c_file: Callable[[str], Path]) -> None:
    source = r"""
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); }
    hash SEC(".maps");
SEC("xdp")
int work(void *ctx)
{
    __u32 key = 1;
    __u64 value = 2;
    return bpf_map_update_elem(&hash, &key, &value, BPF_ANY);
}
char LICENSE[] SEC("license") = "GPL";
"""
    path = c_file(source)
    outcomes = []
    for engine in ("interpreter", "jit"):
        with pybpf.Runtime(engine=engine) as rt:
            obj = rt.load(path)
            assert obj.programs["work"].test_run(data=bytes(64)).retval == 0
            obj.maps["hash"].internal.close()  # the native descriptor sends calls to Python
            try:
                outcomes.append(obj.programs["work"].test_run(data=bytes(64)).retval)
            except pybpf.BpfRuntimeError as err:
                outcomes.append(str(err))
    assert outcomes[0] == outcomes[1]


def _user_outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("ok", call())
    except MapError as err:
        return (type(err).__name__, err.errno, str(err))


@pytest.mark.parametrize("cls", [HashMap, LruHashMap], ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.update_elem(b"\1\0\0", bytes(12)),
        lambda m: m.update_elem(b"\1\0\0\0", bytes(11)),
        lambda m: m.update_elem(bytearray(b"\1\0\0\0"), memoryview(bytes(12))),
        lambda m: m.update_elem(b"\1\0\0\0", bytes(12), 1),
        lambda m: m.update_elem(b"\7\0\0\0", bytes(12), 2),
        lambda m: m.update_elem(b"\1\0\0\0", bytes(12), 4),
        lambda m: m.update_elem(b"\1\0\0\0", bytes(12), -1),
        lambda m: m.lookup_elem(b"\1\0\0"),
        lambda m: m.lookup_elem(b"\7\0\0\0"),
        lambda m: m.lookup_elem(bytearray(b"\1\0\0\0")),
        lambda m: m.lookup_elem(b"\1\0\0\0", 4),
        lambda m: (m.freeze(), m.update_elem(b"\1\0\0\0", bytes(12))),
        lambda m: (m.freeze(), m.lookup_elem(b"\1\0\0\0")),
        lambda m: (m.close(), m.lookup_elem(b"\1\0\0\0")),
        lambda m: (m.close(), m.update_elem(b"\1\0\0\0", bytes(12))),
    ],
    ids=[
        "short-key", "short-value", "bytes-likes", "noexist", "exist-missing", "lock-flag", "bad-flags",
        "lookup-short-key", "lookup-missing", "lookup-bytearray", "lookup-lock-flag", "frozen-update",
        "frozen-lookup", "closed-lookup", "closed-update",
    ],
)
def test_user_operations_on_native_hashes_answer_as_python_maps(
    cls: type[ElementMap], scenario: Callable[[ElementMap], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    native, python = _pair(cls, monkeypatch)
    for m in (native, python):
        m.update_elem(b"\1\0\0\0", b"v" * 12)
    assert _user_outcome(lambda: scenario(native)) == _user_outcome(lambda: scenario(python))
    if not native.closed:
        assert native.keys() == python.keys()
        assert [native.lookup_elem(k) for k in native.keys()] == [python.lookup_elem(k) for k in python.keys()]  # noqa: SIM118


@pytest.mark.parametrize(("flags", "operation"), [(1 << 3, "update_elem"), (1 << 4, "lookup_elem")],
                         ids=["rdonly", "wronly"])
def test_access_flags_hold_on_native_hashes(flags: int, operation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    native, python = _pair(HashMap, monkeypatch, flags=flags)
    args = (b"\1\0\0\0", bytes(12)) if operation == "update_elem" else (b"\1\0\0\0",)
    outcomes = [_user_outcome(lambda m=m: getattr(m, operation)(*args)) for m in (native, python)]  # type: ignore[misc]
    assert outcomes[0] == outcomes[1] and outcomes[0][1] == 1  # EPERM
