"""The deadline queue: order, ties, replacement and lazy deletion."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pybpf.timers import Deadlines


def test_pops_in_expiry_order_with_ties_in_arming_order() -> None:
    d: Deadlines[str] = Deadlines()
    d.push("late", 30)
    d.push("tie-first", 10)
    d.push("tie-second", 10)
    assert [d.pop_due(100), d.pop_due(100), d.pop_due(100), d.pop_due(100)] == [
        (10, "tie-first"), (10, "tie-second"), (30, "late"), None,
    ]


def test_nothing_pops_before_it_is_due() -> None:
    d: Deadlines[str] = Deadlines()
    d.push("a", 10)
    assert d.pop_due(9) is None
    assert d.pop_due(10) == (10, "a")


def test_rearming_replaces_the_old_deadline() -> None:
    d: Deadlines[str] = Deadlines()
    d.push("a", 10)
    d.push("a", 50)
    assert len(d) == 1
    assert d.expiry("a") == 50
    assert d.pop_due(20) is None
    assert d.pop_due(50) == (50, "a")


def test_discard_forgets_a_deadline() -> None:
    d: Deadlines[str] = Deadlines()
    d.push("a", 10)
    assert d.discard("a") is True
    assert d.discard("a") is False
    assert "a" not in d
    assert d.peek() is None


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 100), st.booleans())))
def test_behaves_like_a_dict_of_latest_deadlines(ops: list[tuple[str, int, bool]]) -> None:
    d: Deadlines[str] = Deadlines()
    model: dict[str, tuple[int, int]] = {}
    for i, (key, at, cancel) in enumerate(ops):
        if cancel:
            d.discard(key)
            model.pop(key, None)
        else:
            d.push(key, at)
            model[key] = (at, i)
    popped = []
    while (item := d.pop_due(1000)) is not None:
        popped.append(item)
    assert popped == [(at, key) for key, (at, _) in sorted(model.items(), key=lambda kv: kv[1])]
