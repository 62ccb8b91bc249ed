"""A picture of the timer event trace: one lane per timer, time running left to right.

In each lane a light bar runs from each ``bpf_timer_start`` to the expiry it set (cut short by
a cancel, a free or a restart), a marker shows each callback firing, a cross each cancel and a
bar end each free. On the real clock a dark bar shows how long each callback ran; on the
virtual clock a callback takes no time, so the lane's label gives the callbacks' average host
run time instead.

matplotlib is an optional extra (``pip install pybpf[plot]``) imported here only, when a
picture is asked for, and driven through its object API so that no global backend is chosen
for the caller.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import NotSupportedError
from ..timers import TimerEvent

__all__ = ["FORMATS", "plot_timeline"]

FORMATS = (".svg", ".png")  #: the file types a timeline is written as, by suffix
_MAX_LABEL = 36
_COLORS = {"armed": "#c6dbef", "start": "#4292c6", "fire": "#08519c", "cancel": "#cb181d",
           "free": "#636363", "init": "#41ab5d", "callback": "#08306b"}


@dataclass
class _Lane:
    """What one timer did, in the trace's times."""

    label: str
    armed: list[tuple[int, int]] = field(default_factory=list)  #: (start, end) bars
    fires: list[tuple[int, int | None]] = field(default_factory=list)  #: (time, host run time)
    cancels: list[int] = field(default_factory=list)
    frees: list[int] = field(default_factory=list)
    inits: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    pending: tuple[int, int] | None = None  #: the armed bar still open: (start, expiry)

    def close_armed(self, at: int) -> None:
        if self.pending is not None:
            start, expiry = self.pending
            self.armed.append((start, min(at, expiry)))
            self.pending = None


def _key_text(key: Any, fields: Sequence[str] | None = None) -> str:
    """A short spelling of a typed key for a lane label: ``7``, or for a struct key the
    members in ``fields`` (those that tell the map's timers apart): ``sport=1000``."""
    if isinstance(key, Mapping):
        names = list(key) if fields is None else fields
        text = " ".join(f"{name}={_key_text(key[name])}" for name in names)
    elif isinstance(key, bytes):
        text = key.hex()
    else:
        text = str(key)
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def _label_keys(events: Sequence[TimerEvent]) -> dict[tuple[str, bytes], str]:
    """Each timer's ``map[key]`` label. Struct keys show only the members whose values differ
    between the map's timers (all of them when the map has one), so lanes read ``flows[sport=1000]``."""
    keys: dict[str, dict[bytes, Any]] = {}
    for e in events:
        keys.setdefault(e.map, {})[e.raw_key] = e.key
    labels = {}
    for name, by_raw in keys.items():
        typed = list(by_raw.values())
        fields = None
        if len(typed) > 1 and all(isinstance(k, Mapping) for k in typed):
            fields = [f for f in typed[0] if len({repr(k.get(f)) for k in typed}) > 1] or None
        for raw, key in by_raw.items():
            labels[(name, raw)] = f"{name}[{_key_text(key, fields)}]"
    return labels


def _lanes(events: Sequence[TimerEvent]) -> list[_Lane]:
    """One lane per timer, in the order they were initialised; a timer initialised again in
    the same element after a free gets a lane of its own."""
    labels = _label_keys(events)
    lanes: list[_Lane] = []
    current: dict[tuple[str, bytes], _Lane] = {}
    for e in events:
        ident = (e.map, e.raw_key)
        lane = current.get(ident)
        if lane is None or (e.event == "init" and lane.frees):
            lane = current[ident] = _Lane(labels[ident])
            lanes.append(lane)
        if e.event == "init":
            lane.inits.append(e.time_ns)
        elif e.event == "start":
            lane.starts.append(e.time_ns)
            lane.close_armed(e.time_ns)
            lane.pending = (e.time_ns, e.expires_ns if e.expires_ns is not None else e.time_ns)
        elif e.event == "fire":
            lane.close_armed(e.time_ns)
            lane.fires.append((e.time_ns, e.duration_ns))
        elif e.event in ("cancel", "free"):
            lane.close_armed(e.time_ns)
            (lane.cancels if e.event == "cancel" else lane.frees).append(e.time_ns)
    for lane in lanes:  # still armed: the bar runs to the expiry, even a future one
        if lane.pending is not None:
            lane.armed.append(lane.pending)
            lane.pending = None
    return lanes


def plot_timeline(events: Sequence[TimerEvent], path: str | Path, *, now_ns: int, virtual: bool) -> Path:
    """Draw ``events`` (a runtime's timer event trace) into ``path`` and return it.

    ``now_ns`` is the clock's time now (the axis runs at least that far); ``virtual`` says
    which clock the times are on, for the axis.

    Raises:
        NotSupportedError: matplotlib is not installed.
        ValueError: ``path`` does not end in ``.svg`` or ``.png``, or its directory does not
            exist.
    """
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"plot_timers: path must end in .svg or .png, got '{path.name}'")
    if not path.parent.is_dir():
        raise ValueError(f"plot_timers: no directory {path.parent} to write {path.name} into")
    try:
        figure_module: Any = importlib.import_module("matplotlib.figure")
    except ImportError:
        raise NotSupportedError(
            "plot_timers: drawing needs matplotlib: pip install 'pybpf[plot]' (or matplotlib)"
        ) from None
    lanes = _lanes(events)
    origin = min((e.time_ns for e in events), default=now_ns)
    end = max([now_ns, *(b for lane in lanes for _, b in lane.armed)])
    scale, unit = _unit(end - origin)

    height = 1.6 + 0.45 * max(1, len(lanes))
    fig = figure_module.Figure(figsize=(10, height), layout="constrained")
    ax = fig.subplots()

    def x(t: int) -> float:
        return (t - origin) / scale

    for y, lane in enumerate(reversed(lanes)):
        for a, b in lane.armed:
            ax.broken_barh([(x(a), max(x(b) - x(a), 1e-9))], (y - 0.18, 0.36), color=_COLORS["armed"])
        if lane.frees:
            ax.plot([x(t) for t in lane.frees], [y] * len(lane.frees), "s", color=_COLORS["free"], ms=9)
        if lane.starts:
            ax.plot([x(t) for t in lane.starts], [y] * len(lane.starts), "|", color=_COLORS["start"], ms=13, mew=1.5)
        if lane.inits:
            ax.plot([x(t) for t in lane.inits], [y] * len(lane.inits), "o", color=_COLORS["init"], ms=5)
        if lane.fires:
            ax.plot([x(t) for t, _ in lane.fires], [y] * len(lane.fires), "v", color=_COLORS["fire"], ms=8)
            if not virtual:
                bars = [(x(t), d / scale) for t, d in lane.fires if d]
                ax.broken_barh(bars, (y - 0.32, 0.12), color=_COLORS["callback"])
        if lane.cancels:
            ax.plot([x(t) for t in lane.cancels], [y] * len(lane.cancels), "x", color=_COLORS["cancel"], ms=8, mew=2)
    ax.set_yticks(range(len(lanes)), [_label(lane) for lane in reversed(lanes)], fontsize=9)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    span = x(end) or 1.0
    ax.set_xlim(-0.02 * span, 1.02 * span)
    clock = "virtual time" if virtual else "real time"
    ax.set_xlabel(f"{clock} since the first timer event ({unit})")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = _legend(virtual)
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False, fontsize=8)
    ax.set_title("bpf_timer timeline: one lane per timer", fontsize=10, loc="left")
    fig.savefig(path, dpi=150)
    return path


def _label(lane: _Lane) -> str:
    runs = [d for _, d in lane.fires if d is not None]
    if not runs:
        return lane.label
    mean_us = sum(runs) / len(runs) / 1000
    if len(lane.fires) == 1:
        return f"{lane.label}\n1 callback, ran {mean_us:.0f} µs (host time)"
    return f"{lane.label}\n{len(lane.fires)} callbacks, {mean_us:.0f} µs each (host time)"


def _legend(virtual: bool) -> list[Any]:
    lines: Any = importlib.import_module("matplotlib.lines")
    patches: Any = importlib.import_module("matplotlib.patches")
    handles = [
        lines.Line2D([], [], marker="o", ls="", color=_COLORS["init"], label="initialised"),
        lines.Line2D([], [], marker="|", ls="", mew=1.5, ms=10, color=_COLORS["start"], label="started"),
        patches.Patch(color=_COLORS["armed"], label="armed (until its expiry)"),
        lines.Line2D([], [], marker="v", ls="", color=_COLORS["fire"], label="fired"),
        lines.Line2D([], [], marker="x", ls="", mew=2, color=_COLORS["cancel"], label="cancelled"),
        lines.Line2D([], [], marker="s", ls="", color=_COLORS["free"], label="freed"),
    ]
    if not virtual:
        handles.append(patches.Patch(color=_COLORS["callback"], label="callback running"))
    return handles


def _unit(span_ns: int) -> tuple[float, str]:
    """The scale of the time axis: seconds, milliseconds or microseconds."""
    for scale, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if span_ns >= 2 * scale:
            return scale, unit
    return 1.0, "ns"
