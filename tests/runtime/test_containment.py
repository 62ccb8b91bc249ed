"""Run-time containment: a program loaded without the verifier reaches only its own memory.

Each test names the class of escape it closes (issue 8): other objects' maps, map internals,
hidden special fields, stack frames below the active ones, forged timers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf import OutOfBoundsError

SOURCE = Path(__file__).parent / "testdata" / "contain.bpf.c"
ERANGE, EINVAL = 34, 22

def _load(rt: pybpf.Runtime, path: Path) -> pybpf.Object:
    return rt.load(path, verify=False)


def _value_address(obj: pybpf.Object) -> int:
    """The address of key 0's value in the object's hash map (the program-side lookup)."""
    obj.maps["hmap"][0] = bytes(32)
    return obj.maps["hmap"].internal.lookup(b"\0\0\0\0", 0)  # type: ignore[no-any-return]


def _run(obj: pybpf.Object, name: str, **globals_: int) -> int:
    for key, value in globals_.items():
        obj.globals[key] = value
    return obj.programs[name].test_run().retval


def test_another_objects_map_value_is_out_of_bounds(rt: pybpf.Runtime, object_file: Path) -> None:
    victim, attacker = _load(rt, object_file), _load(rt, object_file)
    address = _value_address(victim)
    with pytest.raises(OutOfBoundsError, match=r"^program .poke.: store of 8 bytes at 0x[0-9a-f]+ .*at PC \d+$"):
        _run(attacker, "poke", target=address)
    assert victim.maps["hmap"][0]["data"] == 0
    _run(victim, "poke", target=address)  # its own map: allowed
    assert victim.maps["hmap"][0]["data"] == 0x41


def test_probe_read_of_another_objects_memory_gets_the_kernels_error(rt: pybpf.Runtime, object_file: Path) -> None:
    victim, attacker = _load(rt, object_file), _load(rt, object_file)
    address = _value_address(victim)
    assert _run(attacker, "probe", target=address) == -ERANGE & 0xFFFF_FFFF
    assert _run(victim, "probe", target=address) == 0


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(-8, id="stored-key"),
        pytest.param(8, id="hidden-timer"),
        pytest.param(16, id="hidden-timer-second-word"),
        pytest.param(32, id="next-slot"),
        pytest.param(4, id="straddles-timer"),
    ],
)
def test_map_internals_and_hidden_fields_are_out_of_bounds(rt: pybpf.Runtime, object_file: Path, offset: int) -> None:
    obj = _load(rt, object_file)
    with pytest.raises(OutOfBoundsError):
        _run(obj, "peek_value", offset=offset)


def test_value_bytes_around_hidden_fields_stay_addressable(rt: pybpf.Runtime, object_file: Path) -> None:
    obj = _load(rt, object_file)
    assert _run(obj, "peek_value", offset=24) == 0


@pytest.mark.parametrize("offset", [pytest.param(-600, id="below-frame"), pytest.param(-3000, id="deep-reservation")])
def test_stack_below_the_active_frame_is_out_of_bounds(rt: pybpf.Runtime, object_file: Path, offset: int) -> None:
    obj = _load(rt, object_file)
    with pytest.raises(OutOfBoundsError, match=r"^program .peek_stack.: load of 8 bytes"):
        _run(obj, "peek_stack", offset=offset)


@pytest.mark.parametrize("guess", range(1, 4))
def test_forged_timer_gets_einval_and_touches_no_timer(rt: pybpf.Runtime, object_file: Path, guess: int) -> None:
    victim, attacker = _load(rt, object_file), _load(rt, object_file)
    assert _run(victim, "arm") == 0
    before = rt.timers()
    assert _run(attacker, "forge", offset=guess) == -EINVAL & 0xFFFF_FFFF
    assert attacker.globals["got"] == -EINVAL
    assert rt.timers() == before


def test_timer_init_outside_the_named_map_is_einval(rt: pybpf.Runtime, object_file: Path) -> None:
    other, obj = _load(rt, object_file), _load(rt, object_file)
    address = _value_address(other) + 8
    assert _run(obj, "init_elsewhere", target=address) == -EINVAL & 0xFFFF_FFFF
    own = _value_address(obj) + 8
    assert _run(obj, "init_elsewhere", target=own) == 0
    assert _run(obj, "init_elsewhere", target=own + 8) == -EINVAL & 0xFFFF_FFFF


@pytest.mark.parametrize(
    ("license", "privileged", "helper", "allowed"),
    [
        pytest.param("GPL", True, 6, True, id="gpl-program-gpl-helper"),
        pytest.param("Proprietary", True, 6, False, id="gpl-only-helper"),
        pytest.param("Proprietary", True, 7, True, id="plain-helper"),
        pytest.param("GPL", False, 172, False, id="cap-bpf-helper-unprivileged"),
        pytest.param("GPL", True, 9999, False, id="unknown"),
    ],
)
def test_callx_is_checked_exactly_as_a_direct_call(license: str, privileged: bool, helper: int, allowed: bool) -> None:
    from pybpf.engine import BpfRuntimeError, Interpreter
    from pybpf.helpers import BY_ID, linux_helpers
    from pybpf.isa import assemble
    from pybpf.runtime._containment import program_helpers

    offered = {id_ for id_, h in BY_ID.items() if privileged or not h.privileged}
    table = program_helpers(linux_helpers(), offered, license)
    for asm in (f"call {helper}\nexit", f"mov %r6, {helper}\ncall %r6\nexit"):
        vm = Interpreter(assemble(asm), helpers=table)
        if allowed:
            assert helper in table
        else:
            with pytest.raises(BpfRuntimeError, match=rf"^unknown helper {helper} at PC \d$"):
                vm.run()


@pytest.mark.parametrize(("offset", "fits"), [(0, True), (-8, False), (8, False)], ids=["data", "header", "past-end"])
def test_a_run_writes_only_the_data_of_the_records_it_reserved(rt: pybpf.Runtime, object_file: Path, offset: int, fits: bool) -> None:
    obj = _load(rt, object_file)
    if fits:
        assert _run(obj, "forge_record", offset=offset) == 0
        assert obj.maps["events"].internal.consume() == [b"\xff" * 8]
    else:
        with pytest.raises(OutOfBoundsError):
            _run(obj, "forge_record", offset=offset)
        assert obj.maps["events"].internal.consume() == []  # discarded when the run ended
        assert _run(obj, "forge_record", offset=0) == 0
        assert obj.maps["events"].internal.consume() == [b"\xff" * 8]  # the ring is not stuck


def test_probe_read_of_a_huge_size_fails_before_allocating() -> None:
    from pybpf.engine import Interpreter
    from pybpf.helpers import linux_helpers
    from pybpf.isa import assemble

    asm = "mov %r1, %r10\nadd %r1, -8\nmov32 %r2, -1\nmov %r3, %r10\nadd %r3, -16\ncall 113\nexit"
    with pytest.raises(OutOfBoundsError, match=r"^store of 4294967295 bytes at 0x[0-9a-f]+ "):
        Interpreter(assemble(asm), helpers=linux_helpers()).run()


LOCAL_STORAGE = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct val { long before; struct bpf_spin_lock lock; int after; long count; };
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC);
         __type(key, int); __type(value, struct val); } per_task SEC(".maps");
long offset, got;

SEC("tp_btf/sched_switch")
int storage(unsigned long long *ctx)
{
    struct val init = { .before = 7, .after = 9 };
    struct val *v = bpf_task_storage_get(&per_task, bpf_get_current_task_btf(), &init,
                                         BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!v)
        return 0;
    bpf_spin_lock(&v->lock);
    v->count++;
    bpf_spin_unlock(&v->lock);
    got = *(volatile long *)((char *)v + offset);
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize(
    ("offset", "got"),
    [
        pytest.param(0, 7, id="before-the-lock"),
        pytest.param(16, 1, id="after-the-lock"),
        pytest.param(8, None, id="hidden-lock"),
        pytest.param(4, None, id="straddles-lock"),
    ],
)
def test_local_storage_values_hide_their_spin_lock(c_file, offset: int, got: int | None) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(c_file(LOCAL_STORAGE), verify=False)  # reads a variable offset on purpose
        obj.programs["storage"].attach()
        obj.globals["offset"] = offset
        if got is None:
            with pytest.raises(OutOfBoundsError):
                rt.trigger("sched_switch")
            return
        rt.trigger("sched_switch")
        assert obj.globals["got"] == got
        (value,) = obj.maps["per_task"].internal.values().values()
        assert value[12:] == (9).to_bytes(4, "little") + (1).to_bytes(8, "little")  # the lock runs


def test_local_storage_cannot_hold_a_timer(c_file) -> None:  # type: ignore[no-untyped-def]
    source = LOCAL_STORAGE.replace("struct bpf_spin_lock lock;", "struct bpf_timer lock;")
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(pybpf.MapError, match="EOPNOTSUPP"):
        rt.load(c_file(source), verify=False)
