"""Which behaviour belongs to which kernel release: the one table ``Runtime(kernel=...)`` reads.

The timer family changed across releases (absolute expiry, CPU pinning, deadlock detection,
``bpf_wq``, Linux 7.0's lock-free rework); pybpf reproduces each release from 5.15 to 7.0. Every
difference is one :class:`Change` row of :data:`CHANGES`: the behaviour, the first release that
has it and, for behaviour a later release dropped, the first release without it. Code asks a
:class:`Release` about behaviours (``release.has(Behaviour.TIMER_ABS)``) or about a kfunc's
first release, never compares version numbers itself: this module is the only one that does.

Each "X.Y" stands for the latest X.Y.y, with the fixes that were backported to it: a fix that
reached the long-term branches but not the releases in between gives its behaviour several rows
(the async-callback stack checks are in 5.15.y, 6.1.y and 6.4 onwards, not in 5.16 to 6.0). Like
the helper and kfunc registries, this module imports nothing of pybpf.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import final

__all__ = ["CHANGES", "DEFAULT_RELEASE", "RELEASES", "Behaviour", "Change", "Release"]

#: Every release pybpf reproduces, oldest first.
RELEASES: tuple[str, ...] = (
    *(f"5.{minor}" for minor in range(15, 20)),
    *(f"6.{minor}" for minor in range(20)),
    "7.0",
)
#: The release a runtime reproduces unless told otherwise: the kernel of the project's machines.
DEFAULT_RELEASE = "6.18"


class Behaviour(enum.Enum):
    """One behaviour that some releases have and others do not; the value says what it is."""

    TRACING_TIMER_BAN = "kprobe, tracepoint, perf_event and raw_tracepoint programs cannot use a map holding a bpf_timer"
    TRACING_WQ_BAN = "kprobe, tracepoint, perf_event and raw_tracepoint programs cannot use a map holding a bpf_wq"
    NMI_EOPNOTSUPP = "the timer helpers and bpf_wq kfuncs return -EOPNOTSUPP in NMI"
    BTF_RECORD_MESSAGES = "timer and spin lock field errors read 'map '%s' has no valid bpf_timer' (btf_record)"
    TIMER_ABS = "bpf_timer_start accepts BPF_F_TIMER_ABS (absolute expiry)"
    ASYNC_CALLBACK_CALL_STACK = "an async callback the program also calls directly counts in its caller's stack"
    ASYNC_CALLBACK_STACK_ROOT = "an async callback is its own call-chain root for the 512-byte stack limit"
    ASYNC_RETURN_RANGE_ZERO = "a bad async callback return says R0 should have been in (0; 0), not (0; 0x1)"
    TIMER_CPU_PIN = "bpf_timer_start accepts BPF_F_TIMER_CPU_PIN (fire on the starting CPU)"
    ASYNC_RETURN_MESSAGE = "a bad callback return reads 'At async callback return the register R0 ... [0, 0]'"
    STACK_JIT_ROUNDING = "a call chain's stack counts each frame rounded to 16 bytes, not 32 (JIT kernels)"
    WQ = "struct bpf_wq is a special field and the bpf_wq kfuncs exist"
    NESTED_SPECIAL_FIELDS = "a timer, wq or spin lock inside a nested struct or an array of the value counts"
    CANCEL_CYCLE_EDEADLK = "callbacks cancelling (or freeing) each other's timers get -EDEADLK (or defer) instead of hard-locking"
    SET_CALLBACK_EPERM = "bpf_timer_set_callback returns -EPERM once the map has no user references"
    TIMERS_IN_ANY_CONTEXT = "timers and workqueues are lock-free: start and cancel_async defer in hard-IRQ context"
    CANCEL_HARDIRQ_EOPNOTSUPP = "bpf_timer_cancel returns -EOPNOTSUPP in hard-IRQ or IRQs-disabled context"
    DYING_TIMER_ENOENT = "start and cancel_async return -ENOENT for a timer being freed"
    RECURSION_EDEADLK = "a deferred start nested in the processing of the same timer's commands gets -EDEADLK"
    HRTIMER_START_WAS_ARMED = "hrtimer_start passes was_armed; re-arming an armed timer no longer fires hrtimer_cancel"


@final
@dataclass(frozen=True)
class Change:
    """One row of the release table: ``behaviour`` from ``since`` up to (not including) ``until``."""

    behaviour: Behaviour
    since: str
    until: str | None
    why: str  #: the kernel change, in a few words


_B = Behaviour
#: The release table, checked against the kernel's history (docs/timers.md says where it differs
#: from the usual account). A behaviour has one row per run of releases that have it.
CHANGES: tuple[Change, ...] = (
    Change(_B.TRACING_TIMER_BAN, "5.15", "7.0", "5.16 fix, backported to 5.15.y; lifted by 7.0's lock-free rework"),
    Change(_B.TRACING_WQ_BAN, "6.10", "7.0", "bpf_wq arrived with the same restriction"),
    Change(_B.NMI_EOPNOTSUPP, "5.15", "7.0", "the per-timer bpf_spin_lock is not NMI-safe"),
    Change(_B.BTF_RECORD_MESSAGES, "6.2", None, "special fields folded into btf_record"),
    Change(_B.TIMER_ABS, "6.4", None, "BPF_F_TIMER_ABS"),
    Change(_B.ASYNC_CALLBACK_CALL_STACK, "5.15", "5.16", "fix max stack depth check for async callbacks: 5.15.y"),
    Change(_B.ASYNC_CALLBACK_CALL_STACK, "6.1", "6.2", "the same fix in 6.1.y"),
    Change(_B.ASYNC_CALLBACK_CALL_STACK, "6.4", None, "the same fix: 6.5-rc2, and 6.4.y"),
    Change(_B.ASYNC_CALLBACK_STACK_ROOT, "6.1", "6.2", "repeat check_max_stack_depth for async callbacks: 6.1.y"),
    Change(_B.ASYNC_CALLBACK_STACK_ROOT, "6.4", None, "the same fix: 6.5-rc3, and 6.4.y (not in 5.15.y)"),
    Change(_B.ASYNC_RETURN_RANGE_ZERO, "5.15", "5.16", "fix verifier log for async callback return values: 5.15.y"),
    Change(_B.ASYNC_RETURN_RANGE_ZERO, "6.1", "6.2", "the same fix in 6.1.y"),
    Change(_B.ASYNC_RETURN_RANGE_ZERO, "6.5", None, "the same fix: 6.6-rc, and 6.5.y"),
    Change(_B.TIMER_CPU_PIN, "6.7", None, "BPF_F_TIMER_CPU_PIN"),
    Change(_B.ASYNC_RETURN_MESSAGE, "6.8", None, "R0 precision at callback exit and the retval-range refactor"),
    Change(_B.STACK_JIT_ROUNDING, "6.9", None, "fix test verif_scale_strobemeta_subprogs failure due to llvm19"),
    Change(_B.WQ, "6.10", None, "bpf_wq, and the bpf_async_* refactor"),
    Change(_B.NESTED_SPECIAL_FIELDS, "6.11", None, "look into the types of the fields of a struct type recursively"),
    Change(_B.CANCEL_CYCLE_EDEADLK, "6.6", "6.7", "fail bpf_timer_cancel when callback is being cancelled, defer work in cancel_and_free: 6.6.y"),
    Change(_B.CANCEL_CYCLE_EDEADLK, "6.9", None, "the same fixes: 6.10, and 6.9.10"),
    Change(_B.SET_CALLBACK_EPERM, "5.15", "7.0", "7.0 frees a map's timers before its urefs drop: -EINVAL"),
    Change(_B.TIMERS_IN_ANY_CONTEXT, "7.0", None, "avoid locks in bpf_timer and bpf_wq"),
    Change(_B.CANCEL_HARDIRQ_EOPNOTSUPP, "7.0", None, "waiting in hard-IRQ context could deadlock"),
    Change(_B.DYING_TIMER_ENOENT, "7.0", None, "the async object's refcount"),
    Change(_B.RECURSION_EDEADLK, "7.0", None, "add a recursion check to prevent loops in bpf_timer"),
    Change(_B.HRTIMER_START_WAS_ARMED, "6.1", "6.2", "reduce trace noise in hrtimer_start(): 6.1.y"),
    Change(_B.HRTIMER_START_WAS_ARMED, "6.12", "6.13", "the same fix in 6.12.y"),
    Change(_B.HRTIMER_START_WAS_ARMED, "6.18", None, "the same fix: 7.1, and 7.0.y and 6.18.y (6.18.44 has it)"),
)


@final
class Release:
    """One kernel release's behaviour, as :data:`CHANGES` says.

    Raises:
        ValueError: ``name`` is not one of :data:`RELEASES`.
    """

    __slots__ = ("_index", "_present", "name")

    def __init__(self, name: str) -> None:
        if name not in RELEASES:
            raise ValueError(f"unknown kernel release {name!r}: pybpf reproduces {RELEASES[0]} to {RELEASES[-1]} ('X.Y')")
        self.name = name
        self._index = RELEASES.index(name)
        self._present = frozenset(c.behaviour for c in CHANGES if self._within(c.since, c.until))

    def __repr__(self) -> str:
        return f"<Release {self.name}>"

    def _within(self, since: str, until: str | None) -> bool:
        return RELEASES.index(since) <= self._index and (until is None or self._index < RELEASES.index(until))

    def has(self, behaviour: Behaviour) -> bool:
        """Whether this release behaves as ``behaviour`` describes."""
        return behaviour in self._present

    def offers(self, since: str, until: str | None = None) -> bool:
        """Whether something that appeared in ``since`` (and left in ``until``) is in this
        release: the kfunc registry's ``release`` field is asked this way."""
        return self._within(since, until)

    @property
    def timer_start_flags(self) -> int:
        """The ``bpf_timer_start`` flags this release accepts (others give ``-EINVAL``)."""
        abs_flag, cpu_pin_flag = 1 << 0, 1 << 1  # BPF_F_TIMER_ABS, BPF_F_TIMER_CPU_PIN
        return (abs_flag if self.has(Behaviour.TIMER_ABS) else 0) | (
            cpu_pin_flag if self.has(Behaviour.TIMER_CPU_PIN) else 0
        )

    def lacks(self, behaviour: Behaviour) -> str:
        """A message fragment saying this release lacks ``behaviour`` and from which release on
        every release has it."""
        latest = [c for c in CHANGES if c.behaviour == behaviour][-1]
        return f"Linux {self.name} lacks what Linux {latest.since} and later have ({behaviour.value})"
