"""``pybpf run``: load an object (or C file), run programs, let virtual time pass, print the state.

The steps run in command-line order: ``--prog NAME`` runs a program once (a ``SEC("syscall")``
program with no input unless ``--ctx`` gives its context; a tracing program fires the hooks its
attached programs watch, as ``BPF_PROG_TEST_RUN`` does), ``--advance TIME`` moves the virtual
clock and fires the timers that fall due. Then every map (except global-data sections, shown
variable by variable), every global variable, every timer still initialised and the
``bpf_trace_printk`` output are printed. Values are shown as bpftool's BTF dumps show them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..btf import format_value
from ..maps import MapType
from ..runtime import Map
from ..timers import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME
from ._args import Words, add_verb, format_time
from ._map import Value, entries, type_ids
from ._output import Raw, btf_json, emit_json, hex_json
from ._session import ObjectRef, Session, open_session

__all__ = ["Renderer", "register", "timer_events", "timer_infos"]

_CLOCK_IDS = {"realtime": CLOCK_REALTIME, "monotonic": CLOCK_MONOTONIC, "boottime": CLOCK_BOOTTIME}


def register(subs: Any) -> None:
    """Add ``run`` to the ``pybpf`` parser."""
    add_verb(
        subs, "", "run", _run,
        usage="run OBJ_OR_C [--prog NAME]... [--advance TIME]... [--ctx HEX] [-j]",
        help="load, run programs, advance the virtual clock, print maps and globals",
        epilog="Steps run in the order given: --prog NAME runs a program once (syscall programs\n"
               "with no input unless --ctx HEX), --advance TIME (5s, 100ms, 250us, 10ns or plain\n"
               "nanoseconds) moves the virtual clock and fires due timers. With --pin-root DIR the\n"
               "maps start from, and are saved to, DIR (contents only: timers are not saved).",
    )


def _hex(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data)


class Renderer:
    """Keys and values of one object, through BTF when it has types for them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.spec = session.obj.spec

    def key(self, handle: Map, key: bytes, *, as_json: bool) -> Any:
        key_id, _ = type_ids(self.session, handle)
        if self.spec.btf is not None and key_id:
            return btf_json(self.spec.btf, key_id, format_value(self.spec.btf, key_id, key), plain=False)
        return hex_json(key) if as_json else Raw(_hex(key))

    def one_value(self, handle: Map, value: bytes, *, as_json: bool) -> Any:
        _, value_id = type_ids(self.session, handle)
        if self.spec.btf is not None and value_id and handle.type != MapType.PROG_ARRAY:
            return btf_json(self.spec.btf, value_id, format_value(self.spec.btf, value_id, value), plain=False)
        return hex_json(value) if as_json else Raw(_hex(value))

    def value(self, handle: Map, value: bytes | list[bytes], *, as_json: bool) -> Any:
        if isinstance(value, list):
            return [{"cpu": cpu, "value": self.one_value(handle, v, as_json=as_json)}
                    for cpu, v in enumerate(value)]
        return self.one_value(handle, value, as_json=as_json)


def _text(value: Any) -> str:
    """A rendered value on one line: JSON for BTF data, bytes in hex."""
    if isinstance(value, Raw):
        return value.text
    return json.dumps(_plain_data(value))


def _plain_data(value: Any) -> Any:
    if isinstance(value, Raw):
        text = value.text
        return json.loads(text) if text.startswith('"') else text
    if isinstance(value, dict):
        return {k: _plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_data(v) for v in value]
    return value


def _globals(session: Session) -> dict[str, Any]:
    """Every non-static global variable, formatted through its section's BTF."""
    spec = session.obj.spec
    wanted = set(session.obj.globals)
    found: dict[str, Any] = {}
    if spec.btf is None:
        return found
    for name, mspec in spec.maps.items():
        if not mspec.is_global_data or not mspec.value_type_id:
            continue
        data = session.obj.maps[name].internal.lookup_elem(b"\0\0\0\0")
        assert isinstance(data, bytes)
        formatted = btf_json(spec.btf, mspec.value_type_id,
                             format_value(spec.btf, mspec.value_type_id, data), plain=False)
        for variables in formatted.values():
            for item in variables:
                for var_name, value in item.items():
                    if var_name in wanted:
                        found[var_name] = value
    return found


def _json_key(session: Session, render: Renderer, map_name: str, raw: bytes) -> Any:
    """A timer's key as JSON: typed as its map's keys are when the map is the object's, else
    hex bytes."""
    if map_name in session.obj.maps:
        return render.key(session.obj.maps[map_name], raw, as_json=True)
    return hex_json(raw)


def timer_infos(session: Session, render: Renderer, *, monotonic: bool = False) -> list[dict[str, Any]]:
    """The runtime's timers, keys rendered as the map's are. ``monotonic`` moves each expiry
    from the timer's own clock to CLOCK_MONOTONIC, the clock of every other time the plain
    output prints (JSON keeps the API's ``expires_ns``, on the timer's clock)."""
    clock = session.rt.clock
    offsets = {name: clock.now(clock_id) - clock.now() for name, clock_id in _CLOCK_IDS.items()}
    out = []
    for info in session.rt.timers():
        key = _json_key(session, render, info.map, info.raw_key)
        expires = info.expires_ns
        if monotonic and expires is not None:
            expires -= offsets.get(info.clock, 0)  # a wq has no clock: its work is due on the monotonic one
        out.append({"map": info.map, "key": key, "kind": info.kind, "clock": info.clock, "state": info.state,
                    "expires_ns": expires, "callback": info.callback, "program": info.program})
    return out


def timer_events(session: Session, render: Renderer) -> list[dict[str, Any]]:
    """The runtime's timer event trace, keys rendered as the timers' keys are."""
    out = []
    for event in session.rt.timer_events():
        key = _json_key(session, render, event.map, event.raw_key)
        out.append({"time_ns": event.time_ns, "event": event.event, "map": event.map, "key": key,
                    "detail": event.detail, "kind": event.kind})
    return out


def _run(args: argparse.Namespace, words: Words) -> int:
    path = Path(words.next("an object or C file (OBJ_OR_C)"))
    words.done()
    with open_session(args, ObjectRef(path)) as session:
        render = Renderer(session)
        maps: dict[str, tuple[Map, list[tuple[bytes, Value]] | None]] = {}
        for name, handle in session.obj.maps.items():
            if session.obj.spec.maps[name].is_global_data:
                continue
            if handle.type in (MapType.RINGBUF, MapType.QUEUE, MapType.STACK):
                maps[name] = (handle, None)
                continue
            maps[name] = (handle, entries(session, handle))
        if args.json:
            _print_json(args, session, render, maps)
        else:
            _print_plain(session, render, maps, trace=args.trace)
    return 0


def _print_json(args: argparse.Namespace, session: Session, render: Renderer,
                maps: dict[str, tuple[Map, Any]]) -> None:
    steps = []
    for step in session.steps:
        if step.kind == "run":
            assert step.result is not None
            steps.append({"run": step.name, "retval": step.result.retval})
        else:
            steps.append({"advance_ns": step.advanced_ns, "now_ns": step.now_ns, "fired": step.fired})
    out_maps = []
    for name, (handle, found) in maps.items():
        item: dict[str, Any] = {"id": session.map_ids[name], "name": name,
                                "type": handle.type.name.lower()}
        if found is not None:
            item["elements"] = [
                {"key": render.key(handle, k, as_json=True),
                 ("values" if isinstance(v, list) else "value"): render.value(handle, v, as_json=True)}
                for k, v in found
            ]
        out_maps.append(item)
    emit_json({
        "steps": steps,
        "now_ns": session.rt.clock.now(),
        "maps": out_maps,
        "globals": _globals(session),
        "timers": timer_infos(session, render),
        "trace": session.rt.trace_lines(),
        **({"events": timer_events(session, render)} if args.trace else {}),
    }, args.pretty)


def _print_plain(session: Session, render: Renderer, maps: dict[str, tuple[Map, Any]], *, trace: bool) -> None:
    lines = []
    for step in session.steps:
        if step.kind == "run":
            assert step.result is not None
            lines.append(f"run {step.name}: return value {step.result.retval}")
        else:
            callbacks = f"{step.fired} callback{'' if step.fired == 1 else 's'}"
            lines.append(f"advance {format_time(step.advanced_ns)}: monotonic time {step.now_ns}ns, {callbacks} fired")
    for name, (handle, found) in maps.items():
        kind = handle.type.name.lower()
        if found is None:
            lines.append(f"map {name} ({kind})")
            continue
        count = f"{len(found)} element{'' if len(found) == 1 else 's'}"
        lines.append(f"map {name} ({kind}, {count})" + (":" if found else ""))
        for key, value in found:
            shown = render.value(handle, value, as_json=False)
            if isinstance(value, list):
                shown = [item["value"] for item in shown]
            lines.append(f"  {_text(render.key(handle, key, as_json=False))}: {_text(shown)}")
    for name, value in _globals(session).items():
        lines.append(f"global {name} = {_text(value)}")
    for timer in timer_infos(session, render, monotonic=True):
        expires = f", expires {timer['expires_ns']}ns" if timer["expires_ns"] is not None else ""
        callback = f", callback {timer['callback']}" if timer["callback"] else ""
        lines.append(f"timer {timer['map']}[{_text(timer['key'])}]: {timer['state']}, "
                     f"clock {timer['clock']}{expires}{callback}")
    if trace:
        for event in timer_events(session, render):
            detail = f" {event['detail']}" if event["detail"] else ""
            lines.append(f"event {event['time_ns']}ns {event['event']} {event['map']}[{_text(event['key'])}]{detail}")
    for line in session.rt.trace_lines():
        lines.append(f"trace: {line}")
    sys.stdout.write("".join(line + "\n" for line in lines))
