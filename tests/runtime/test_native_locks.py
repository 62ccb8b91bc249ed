"""Spin locks and maps whose values hold special fields, on both engines: compiled code takes
``bpf_spin_lock`` natively and keeps its other native helpers, native hash maps copy values
around their special fields, and freeing an element still runs Python (its timer stops). Each
scenario runs on the interpreter and on the JIT, which must agree with each other and with
what the kernel does (tests/kernel compares a lock scenario with the live kernel)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import BpfRuntimeError
from pybpf.engine._jit import native_helpers
from pybpf.engine._mapgen import NativeOp
from pybpf.helpers import linux_helpers
from pybpf.helpers._impl import IMPLEMENTATIONS
from pybpf.maps import BPF_F_LOCK, EINVAL, MapError, spin_lock_at

pytest.importorskip("llvmlite")

ENGINES = ["interpreter", "jit"]
BPF_NOEXIST, BPF_EXIST = 1, 2

LOCKS = r"""
struct val { long n; struct bpf_spin_lock lock; int tail; long m; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int); __type(value, struct val); }
    locked SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __type(key, int); __type(value, struct val); }
    alocked SEC(".maps");
struct args { int key; int times; int flags; int pad; };

static long bump(void *map, int key, int times)
{
    struct val fresh = { .n = 100, .tail = 7, .m = 1 }, *v;
    long last = -1;

    for (int i = 0; i < times && i < 64; i++) {
        bpf_map_update_elem(map, &key, &fresh, BPF_NOEXIST);
        v = bpf_map_lookup_elem(map, &key);
        if (!v)
            return -1;
        bpf_spin_lock(&v->lock);
        v->n += 1;
        v->m = v->n * 2;
        last = v->n;
        bpf_spin_unlock(&v->lock);
    }
    return last;
}

SEC("syscall") int hash_bump(struct args *a) { return bump(&locked, a->key, a->times); }
SEC("syscall") int array_bump(struct args *a) { return bump(&alocked, a->key, a->times); }

SEC("syscall") int put(struct args *a)
{
    struct val v = { .n = a->times, .tail = -1, .m = -2 };
    int key = a->key;

    return bpf_map_update_elem(&locked, &key, &v, a->flags);
}

SEC("syscall") int drop(struct args *a)
{
    int key = a->key;

    return bpf_map_delete_elem(&locked, &key);
}
char LICENSE[] SEC("license") = "GPL";
"""


def args(key: int, times: int = 1, flags: int = 0) -> bytes:
    """The programs' ``struct args``."""
    return b"".join(x.to_bytes(4, "little", signed=True) for x in (key, times, flags, 0))


def value(n: int, tail: int, m: int, lock: int = 0) -> bytes:
    """A ``struct val``: n, the lock word, tail, 4 bytes of padding, m."""
    return n.to_bytes(8, "little", signed=True) + lock.to_bytes(4, "little") + tail.to_bytes(
        4, "little", signed=True) + m.to_bytes(8, "little", signed=True)


def load(c_file: Callable[..., Path], engine: str, source: str = LOCKS) -> tuple[pybpf.Runtime, Any]:
    rt = pybpf.Runtime(engine=engine)
    return rt, rt.load(c_file(source))


def test_a_program_taking_a_spin_lock_keeps_its_native_helpers() -> None:
    natives = native_helpers(linux_helpers(), [1, 2, 3, 93, 94])
    assert natives == {1: NativeOp.LOOKUP, 2: NativeOp.UPDATE, 3: NativeOp.DELETE, 93: NativeOp.LOCK,
                       94: NativeOp.UNLOCK}


def test_compiled_locks_stay_native(c_file, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Once the first call has shown the program its map, its loop of updates, lookups, locks
    and unlocks never enters the Python helpers."""
    calls: list[int] = []
    for helper in (1, 2, 93, 94):
        python = IMPLEMENTATIONS[helper]

        def counted(ctx: Any, *regs: int, _python: Any = python, _helper: int = helper) -> int:
            calls.append(_helper)
            return int(_python(ctx, *regs))

        counted.native_op = python.native_op  # type: ignore[attr-defined]
        monkeypatch.setitem(IMPLEMENTATIONS, helper, counted)
    rt, obj = load(c_file, "jit")
    with rt:
        assert obj.programs["hash_bump"].test_run(ctx=args(1, 50)).retval == 150
        assert calls == [2]  # the first update, which records the map for native calls
        assert obj.programs["hash_bump"].test_run(ctx=args(1, 50)).retval == 200
        assert calls == [2]


def lock_transcript(c_file: Callable[..., Path], engine: str) -> list[object]:
    """What programs and user space see of a locked hash and array on ``engine``."""
    rt, obj = load(c_file, engine)
    seen: list[object] = []
    with rt:
        for program in ("hash_bump", "array_bump"):
            for key, times in ((1, 3), (1, 5), (0, 2)):
                seen.append(obj.programs[program].test_run(ctx=args(key, times)).retval)
        locked, alocked = obj.maps["locked"].internal, obj.maps["alocked"].internal
        seen += [locked.lookup_elem(k.to_bytes(4, "little")) for k in (0, 1)]
        seen += [alocked.lookup_elem(k.to_bytes(4, "little"), BPF_F_LOCK) for k in (0, 1)]
        seen.append(locked.keys())
        # user space's lock word is never copied in: BPF_F_LOCK copies in place, and a plain
        # update makes a new element, whose lock is free
        for flags in (BPF_F_LOCK | BPF_EXIST, 0):
            locked.update_elem((1).to_bytes(4, "little"), value(5, 6, 7 + flags, lock=1), flags)
            seen.append(locked.lookup_elem((1).to_bytes(4, "little"), BPF_F_LOCK))
            seen.append(spin_lock_at(locked.lookup(b"\1\0\0\0", 0) + 8).locked())
        put = obj.programs["put"]
        for flags, n in ((BPF_F_LOCK | BPF_NOEXIST, 9), (BPF_F_LOCK | BPF_NOEXIST, 10), (BPF_F_LOCK, 11),
                         (BPF_F_LOCK | BPF_EXIST, 12), (0, 13)):
            seen.append(put.test_run(ctx=args(2, n, flags)).retval)
            seen.append(locked.lookup_elem((2).to_bytes(4, "little")))
        for flags in (8, BPF_F_LOCK | 3, BPF_F_LOCK | BPF_EXIST):
            seen.append(put.test_run(ctx=args(3, 9, flags)).retval)
        seen.append(obj.programs["drop"].test_run(ctx=args(2)).retval)
        seen.append(obj.programs["drop"].test_run(ctx=args(2)).retval)
        seen.append(locked.keys())
        seen.append(obj.programs["hash_bump"].test_run(ctx=args(2, 2)).retval)
    return seen


def errno(n: int) -> int:
    """A helper's -n as a syscall program's 32-bit return value."""
    return -n & 0xFFFF_FFFF


def test_locked_maps_read_and_write_the_same_on_both_engines(c_file) -> None:  # type: ignore[no-untyped-def]
    interpreted, compiled = (lock_transcript(c_file, engine) for engine in ENGINES)
    assert compiled == interpreted
    assert interpreted == [
        103, 108, 102, 3, 8, 2,  # array elements exist: BPF_NOEXIST fails, counting starts at 0
        value(102, 7, 204), value(108, 7, 216), value(2, 0, 4), value(8, 0, 16),  # locks read as zeros
        [(1).to_bytes(4, "little"), (0).to_bytes(4, "little")],
        value(5, 6, 13), False, value(5, 6, 7), False,
        0, value(9, -1, -2), errno(17), value(9, -1, -2), 0, value(11, -1, -2), 0, value(12, -1, -2),
        0, value(13, -1, -2),
        errno(22), errno(22), errno(2),
        0, errno(2), [(1).to_bytes(4, "little"), (0).to_bytes(4, "little")],
        102,  # a new element: its lock is free
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_user_lock_flag_waits_for_a_program_holding_the_lock(c_file, engine: str) -> None:  # type: ignore[no-untyped-def]
    """A thread holding an element's lock (as a program inside bpf_spin_lock) makes both a
    compiled program's bpf_spin_lock and its BPF_F_LOCK update wait until it lets go."""
    rt, obj = load(c_file, engine)
    with rt:
        prog = obj.programs["hash_bump"]
        assert prog.test_run(ctx=args(1, 1)).retval == 101
        locked = obj.maps["locked"].internal
        lock = spin_lock_at(locked.lookup(b"\1\0\0\0", 0) + 8)
        results: list[int] = []
        with lock:
            waiter = threading.Thread(target=lambda: results.append(prog.test_run(ctx=args(1, 2)).retval))
            writer = threading.Thread(target=lambda: results.append(
                obj.programs["put"].test_run(ctx=args(1, 50, BPF_F_LOCK)).retval))
            waiter.start()
            writer.start()
            waiter.join(0.2)
            writer.join(0.2)
            assert waiter.is_alive() and writer.is_alive() and not results
        waiter.join(10)
        writer.join(10)
        # the update lands before the bump (52), after it (103) or between its two locked
        # increments (51), never inside one of them
        assert sorted(results) in ([0, 103], [0, 52], [0, 51])
        assert not lock.locked()


MISUSE = r"""
struct val { long n; struct bpf_spin_lock lock; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int); __type(value, struct val); }
    locked SEC(".maps");

static struct val *element(void)
{
    struct val fresh = {};
    int key = 0;

    bpf_map_update_elem(&locked, &key, &fresh, BPF_ANY);
    return bpf_map_lookup_elem(&locked, &key);
}

SEC("syscall") int twice(void *ctx)
{
    struct val *v = element();

    if (!v) return 1;
    bpf_spin_lock(&v->lock);
    bpf_spin_lock(&v->lock);
    return 0;
}

SEC("syscall") int exit_holding(void *ctx)
{
    struct val *v = element();

    if (!v) return 1;
    bpf_spin_lock(&v->lock);
    return 0;
}

SEC("syscall") int map_call_holding(void *ctx)
{
    struct val *v = element();
    int key = 1;

    if (!v) return 1;
    bpf_spin_lock(&v->lock);
    bpf_map_lookup_elem(&locked, &key);
    bpf_spin_unlock(&v->lock);
    return 0;
}

SEC("syscall") int unlock_unheld(void *ctx)
{
    struct val *v = element();

    if (!v) return 1;
    bpf_spin_unlock(&v->lock);
    return 0;
}

SEC("syscall") int not_the_field(void *ctx)
{
    struct val *v = element();

    if (!v) return 1;
    bpf_spin_lock((void *)&v->n);
    return 0;
}

SEC("syscall") int fault_holding(void *ctx)
{
    struct val *v = element();

    if (!v) return 1;
    bpf_spin_lock(&v->lock);
    return *(volatile long *)((char *)v + 4096);
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("twice", r"'twice': bpf_spin_lock: the run already holds a bpf_spin_lock"),
        ("exit_holding", r"program exited holding a bpf_spin_lock"),
        ("map_call_holding", r"'map_call_holding': bpf_map_lookup_elem: function calls are not allowed while holding a lock"),
        ("unlock_unheld", r"'unlock_unheld': bpf_spin_unlock: the run does not hold this bpf_spin_lock"),
        ("not_the_field", r"'not_the_field': bpf_spin_lock: 0x[0-9a-f]+ is not a bpf_spin_lock in a map value"),
        ("fault_holding", r"'fault_holding': load of 8 bytes at 0x[0-9a-f]+ in out-of-bounds memory"),
    ],
)
def test_lock_misuse_faults_alike_and_releases_the_lock(c_file, engine: str, program: str, message: str) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(engine=engine)
    with rt:
        obj = rt.load(c_file(MISUSE), verify=False)
        for _ in range(2):  # the second run finds the map in the program's native table
            with pytest.raises(BpfRuntimeError, match=message):
                obj.programs[program].test_run()
            lock = spin_lock_at(obj.maps["locked"].internal.lookup(b"\0\0\0\0", 0) + 8)
            assert not lock.locked()  # released by the failed run
            obj.maps["locked"].internal.update_elem(b"\0\0\0\0", bytes(16), BPF_F_LOCK)  # never waits


TIMERS = r"""
struct tval { long n; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int); __type(value, struct tval); }
    timed SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 2); __type(key, int); __type(value, struct tval); }
    lru SEC(".maps");
struct args { int key; int op; int flags; int pad; };
long fired[8];

static int tick(void *map, int *key, struct tval *v)
{
    if (*key >= 0 && *key < 8)
        fired[*key] += 1;
    return 0;
}

static long arm(void *map, int key)
{
    struct tval fresh = { .n = key }, *v;

    bpf_map_update_elem(map, &key, &fresh, BPF_NOEXIST);
    v = bpf_map_lookup_elem(map, &key);
    if (!v)
        return -1;
    bpf_timer_init(&v->t, map, 1);
    bpf_timer_set_callback(&v->t, tick);
    return bpf_timer_start(&v->t, 1000, 0);
}

SEC("syscall") int act(struct args *a)
{
    struct tval v = { .n = 50 + a->key };
    int key = a->key;

    switch (a->op) {
    case 0: return arm(&timed, key);
    case 1: return arm(&lru, key);
    case 2: return bpf_map_update_elem(&timed, &key, &v, a->flags);
    case 3: return bpf_map_delete_elem(&timed, &key);
    case 4: return bpf_map_update_elem(&lru, &key, &v, a->flags);
    }
    return -1;
}
char LICENSE[] SEC("license") = "GPL";
"""


def timer_transcript(c_file: Callable[..., Path], engine: str) -> list[object]:
    """Timers of natively indexed hash and LRU maps: an update replacing an element, a delete
    and an eviction stop its timer, from programs and from user space alike."""
    with pybpf.Runtime(engine=engine, clock="virtual") as rt:
        obj = rt.load(c_file(TIMERS))
        act = obj.programs["act"]
        seen: list[object] = []
        for key in range(6):
            seen.append(act.test_run(ctx=args(key, 0 if key < 4 else 1)).retval)
        timed = obj.maps["timed"].internal
        seen.append(act.test_run(ctx=args(0, 2, BPF_EXIST)).retval)  # replaces: the timer stops
        seen.append(act.test_run(ctx=args(1, 3)).retval)  # deleted: the timer stops
        timed.update_elem(b"\2\0\0\0", bytes(24))  # user space replaces: stops too
        timed.delete_elem(b"\3\0\0\0")
        seen.append(act.test_run(ctx=args(6, 1)).retval)  # evicts 4 from the LRU map: stops
        seen.append(act.test_run(ctx=args(7, 4)).retval)  # evicts 5
        seen.append(sorted(timed.keys()))
        seen.append(sorted(obj.maps["lru"].internal.keys()))
        rt.clock.advance(10_000)
        seen.append(obj.maps[".bss"].internal.lookup_elem(b"\0\0\0\0"))
        for key in range(4):  # every element can be armed again
            seen.append(act.test_run(ctx=args(key, 0)).retval)
        rt.clock.advance(10_000)
        seen.append(obj.maps[".bss"].internal.lookup_elem(b"\0\0\0\0"))
    return seen


def test_timers_stop_when_a_native_hash_frees_their_element(c_file) -> None:  # type: ignore[no-untyped-def]
    interpreted, compiled = (timer_transcript(c_file, engine) for engine in ENGINES)
    assert compiled == interpreted
    keys = [k.to_bytes(4, "little") for k in range(8)]
    first = [0, 0, 0, 0, 0, 0, 1, 0]  # only key 6's timer outlived what the others went through
    again = [1, 1, 1, 1, 0, 0, 1, 0]
    assert interpreted == [0] * 10 + [[keys[0], keys[2]], [keys[6], keys[7]], counts(first), 0, 0, 0, 0,
                                      counts(again)]


def counts(fired: list[int]) -> bytes:
    """The ``fired`` array of the timer program's .bss."""
    return b"".join(n.to_bytes(8, "little") for n in fired)


@pytest.mark.parametrize("engine", ENGINES)
def test_bpf_f_lock_needs_a_lock(engine: str, c_file) -> None:  # type: ignore[no-untyped-def]
    rt, obj = load(c_file, engine, TIMERS)
    with rt, pytest.raises(MapError, match="EINVAL") as caught:
        obj.maps["timed"].internal.update_elem(b"\0\0\0\0", bytes(24), BPF_F_LOCK)
    assert caught.value.errno == EINVAL
