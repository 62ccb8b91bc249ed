"""The verifier's timer rules on each release: one object (testdata/timer_rules.bpf.c, one
program per rule) whose verdict or message the release table changes, asserted on the releases
on both sides of each change. The 6.18 verdicts are the live kernel's (tests/kernel/test_timer_rules.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf._releases import RELEASES, Behaviour, Release
from pybpf.verifier import VerifierError
from verifier.corpus import cases_or_skip, read_verdicts

RULES = Path(__file__).parent / "testdata" / "timer_rules.bpf.c"
NO_VALID = "map 'timers' has no valid bpf_timer"


def verdict(kernel: str, rule: str | None = None) -> str | None:
    """What loading the rule's program on ``kernel`` gives: None when it loads."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        try:
            rt.load(RULES, cflags=[f"-D{rule}"] if rule else [])
        except VerifierError as err:
            return str(err)
    return None


@pytest.mark.parametrize("kernel", ["5.15", "6.1", "6.2", "6.18", "7.0"])
def test_a_well_formed_timer_program_loads_on_every_release(kernel: str) -> None:
    assert verdict(kernel) is None


@pytest.mark.parametrize(
    ("rule", "before_6_2"),
    [
        ("TWO_TIMERS", "map 'timers' has more than one 'struct bpf_timer'"),
        ("NO_TIMER", "map 'timers' doesn't have 'struct bpf_timer'"),
        ("MISALIGNED", "map 'timers' is not a struct type or bpf_timer is mangled"),
    ],
    ids=["two-timers", "no-timer", "misaligned"],
)
def test_before_6_2_the_verifier_says_why_a_value_has_no_timer(rule: str, before_6_2: str) -> None:
    assert [verdict(k, rule) for k in ("5.15", "6.1", "6.2", "6.18")] == [before_6_2, before_6_2, NO_VALID, NO_VALID]


RDONLY_PROG, WRONLY_PROG = 128, 256


def create(kernel: str, flags: int, privileged: bool = True) -> int:
    """The errno creating the timer map with ``flags`` gives (0: it loads)."""
    with pybpf.Runtime(clock="virtual", kernel=kernel, privileged=privileged) as rt:
        try:
            rt.load(RULES, cflags=[f"-DMAP_FLAGS={flags}"], verify=False)
        except pybpf.MapError as err:
            return err.errno
    return 0


def test_map_creation_rules_for_special_fields_tightened_in_6_2() -> None:
    """A timer map may never be read-only for programs (EACCES); since 6.2, with every special
    field in one record, it may not be write-only either, and creating it needs CAP_BPF."""
    assert [create("6.1", RDONLY_PROG), create("6.1", WRONLY_PROG), create("6.1", 0, privileged=False)] == [13, 0, 0]
    assert [create("6.2", RDONLY_PROG), create("6.2", WRONLY_PROG), create("6.2", 0, privileged=False)] == [13, 13, 1]
    assert create("6.18", 0) == 0


def test_a_timer_in_a_nested_struct_is_a_timer_from_6_11() -> None:
    """Before 6.11 the kernel looked for special fields among the value's own members only: a
    nested timer is 16 plain bytes, which user space writes and reads back, and which no timer
    helper accepts."""
    assert [verdict(k, "NESTED") for k in ("5.15", "6.10", "6.11")] == [
        "map 'timers' doesn't have 'struct bpf_timer'", NO_VALID, None
    ]
    for kernel, seen in (("6.10", b"\xaa" * 16), ("6.11", bytes(16))):
        with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
            timers = rt.load(RULES, cflags=["-DNESTED"], verify=False).maps["timers"].internal
            timers.update_elem(bytes(4), b"\xaa" * 24, 0)
            assert timers.lookup_elem(bytes(4))[8:24] == seen, kernel  # type: ignore[index]


def test_the_async_callback_return_message_changed_in_6_8_and_its_range_was_fixed_in_late_2023() -> None:
    old = "At async callback the register R0 has value (0x1; 0) should have been in "
    assert verdict("5.15", "RETURNS_ONE") == old + "(0; 0)"  # the log fix reached 5.15.y...
    assert verdict("6.0", "RETURNS_ONE") == old + "(0; 0x1)"  # ...not 5.16 to 6.0, 6.2 to 6.4
    assert verdict("6.4", "RETURNS_ONE") == old + "(0; 0x1)"
    assert verdict("6.7", "RETURNS_ONE") == old + "(0; 0)"
    new = "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]"
    assert verdict("6.8", "RETURNS_ONE") == verdict("7.0", "RETURNS_ONE") == new


def test_timer_failure_selftest_a_random_return_on_some_path_is_refused_on_every_release() -> None:
    """timer_failure (6.8): R0 is random on one path, 0 on the other. Releases before 6.8
    could prune the bad path away (R0 was not marked precise at the callback's exit); pybpf
    refuses it everywhere, in each release's words."""
    unknown = "the register R0 has unknown scalar value should have been in "
    assert verdict("5.15", "RETURNS_RANDOM") == "At async callback " + unknown + "(0; 0)"
    assert verdict("6.18", "RETURNS_RANDOM") == "At async callback return " + unknown + "[0, 0]"


@pytest.mark.parametrize(
    ("kernel", "called_directly", "calls_deep"),
    [
        ("5.15", 544, None),  # 5.15.y has the first fix, not the second
        ("5.16", None, None),
        ("6.0", None, None),
        ("6.1", 544, 576),  # both backported to 6.1.y
        ("6.3", None, None),
        ("6.4", 544, 576),  # and to 6.4.y; mainline 6.5
        ("6.8", 544, 576),
        ("6.9", 528, 560),  # frames round to the JIT's 16 bytes, not the interpreter's 32
        ("6.18", 528, 560),
    ],
)
def test_async_callback_stacks_are_bounded_where_the_2023_fixes_reached(
    kernel: str, called_directly: int | None, calls_deep: int | None
) -> None:
    """A callback the program also calls counts in the program's chain; a callback's own calls
    form a chain of their own. Without the fixes the kernel let both through."""
    for rule, size in (("CALLED_DIRECTLY", called_directly), ("CALLS_DEEP", calls_deep)):
        expected = None if size is None else f"combined stack size of 2 calls is {size}. Too large"
        assert verdict(kernel, rule) == expected, rule


# -- the verifier corpus's timer cases (recorded from the kernel, 6.18) on every release --------

TIMER_CASES = {cid: v for cid, v in read_verdicts().items() if cid.split("/")[0] in ("timer", "timer_asm", "timer_mim")}


def _old_range(release: Release) -> str:
    return "(0; 0)" if release.has(Behaviour.ASYNC_RETURN_RANGE_ZERO) else "(0; 0x1)"


def _async_return(new: str, old: str) -> Callable[[Release], str | None]:
    return lambda r: new if r.has(Behaviour.ASYNC_RETURN_MESSAGE) else old.format(range=_old_range(r))


def _tracing_ban(release: Release) -> str | None:
    return "tracing progs cannot use bpf_timer yet" if release.has(Behaviour.TRACING_TIMER_BAN) else None


def _deep_callback_chain(release: Release) -> str | None:
    if not release.has(Behaviour.ASYNC_CALLBACK_STACK_ROOT):
        return None
    return f"combined stack size of 2 calls is {608 if release.has(Behaviour.STACK_JIT_ROUNDING) else 640}. Too large"


#: the cases whose verdict the release table changes: what each release says
CHANGED: dict[str, Callable[[Release], str | None]] = {
    "timer/callback_returns_one": _async_return(
        "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]",
        "At async callback the register R0 has value (0x1; 0) should have been in {range}"),
    "timer/callback_returns_unknown": _async_return(
        "At async callback return the register R0 has unknown scalar value should have been in [0, 0]",
        "At async callback the register R0 has unknown scalar value should have been in {range}"),
    "timer_asm/callback_returns_pointer": _async_return(
        "At async callback return the register R0 is not a known value (map_ptr)",
        "In async callback the register R0 is not a known value (map_ptr)"),
    "timer_asm/init_map_without_timer": lambda r: (
        "map 'array' has no valid bpf_timer" if r.has(Behaviour.BTF_RECORD_MESSAGES)
        else "map 'array' doesn't have 'struct bpf_timer'"),
    "timer_asm/callback_chain_too_deep": _deep_callback_chain,
    **{f"timer_asm/{p}_looks_up_timer_map": _tracing_ban for p in ("kprobe", "perf_event", "raw_tp", "tracepoint")},
}


def _expected(case_id: str, release: Release) -> str | None:
    if case_id in CHANGED:
        return CHANGED[case_id](release)
    kernel = TIMER_CASES[case_id]
    return None if kernel.accepted else kernel.message


def test_the_changed_cases_are_the_kernels_verdict_on_6_18() -> None:
    assert set(CHANGED) <= set(TIMER_CASES)
    for case_id, rule in CHANGED.items():
        kernel = TIMER_CASES[case_id]
        assert rule(Release("6.18")) == (None if kernel.accepted else kernel.message), case_id


@pytest.mark.parametrize(
    "release", [r if r in ("5.15", "7.0") else pytest.param(r, marks=pytest.mark.slow) for r in RELEASES if r != "6.18"]
)
def test_every_timer_case_of_the_verifier_corpus_on_every_release(release: str) -> None:
    """§8.7 on every release: each timer case the kernel's verifier judged (on 6.18) gets the
    same verdict, except where the release table says the release differs."""
    cases = {cid: case for cid, case in cases_or_skip().items() if cid in TIMER_CASES}
    assert len(cases) == len(TIMER_CASES) > 50
    found = {}
    for case_id, case in sorted(cases.items()):
        with pybpf.Runtime(clock="virtual", kernel=release) as rt:
            try:
                rt.load(case.obj, programs=[case.program])
                found[case_id] = None
            except VerifierError as err:
                found[case_id] = str(err)
    assert found == {case_id: _expected(case_id, Release(release)) for case_id in cases}
