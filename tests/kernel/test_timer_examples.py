"""The timer examples against the live kernel, with real time passing: return values and every
map's contents must agree after each step.

The kernel runs each example's own object (conntrack's tc program, the rate limiter's xdp
program, the ticker's syscall programs), or for the patch example, whose fentry program this
kernel refuses, the example's source with its program made a syscall program and its 1 s delay
a load-time constant (see :func:`patch_example_as_syscall`). Its timers fire on real hrtimers; pybpf runs the same object on a virtual clock that, before every
step, advances by exactly the real time that passed since the kernel's previous step. So both
sides see the same elapsed times, and a timer due between two steps has fired on both.

Scenarios keep every expiry tens of milliseconds away from the steps around it (so the jitter
of a loaded machine cannot reorder them) and arm only a few timers (this kernel's memory limit
stops bpf_timer_init near 150 live timers). Time stamps taken by the programs
(``bpf_ktime_get_ns``) differ between the sides: only whether they are set is compared.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import MILLISECOND
from pybpf.maps import MapType

from ._libbpf import KernelObject, LibbpfError, num_possible_cpus
from .conftest import Build

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "timers"
TC_ACT_OK, XDP_DROP, XDP_PASS = 0, 1, 2
_CONTENTS = {MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_HASH,
             MapType.LRU_PERCPU_HASH}


class Twins:
    """One object in the kernel (real time) and in pybpf (virtual time), stepped together.

    Args:
        path: the object.
        constants: ``const volatile`` and other globals to set before loading, on both sides.
        stamps: (map name, offset, size) of values that hold time stamps: compared only as
            zero or not.
    """

    def __init__(self, path: Path, constants: Mapping[str, int], stamps: Sequence[tuple[str, int, int]]) -> None:
        self.rt = pybpf.Runtime(clock="virtual", ncpus=num_possible_cpus())
        self.ours = self.rt.load(path, globals=dict(constants))
        patches = []
        for name, value in constants.items():
            var = self.ours.globals._vars[name]  # type: ignore[attr-defined]
            section = next(n for n in self.ours.maps if self.ours.maps[n].internal is var.map)
            patches.append((section[section.index(".") :], var.offset, value.to_bytes(var.size, "little")))
        try:
            self.kernel = KernelObject(path, patches=patches)
        except LibbpfError as err:
            self.rt.close()
            pytest.fail(f"the kernel refused {path.name}: {err}\n{err.log}")
        self.stamps = stamps
        self.synced = time.monotonic_ns()

    def close(self) -> None:
        self.kernel.close()
        self.rt.close()

    def sync(self) -> None:
        """Let pybpf's clock catch up with the real time that has passed."""
        now = time.monotonic_ns()
        self.rt.advance(now - self.synced)
        self.synced = now

    def run(self, program: str, *, ctx: bytes | None = None, data: bytes | None = None) -> int:
        """Run ``program`` on both sides; they must return the same."""
        self.sync()
        theirs = self.kernel.programs[program].test_run(ctx=ctx, data=data).retval
        mine = self.ours.programs[program].test_run(ctx=ctx, data=data).retval
        assert mine == theirs, f"{program}: kernel returned {theirs}, pybpf {mine}"
        return int(mine)

    def wait(self, ms: int) -> None:
        """Let ``ms`` milliseconds of real time pass, then compare every map."""
        time.sleep(ms * MILLISECOND / 1e9)
        self.check()

    def check(self) -> None:
        self.sync()
        for name, m in self.kernel.maps.items():
            if MapType(m.type) not in _CONTENTS:
                continue
            theirs = self._stamped(name, m.items())
            internal = self.ours.maps[m.kernel_name].internal
            mine = self._stamped(name, {k: internal.lookup_elem(k) for k in internal.keys()})  # noqa: SIM118
            assert mine == theirs, f"map '{name}': kernel {theirs}, pybpf {mine}"

    def _stamped(self, name: str, contents: Mapping[bytes, Any]) -> dict[bytes, Any]:
        out = {}
        for key, value in contents.items():
            raw = bytearray(value)
            for map_name, offset, size in self.stamps:
                if name.endswith(map_name):
                    set_ = any(raw[offset : offset + size])
                    raw[offset : offset + size] = bytes([set_]) * size
            out[key] = bytes(raw)
        return out

    def value(self, map_name: str, key: bytes, fmt: str) -> tuple[int, ...]:
        """A value of pybpf's copy of a map, unpacked (the kernel's agrees: see check)."""
        return struct.unpack_from(fmt, self.ours.maps[map_name].internal.lookup_elem(key))


@pytest.fixture
def twins(build: Build) -> Iterator[Any]:
    made: list[Twins] = []

    def make(path: Path, constants: Mapping[str, int] | None = None, stamps: Sequence[tuple[str, int, int]] = ()) -> Twins:
        made.append(Twins(build(path), constants or {}, stamps))
        return made[-1]

    yield make
    for pair in made:
        pair.close()


def patch_example_as_syscall(directory: Path) -> Path:
    """examples/timers/patch_example.bpf.c with its fentry program made a syscall program,
    which this kernel runs through BPF_PROG_RUN, and its delay a ``const volatile delay_ns``
    (1 s unless set), so a test need not wait a whole second. Everything else is the example."""
    source = (EXAMPLES / "patch_example.bpf.c").read_text()
    for old, new in (
        ('SEC("fentry/bpf_fentry_test1")', 'SEC("syscall")'),
        ("1000000000 /* 1 s */", "delay_ns"),
        ("int start_result = -1;", "int start_result = -1;\nconst volatile __u64 delay_ns = 1000000000;"),
    ):
        assert source.count(old) == 1, f"patch_example.bpf.c changed: no single {old!r}"
        source = source.replace(old, new)
    path = directory / "patch_example.bpf.c"
    path.write_text(source)
    return path


def _udp(sport: int) -> bytes:
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return (eth + ip + struct.pack("!HHHH", sport, 53, 8, 0)).ljust(64, b"\0")


def test_conntrack_expires_idle_flows_as_the_kernel_does(twins) -> None:  # type: ignore[no-untyped-def]
    ct = twins(EXAMPLES / "conntrack.bpf.c", {"idle_timeout_ns": 200 * MILLISECOND})
    for sport in (1000, 2000):
        assert ct.run("track", data=_udp(sport)) == TC_ACT_OK
    assert ct.run("track", data=bytes(64)) == TC_ACT_OK  # not IPv4: no flow
    ct.check()
    ct.wait(100)
    ct.run("track", data=_udp(2000))  # the flow from port 2000 stays busy
    ct.check()
    ct.wait(150)  # port 1000 idle for 250 ms: expired; port 2000 for 150 ms
    assert len(ct.ours.maps["flows"]) == 1
    ct.wait(150)
    assert len(ct.ours.maps["flows"]) == 0
    assert ct.ours.globals["expired"] == 2


def test_rate_limiter_refills_as_the_kernel_does(twins) -> None:  # type: ignore[no-untyped-def]
    rl = twins(EXAMPLES / "rate_limiter.bpf.c", {"burst": 4, "rate": 2, "refill_ns": 100 * MILLISECOND})
    frame = _udp(1)
    verdicts = [rl.run("limit", data=frame) for _ in range(6)]
    assert verdicts == [XDP_PASS] * 4 + [XDP_DROP] * 2
    rl.check()
    rl.wait(150)  # one refill, re-armed: the bucket is not full
    assert rl.value("buckets", bytes(4), "<QQQ") == (2, 4, 2)
    rl.wait(100)  # the second fills it: no more re-arming
    assert rl.value("buckets", bytes(4), "<QQQ") == (4, 4, 2)
    assert rl.run("limit", data=frame) == XDP_PASS
    rl.wait(150)
    assert rl.value("buckets", bytes(4), "<Q")[0] == 4
    assert rl.rt.timers()[0].state == "idle"


def test_ticker_ticks_and_stops_as_the_kernel_does(twins) -> None:  # type: ignore[no-untyped-def]
    # struct ticker { ticks, last_tick_ns, timer }: the time stamp is compared as set or not
    tk = twins(EXAMPLES / "ticker.bpf.c", stamps=[("tickers", 8, 8)])
    assert tk.run("start_ticker") == 0
    tk.wait(350)  # ticks at 100, 200 and 300 ms
    assert tk.value("tickers", bytes(4), "<Q") == (3,)
    assert tk.run("stop_ticker") == 1  # it was armed
    tk.wait(150)
    assert tk.run("start_ticker") == 0  # initialised already: EBUSY is taken as success
    tk.wait(150)
    assert tk.run("stop_ticker") == 1
    assert tk.run("stop_ticker") == 0
    assert tk.value("tickers", bytes(4), "<Q") == (4,)


def test_the_patch_example_fires_once_as_the_kernel_does(twins, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # .bss holds fired_at, a time stamp
    px = twins(patch_example_as_syscall(tmp_path), {"delay_ns": 100 * MILLISECOND}, [(".bss", 0, 8)])
    assert px.run("start_timer") == 0
    px.wait(50)
    assert px.ours.globals["start_result"] == 0
    assert px.value("hmap", bytes(4), "<i") == (0,)
    px.wait(100)
    assert px.value("hmap", bytes(4), "<i") == (1,)
    assert px.run("start_timer") == 0  # the update frees the timer; a new one is armed
    px.wait(150)
    assert px.value("hmap", bytes(4), "<i") == (1,)
    assert px.rt.timers()[0].state == "idle"
