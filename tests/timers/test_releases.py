"""One object on every release: the differences the release table (``pybpf._releases``) puts
where the spec's changelog does, each asserted here, and the rest unchanged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf._releases import CHANGES, DEFAULT_RELEASE, RELEASES, Behaviour, Release
from pybpf.timers import IrqContext

from ._ops import timer_op

TESTDATA = Path(__file__).parent / "testdata"
EPERM, EINVAL, EDEADLK, EOPNOTSUPP, ECANCELED = 1, 22, 35, 95, 125
ABS, CPU_PIN = 1, 2
RESET, INIT, SET_CB, START, CANCEL, CANCEL_ASYNC = range(-1, 5)  # as Ops.op numbers them

#: the spec's changelog as the kernel's history corrects it (docs/timers.md), written out:
#: (behaviour, the releases that have it, as runs "first release with it", "first without")
CHANGELOG = [
    (Behaviour.TRACING_TIMER_BAN, [("5.15", "7.0")]),
    (Behaviour.TRACING_WQ_BAN, [("6.10", "7.0")]),
    (Behaviour.NMI_EOPNOTSUPP, [("5.15", "7.0")]),
    (Behaviour.BTF_RECORD_MESSAGES, [("6.2", None)]),
    (Behaviour.TIMER_ABS, [("6.4", None)]),
    (Behaviour.ASYNC_CALLBACK_CALL_STACK, [("5.15", "5.16"), ("6.1", "6.2"), ("6.4", None)]),
    (Behaviour.ASYNC_CALLBACK_STACK_ROOT, [("6.1", "6.2"), ("6.4", None)]),
    (Behaviour.ASYNC_RETURN_RANGE_ZERO, [("5.15", "5.16"), ("6.1", "6.2"), ("6.5", None)]),
    (Behaviour.TIMER_CPU_PIN, [("6.7", None)]),
    (Behaviour.ASYNC_RETURN_MESSAGE, [("6.8", None)]),
    (Behaviour.STACK_JIT_ROUNDING, [("6.9", None)]),
    (Behaviour.WQ, [("6.10", None)]),
    (Behaviour.NESTED_SPECIAL_FIELDS, [("6.11", None)]),
    (Behaviour.CANCEL_CYCLE_EDEADLK, [("6.6", "6.7"), ("6.9", None)]),
    (Behaviour.SET_CALLBACK_EPERM, [("5.15", "7.0")]),
    (Behaviour.TIMERS_IN_ANY_CONTEXT, [("7.0", None)]),
    (Behaviour.CANCEL_HARDIRQ_EOPNOTSUPP, [("7.0", None)]),
    (Behaviour.DYING_TIMER_ENOENT, [("7.0", None)]),
    (Behaviour.RECURSION_EDEADLK, [("7.0", None)]),
    (Behaviour.HRTIMER_START_WAS_ARMED, [("6.1", "6.2"), ("6.12", "6.13"), ("6.18", None)]),
]


# -- the table -------------------------------------------------------------------------------

def test_every_release_from_5_15_to_7_0_is_a_runtime() -> None:
    assert RELEASES[0] == "5.15" and RELEASES[-1] == "7.0" and "6.19" in RELEASES and len(RELEASES) == 26
    for name in RELEASES:
        with pybpf.Runtime(clock="virtual", kernel=name) as rt:
            assert rt.kernel == name and rt.release.name == name


@pytest.mark.parametrize("name", ["5.14", "7.1", "6.18.3", "v6.18", "6", ""])
def test_other_releases_are_a_value_error_listing_the_range(name: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown kernel release .*: pybpf reproduces 5\.15 to 7\.0 \('X\.Y'\)$"):
        pybpf.Runtime(clock="virtual", kernel=name)


def test_the_default_is_6_18() -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        assert rt.kernel == DEFAULT_RELEASE == "6.18"


@pytest.mark.parametrize(("behaviour", "runs"), CHANGELOG, ids=[b.name for b, _ in CHANGELOG])
def test_each_change_applies_exactly_where_the_changelog_puts_it(behaviour: Behaviour, runs: list[tuple[str, str | None]]) -> None:
    def within(i: int) -> bool:
        return any(RELEASES.index(since) <= i < (RELEASES.index(until) if until else len(RELEASES)) for since, until in runs)

    assert [Release(r).has(behaviour) for r in RELEASES] == [within(i) for i in range(len(RELEASES))]


def test_the_table_lists_every_behaviour_and_only_the_changelogs_rows() -> None:
    assert {c.behaviour for c in CHANGES} == set(Behaviour) == {b for b, _ in CHANGELOG}
    assert len(CHANGES) == sum(len(runs) for _, runs in CHANGELOG)


def _runs(behaviour: Behaviour) -> str:
    """The releases that have ``behaviour``, as docs/timers.md writes them."""
    parts = []
    for c in (c for c in CHANGES if c.behaviour == behaviour):
        last = RELEASES[RELEASES.index(c.until) - 1] if c.until else None
        parts.append(f"{c.since} on" if last is None else c.since if last == c.since else f"{c.since}–{last}")
    return ", ".join(parts)


def test_the_docs_list_every_behaviour_where_the_table_puts_it() -> None:
    page = (Path(__file__).parents[2] / "docs" / "timers.md").read_text()
    for behaviour in Behaviour:
        row = rf"^\| {re.escape(_runs(behaviour))} \| .*\(`{behaviour.name}`\) \|$"
        assert re.search(row, page, re.MULTILINE), behaviour.name


def test_a_missing_behaviour_names_the_release_from_which_all_have_it() -> None:
    assert Release("6.1").lacks(Behaviour.CANCEL_CYCLE_EDEADLK).startswith("Linux 6.1 lacks what Linux 6.9 and later have (")


# -- one object, every release -----------------------------------------------------------------

class Ops:
    """The timer_ops scenario program on one release."""

    def __init__(self, rt: pybpf.Runtime) -> None:
        self.rt = rt
        self.obj = rt.load(TESTDATA / "timer_ops.bpf.c")

    def op(self, op: int, a: int = 0, b: int = 0, key: int = 0) -> int:
        return timer_op(self.obj.programs["timer_op"], 0, key, op + 1, a, b)


@pytest.fixture(params=RELEASES)
def ops(request: pytest.FixtureRequest) -> Iterator[Ops]:
    with pybpf.Runtime(clock="virtual", kernel=request.param) as rt:
        yield Ops(rt)


def test_start_flags_follow_the_release(ops: Ops) -> None:
    """8.8: BPF_F_TIMER_ABS from 6.4, BPF_F_TIMER_CPU_PIN from 6.7; -EINVAL before."""
    index = RELEASES.index(ops.rt.kernel)
    assert [ops.op(INIT, 7), ops.op(SET_CB)] == [0, 0]
    boot_now = ops.rt.clock.now(7)
    abs_rc = ops.op(START, boot_now + 1000, ABS)
    pin_rc = ops.op(START, 1000, CPU_PIN)
    assert abs_rc == (0 if index >= RELEASES.index("6.4") else -EINVAL)
    assert pin_rc == (0 if index >= RELEASES.index("6.7") else -EINVAL)
    assert ops.op(START, 1000, 4) == -EINVAL  # never a flag
    ops.rt.advance(1000)
    fired = ops.obj.maps["arr"][0]["counter"]
    assert fired == (1 if abs_rc == 0 or pin_rc == 0 else 0)


def test_the_rules_that_never_changed_hold_on_every_release(ops: Ops) -> None:
    """8.1 to 8.4 on every release: clocks, call order, cancel's return values, self-cancel."""
    assert [ops.op(START, 1000), ops.op(INIT, 2), ops.op(INIT, 1), ops.op(INIT, 1)] == [-EINVAL, -EINVAL, 0, -16]
    assert [ops.op(START, 1000), ops.op(SET_CB), ops.op(CANCEL), ops.op(SET_CB)] == [-EINVAL, 0, 0, 0]
    assert [ops.op(START, pybpf.SECOND), ops.op(CANCEL), ops.op(CANCEL), ops.op(START, 1000)] == [0, 1, 0, -EINVAL]
    ops.obj.globals["cb_mode"] = 2  # SELF_CANCEL
    assert [ops.op(SET_CB), ops.op(START, 1000)] == [0, 0]
    ops.rt.advance(1000)
    assert ops.obj.globals["cb_rc"] == -EDEADLK


def test_element_operations_and_user_references_free_timers_on_every_release(ops: Ops) -> None:
    """8.5 and 8.6 on every release: an array update resets the element's timer (init works
    again, the pending callback never runs); once the map's last user reference goes, its
    timers are cancelled and init gets -EPERM."""
    assert [ops.op(INIT, 1), ops.op(SET_CB), ops.op(START, 1000)] == [0, 0, 0]
    assert ops.op(RESET) == 0
    ops.rt.advance(1000)
    assert ops.obj.maps["arr"][0]["counter"] == 0
    assert [ops.op(INIT, 1), ops.op(SET_CB), ops.op(START, pybpf.SECOND)] == [0, 0, 0]
    ops.obj.maps["arr"].close()
    assert ops.rt.timers() == []
    assert [ops.op(INIT, 1), ops.op(SET_CB)] == [-EPERM, -EINVAL]  # the timer is gone


# -- program types: the tracing ban (5.16/5.15.y to 6.19) ---------------------------------------

@pytest.mark.parametrize("kernel", ["5.15", "6.9", "6.18", "6.19", "7.0"])
@pytest.mark.parametrize("program", ["from_kprobe", "from_perf_event"])
def test_kprobe_and_perf_event_programs_may_use_timers_only_from_7_0(kernel: str, program: str) -> None:
    """8.7: a kprobe using a timer map is refused before 7.0 and accepted from 7.0."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        if kernel != "7.0":
            with pytest.raises(pybpf.VerifierError, match=r"^tracing progs cannot use bpf_timer yet$"):
                rt.load(TESTDATA / "timer_contexts.bpf.c", programs=[program])
            return
        obj = rt.load(TESTDATA / "timer_contexts.bpf.c", programs=[program])
        assert program in obj.programs


@pytest.mark.parametrize("kernel", ["5.15", "6.18"])
def test_fentry_programs_may_always_use_timers(kernel: str) -> None:
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        assert "in_hook" in rt.load(TESTDATA / "timer_contexts.bpf.c", programs=["in_hook"]).programs


WQ_KPROBE = """
struct elem { struct bpf_wq w; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, struct elem); }
    wqs SEC(".maps");
SEC("kprobe/do_nanosleep")
int probe(void *ctx) { int k = 0; return bpf_map_lookup_elem(&wqs, &k) != 0; }
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize(("kernel", "refused"), [("6.9", False), ("6.10", True), ("6.19", True), ("7.0", False)])
def test_kprobes_cannot_use_a_wq_map_from_6_10_to_6_19(c_file, kernel: str, refused: bool) -> None:  # type: ignore[no-untyped-def]
    """Before 6.10 struct bpf_wq is plain bytes; 6.10 brought it with the tracing ban."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        if refused:
            with pytest.raises(pybpf.VerifierError, match=r"^tracing progs cannot use bpf_wq yet$"):
                rt.load(c_file(WQ_KPROBE))
        else:
            rt.load(c_file(WQ_KPROBE))


# -- contexts: NMI, hard IRQ (7.0 defers), and the hrtimer_cancel hook --------------------------

def _in_hook(rt: pybpf.Runtime, obj: pybpf.Object, which: int, context: IrqContext) -> int:
    obj.globals["op"] = which
    rt.trigger("bpf_fentry_test1", 1, context=context)
    return obj.globals["hook_rc"]  # type: ignore[no-any-return]


def _contexts(kernel: str) -> tuple[pybpf.Runtime, pybpf.Object]:
    rt = pybpf.Runtime(clock="virtual", kernel=kernel)
    cflags = ["-DWITH_CANCEL_ASYNC"] if kernel == "7.0" else []
    obj = rt.load(TESTDATA / "timer_contexts.bpf.c", programs=["in_hook", "in_task"], cflags=cflags)
    obj.programs["in_hook"].attach()
    return rt, obj


@pytest.mark.parametrize("kernel", ["5.15", "6.18"])
def test_before_7_0_every_timer_helper_refuses_nmi(kernel: str) -> None:
    rt, obj = _contexts(kernel)
    with rt:
        assert [_in_hook(rt, obj, op, IrqContext.NMI) for op in (INIT, SET_CB, START, CANCEL)] == [-EOPNOTSUPP] * 4
        assert _in_hook(rt, obj, INIT, IrqContext.HARDIRQ) == 0  # the lock is IRQ-safe
        assert _in_hook(rt, obj, CANCEL, IrqContext.HARDIRQ) == 0


def test_7_0_defers_start_and_cancel_async_in_hard_irq_and_refuses_cancel() -> None:
    rt, obj = _contexts("7.0")
    with rt:
        assert [_in_hook(rt, obj, op, IrqContext.NMI) for op in (INIT, SET_CB)] == [0, 0]
        assert _in_hook(rt, obj, START, IrqContext.NMI) == 0  # queued, applied on the way out
        assert [t.state for t in rt.timers()] == ["armed"]
        assert _in_hook(rt, obj, CANCEL, IrqContext.HARDIRQ) == -EOPNOTSUPP  # cannot wait there
        assert _in_hook(rt, obj, CANCEL_ASYNC, IrqContext.HARDIRQ) == -ECANCELED  # deferred: success
        assert [t.state for t in rt.timers()] == ["idle"]
        assert [(e.event, e.detail) for e in rt.timer_events()][2:] == [
            ("defer", "start"), ("start", "expires 1000001000ns"), ("defer", "cancel"), ("cancel", "async, was armed")
        ]
        obj.globals["op"] = START
        assert obj.programs["in_task"].test_run(ctx=b"").retval == 0  # the callback is still set
        rt.advance(1000)
        assert obj.globals["fired"] == 1


@pytest.mark.parametrize("kernel", ["6.17", "6.18", "7.0"])
def test_timer_start_deadlock_selftest(kernel: str) -> None:
    """6.8 (7.0's selftest): a tp_btf program in hrtimer_cancel starts the timer being re-armed.
    Releases whose re-arm fires hrtimer_cancel spin on the timer's own lock there; from 6.18
    (and in 7.0.y) re-arming fires only hrtimer_start (with was_armed), so the program never
    runs: the kernel's "reduce trace noise in hrtimer_start()"."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        obj = rt.load(TESTDATA / "timer_contexts.bpf.c", programs=["start_timer", "BPF_PROG_tp_hrtimer_cancel"])
        obj.programs["BPF_PROG_tp_hrtimer_cancel"].attach()
        if kernel == "6.17":
            with pytest.raises(pybpf.BpfRuntimeError, match=r"timer deadlock: .* Linux 6\.17 lacks what Linux 7\.0 and later have"):
                obj.programs["start_timer"].test_run(ctx=b"")
            return
        res = obj.programs["start_timer"].test_run(ctx=b"")
        assert (res.retval, obj.globals["tp_called"], obj.globals["tp_rc"]) == (0, 0, 0)
        assert [e.event for e in rt.timer_events()][-2:] == ["start", "start"]


def test_a_deferred_start_of_a_timer_freed_meanwhile_is_dropped_as_dying() -> None:
    rt, obj = _contexts("7.0")
    with rt:
        assert [_in_hook(rt, obj, op, IrqContext.TASK) for op in (INIT, SET_CB)] == [0, 0]
        table = rt.timers_table
        with rt._host.running_in(IrqContext.HARDIRQ):
            obj.globals["op"] = START
            rt.trigger("bpf_fentry_test1", 1)
            obj.maps["timer_map"][0] = {}  # the update frees the timer before the irq_work runs
        assert rt.timers() == []
        assert (table.events[-1].event, table.events[-1].detail) == ("dropped", "start: -ENOENT, the timer is being freed")
        rt.advance(pybpf.SECOND)
        assert obj.globals["fired"] == 0


# -- the kernel's timer selftest (timer.c) as each release has it ----------------------------------

@pytest.mark.parametrize(
    ("kernel", "programs"),
    [("5.15", 2), ("6.3", 2), ("6.4", 3), ("6.6", 3), ("6.7", 5), ("6.18", 5), ("7.0", 5)],
)
def test_timer_selftest_of_each_release(kernel: str, programs: int) -> None:
    """timer.c has test1 and test2 from 5.15, test3 (absolute expiry) from 6.4, test4 and test5
    (pinned timers) from 6.7: each release runs the programs it has, with the same results."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        obj = rt.load(TESTDATA / "timer_selftest.bpf.c")
        g = obj.globals
        links = [obj.programs[f"test{i}"].attach() for i in range(1, programs + 1)]
        assert obj.programs["test1"].test_run().retval == 0
        for link in links:
            link.detach()
        rt.advance(50_000)
        assert (g["err"], g["ok"], g["callback_check"], g["callback2_check"], g["bss_data"]) == (0, 7, 42, 42, 10)
        assert g["abs_data"] == (12 if programs >= 3 else 0)
        assert g["pinned_callback_check"] == (2 if programs == 5 else 0)


@pytest.mark.parametrize(("kernel", "abs_data", "pinned"), [("5.15", 0, 0), ("6.6", 12, 0), ("6.7", 12, 2)])
def test_timer_selftest_programs_of_later_releases_do_nothing_on_earlier_ones(kernel: str, abs_data: int, pinned: int) -> None:
    """test3 to test5 on a release without their flags: bpf_timer_start returns -EINVAL, so
    their callbacks never run."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        obj = rt.load(TESTDATA / "timer_selftest.bpf.c")
        links = [obj.programs[f"test{i}"].attach() for i in (3, 4, 5)]
        assert obj.programs["test1"].test_run().retval == 0
        for link in links:
            link.detach()
        rt.advance(50_000)
        assert (obj.globals["abs_data"], obj.globals["pinned_callback_check"]) == (abs_data, pinned)


def test_the_worked_example_in_the_docs_is_the_example_the_suite_runs() -> None:
    """docs/timers.md shows examples/timers/test_heartbeat.py's test, which the suite runs."""
    root = Path(__file__).parents[2]
    page = (root / "docs" / "timers.md").read_text()
    section = page[page.index("### Testing one program on several releases") :]
    shown = section[section.index("```python\n") + len("```python\n") : section.index("```\n", section.index("```python"))]
    assert shown in (root / "examples" / "timers" / "test_heartbeat.py").read_text()
