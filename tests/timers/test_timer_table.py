"""The timer state machine's concurrency rules on the real clock, made deterministic with
Python callbacks and barriers: cross-cancel cycles fail with -EDEADLK, cancel waits for a
callback running elsewhere, and callbacks of one timer never overlap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import pytest

from pybpf import BpfRuntimeError
from pybpf._releases import Release
from pybpf.engine import EVERYTHING, AddressSpace, Region
from pybpf.timers import CLOCK_MONOTONIC, HrtimerHook, IrqContext, RealClock, Timer, TimerTable, VirtualClock

EPERM, EBUSY, EINVAL, EDEADLK = 1, 16, 22, 35


class FakeMap:
    """A map of 16-byte values that are all timer: slot n is at base + 16 n."""

    name = "fake"
    special_fields = ((0, 16),)

    def __init__(self, space: AddressSpace, n: int) -> None:
        self.region = Region(16 * n, "fake values", owner=self)
        space.add(self.region)

    def field_at(self, address: int, size: int) -> tuple[int, Region] | None:
        slot, rest = divmod(address - self.region.base, 16)
        return (slot, self.region) if not rest and size == 16 else None

    @property
    def address(self) -> int:
        """What programs see as the map (a real map's is its descriptor's address)."""
        return id(self)

    def field(self, slot: int) -> int:
        return self.region.base + 16 * slot

    def slot_of(self, address: int) -> int:
        return (address - self.region.base) // 16

    def value_address(self, slot: int) -> int:
        return self.field(slot)

    def element_key(self, slot: int) -> bytes:
        return slot.to_bytes(4, "little")


class Ctx:
    """What the timer table reads of a program run: memory, CPU, engine and program."""

    def __init__(self, space: AddressSpace, cpu: int = 0) -> None:
        self.space, self.cpu = space, cpu
        self.visible = EVERYTHING
        self.engine = self
        self.program = "prog"

    def function_at(self, address: int) -> int:
        return 0

    def region(self, address: int, size: int, pc: int, operation: str) -> Region:
        found = self.space.find(address, size)
        assert found is not None
        return found


class Owner:
    def __init__(self) -> None:
        self.callbacks: dict[int, Callable[[Timer], None]] = {}
        self.hooks: list[tuple[str, int, bool | None]] = []  #: hrtimer tracepoints fired
        self.users = 1

    def map_users(self, m: Any) -> int:
        return self.users

    def hold_program(self, program: Any) -> None: ...

    def release_program(self, program: Any) -> None: ...

    def charge(self, nbytes: int) -> bool:
        return True

    def uncharge(self, nbytes: int) -> None: ...

    def callback_name(self, program: Any, entry: int) -> str:
        return f"cb{entry}"

    def key_reader(self, m: Any) -> Callable[[bytes], Any]:
        return bytes

    def run_callback(self, timer: Timer, engine: Any, entry: int, program: Any) -> None:
        self.callbacks[timer.slot](timer)

    def context(self) -> IrqContext:
        return IrqContext.TASK

    def fire_hook(self, hook: HrtimerHook) -> None:
        self.hooks.append((hook.name, hook.timer.slot, hook.was_armed))


@pytest.fixture(params=["6.18"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[TimerTable, FakeMap, AddressSpace, Owner, RealClock]]:
    space, owner, clock = AddressSpace(), Owner(), RealClock(ncpus=2)
    table = TimerTable(clock, owner, release=Release(request.param))
    m = FakeMap(space, 4)
    ctx = Ctx(space)
    for slot in range(4):
        assert table.init(ctx, m.field(slot), m, CLOCK_MONOTONIC) == 0
        assert table.set_callback(ctx, m.field(slot), 0) == 0
    yield table, m, space, owner, clock
    clock.close()


def start(table: TimerTable, m: FakeMap, space: AddressSpace, slot: int, cpu: int, ns: int = 0) -> None:
    assert table.start(Ctx(space, cpu), m.field(slot), ns, 0) == 0


def cross_cancel(
    table: TimerTable, m: FakeMap, space: AddressSpace, owner: Owner, clock: RealClock, free: bool = False
) -> dict[str, int]:
    """Fire timers 0 and 1 on two CPUs, each callback cancelling the other's timer (or, with
    ``free``, freeing the other's element) once both run; the results of the calls that
    returned (a raising one shows in clock.errors)."""
    both_running = threading.Barrier(2, timeout=5)
    results: dict[str, int] = {}

    def cancel_other(me: str, other: int) -> Callable[[Timer], None]:
        def cb(timer: Timer) -> None:
            both_running.wait()
            if free:
                table.free_element(m, other, m.region, 16 * other)
                results[me] = 0
            else:
                results[me] = table.cancel(Ctx(space), m.field(other))

        return cb

    owner.callbacks = {0: cancel_other("a", 1), 1: cancel_other("b", 0)}
    start(table, m, space, 0, cpu=0)
    start(table, m, space, 1, cpu=1)
    deadline = time.monotonic() + 5
    while len(results) + len(clock.errors) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    return results


@pytest.mark.parametrize(("setup", "rc"), [("5.15", -EPERM), ("6.18", -EPERM), ("7.0", -EINVAL)], indirect=["setup"])
def test_set_callback_on_a_timer_whose_map_lost_its_users_is_eperm_until_7_0(setup, rc: int) -> None:  # type: ignore[no-untyped-def]
    """The window between the last user reference going and the map's timers being freed:
    before 7.0 set_callback checks the user count (-EPERM); 7.0 frees first, so only -EINVAL."""
    table, m, space, owner, _ = setup
    owner.users = 0
    assert table.set_callback(Ctx(space), m.field(0), 0) == rc
    assert table.init(Ctx(space), m.field(1), m, CLOCK_MONOTONIC) == -EBUSY  # still initialised


@pytest.mark.parametrize("setup", ["6.18", "6.9", "6.6"], indirect=True)  # the fix reached 6.9.y and 6.6.y
def test_callbacks_cancelling_each_other_on_two_cpus_get_edeadlk_instead_of_hanging(setup) -> None:  # type: ignore[no-untyped-def]
    table, m, space, owner, clock = setup
    results = cross_cancel(table, m, space, owner, clock)
    assert sorted(results.values()) == [-EDEADLK, 0]  # one waits, the other refuses to
    assert clock.errors == []


@pytest.mark.parametrize("setup", ["6.8", "6.1", "5.15"], indirect=True)
def test_before_6_10_callbacks_cancelling_each_other_raise_instead_of_hard_locking(setup) -> None:  # type: ignore[no-untyped-def]
    table, m, space, owner, clock = setup
    results = cross_cancel(table, m, space, owner, clock)
    assert list(results.values()) == [0]  # the first waits, and is released when the other gives up
    (err,) = clock.errors
    assert isinstance(err, BpfRuntimeError)
    assert f"hard-locks the machine: Linux {table.release.name} lacks what Linux 6.9 and later have" in str(err)


@pytest.mark.parametrize(("setup", "locks"), [("6.8", True), ("6.1", True), ("6.6", False), ("6.9", False), ("6.18", False)], indirect=["setup"])
def test_callbacks_freeing_each_others_elements_hard_lock_before_6_10(setup, locks: bool) -> None:  # type: ignore[no-untyped-def]
    """Before the 6.10 fix (also in 6.9.y and 6.6.y) freeing an element from a callback waited for the
    element's running callback, so two callbacks freeing each other's elements hard-locked;
    since, the free is deferred and both return."""
    table, m, space, owner, clock = setup
    results = cross_cancel(table, m, space, owner, clock, free=True)
    if not locks:
        assert (sorted(results), clock.errors, table.slots_of(m)) == (["a", "b"], [], [2, 3])
        return
    assert list(results.values()) == [0]  # the first waits, and is released when the other gives up
    (err,) = clock.errors
    assert isinstance(err, BpfRuntimeError)
    assert f"hard-locks the machine: Linux {table.release.name} lacks what Linux 6.9 and later have" in str(err)


def test_cancel_waits_for_a_callback_running_on_another_thread(setup) -> None:  # type: ignore[no-untyped-def]
    table, m, space, owner, clock = setup
    running, finished = threading.Event(), threading.Event()

    def slow(timer: Timer) -> None:
        running.set()
        time.sleep(0.05)
        finished.set()

    owner.callbacks = {2: slow}
    start(table, m, space, 2, cpu=1)
    assert running.wait(5)
    assert table.cancel(Ctx(space), m.field(2)) == 0  # it was running, not armed
    assert finished.is_set()  # cancel returned only after the callback had finished


def test_callbacks_of_one_timer_never_overlap(setup) -> None:  # type: ignore[no-untyped-def]
    table, m, space, owner, clock = setup
    active, overlaps, runs = [0], [0], [0]
    lock = threading.Lock()

    def rearm_elsewhere(timer: Timer) -> None:
        with lock:
            active[0] += 1
            overlaps[0] = max(overlaps[0], active[0])
            runs[0] += 1
        if runs[0] < 5:  # re-arm at once, on the other CPU, while still running here
            table.start(Ctx(space, cpu=1 - timer.cpu), m.field(3), 0, 0)
        time.sleep(0.01)
        with lock:
            active[0] -= 1

    owner.callbacks = {3: rearm_elsewhere}
    start(table, m, space, 3, cpu=0)
    deadline = time.monotonic() + 5
    while runs[0] < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    clock.run_until_idle(2_000_000_000)
    assert runs[0] == 5
    assert overlaps[0] == 1


def test_a_start_between_expiry_and_callback_keeps_both_firings() -> None:
    """The clock took an expired timer off its queue; before the callback runs, another CPU
    re-arms the timer. As the kernel runs an hrtimer callback it has dequeued even when the
    timer is started again meanwhile, the callback runs for the expiry that was due, and the
    new arm stays armed and fires at its own time (neither is lost, neither is early)."""
    space, owner, clock = AddressSpace(), Owner(), VirtualClock(start_ns=0)
    table, m = TimerTable(clock, owner), FakeMap(space, 1)
    assert table.init(Ctx(space), m.field(0), m, CLOCK_MONOTONIC) == 0
    assert table.set_callback(Ctx(space), m.field(0), 0) == 0
    fired_at: list[int] = []
    fired: list[Timer] = []

    def record(timer: Timer) -> None:
        fired_at.append(clock.now())
        fired.append(timer)

    owner.callbacks = {0: record}

    def start_then_fire(key: Hashable) -> None:
        if not fired_at:  # the first expiry only: re-armed by "another CPU" before it runs
            start(table, m, space, 0, cpu=1, ns=1000)
        table.fire(key)

    clock.set_fire(start_then_fire)
    start(table, m, space, 0, cpu=0, ns=10)
    clock.advance(10)
    assert fired_at == [10]
    timer = fired[0]
    assert (timer.armed, timer.expires_ns, clock.armed) == (True, 1010, 1)
    clock.advance(2000)
    assert fired_at == [10, 1010]
    assert (timer.armed, clock.armed) == (False, 0)


def test_the_hrtimer_tracepoints_follow_the_timer(setup) -> None:  # type: ignore[no-untyped-def]
    """start (was_armed on 6.18), expire entry and exit around the callback, cancel only when
    a cancel removes an armed timer."""
    table, m, space, owner, clock = setup
    table.hooked = frozenset(("hrtimer_start", "hrtimer_cancel", "hrtimer_expire_entry", "hrtimer_expire_exit"))
    fired = threading.Event()
    owner.callbacks = {3: lambda timer: fired.set()}
    start(table, m, space, 3, cpu=0, ns=10 * 10**9)
    start(table, m, space, 3, cpu=0, ns=1000)
    assert fired.wait(5)
    deadline = time.monotonic() + 5
    while len(owner.hooks) < 4 and time.monotonic() < deadline:
        time.sleep(0.001)
    start(table, m, space, 3, cpu=0, ns=10 * 10**9)
    assert table.cancel(Ctx(space), m.field(3)) == 1
    assert table.cancel(Ctx(space), m.field(3)) == 0
    assert owner.hooks == [
        ("hrtimer_start", 3, False), ("hrtimer_start", 3, True),
        ("hrtimer_expire_entry", 3, None), ("hrtimer_expire_exit", 3, None),
        ("hrtimer_start", 3, False), ("hrtimer_cancel", 3, None),
    ]
