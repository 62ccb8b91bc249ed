"""``pybpf timer list`` and ``pybpf timer plot``: the bpf_timers an object's programs
initialised, after running steps, as a list or as a picture of their event trace.

Timers live in a process, so each command loads the object, runs the ``--run`` and
``--advance`` steps given, then lists every initialised timer with its state, or draws the
timeline of the timer event trace (:meth:`pybpf.Runtime.plot_timers`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._args import CommandError, Words, add_noun, add_verb
from ._output import emit_json
from ._run import Renderer, timer_infos
from ._session import ObjectRef, open_session

__all__ = ["register"]


def register(subs: Any) -> None:
    """Add ``timer`` and its verb to the ``pybpf`` parser."""
    verbs = add_noun(subs, "timer", help="the bpf_timers of an object", description="the bpf_timers of an object",
                     usage="pybpf timer { list | plot } OBJ_OR_C ...")
    add_verb(verbs, "timer", "list", _list, aliases=["show"],
             usage="list OBJ_OR_C [--run NAME]... [--advance TIME]...",
             help="run the steps, then list every initialised timer: map, key, state, clock, expiry, callback")
    add_verb(verbs, "timer", "plot", _plot,
             usage="plot OBJ_OR_C FILE [--run NAME]... [--advance TIME]...",
             help="run the steps, then draw the timer event trace as a timeline in FILE (.svg or .png)",
             epilog="One lane per timer: when it was initialised and started, how long it stayed armed,\n"
                    "when it fired, was cancelled or freed. Needs matplotlib: pip install 'pybpf[plot]'.")


def _list(args: argparse.Namespace, words: Words) -> int:
    path = Path(words.next("an object or C file (OBJ_OR_C)"))
    words.done()
    with open_session(args, ObjectRef(path)) as session:
        if args.json:
            emit_json(timer_infos(session, Renderer(session)), args.pretty)
            return 0
        timers = timer_infos(session, Renderer(session), monotonic=True)
        lines = []
        for t in timers:
            key = t["key"] if isinstance(t["key"], int | str) else str(t["key"])
            expires = f"  expires {t['expires_ns']}ns" if t["expires_ns"] is not None else ""
            wq = "  wq" if t["kind"] == "wq" else ""
            lines.append(f"{t['map']}[{key}]{wq}  {t['state']}  clock {t['clock']}{expires}"
                         f"  callback {t['callback'] or '-'}  prog {t['program'] or '-'}")
        sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def _plot(args: argparse.Namespace, words: Words) -> int:
    path = Path(words.next("an object or C file (OBJ_OR_C)"))
    out = Path(words.next("the picture's file (FILE, .svg or .png)"))
    words.done()
    if out.suffix.lower() not in (".svg", ".png"):
        raise CommandError(f"{out}: the picture's file must end in .svg or .png", 2)
    if not out.parent.is_dir():
        raise CommandError(f"{out}: no directory {out.parent} to write it into", 2)
    with open_session(args, ObjectRef(path)) as session:
        session.rt.plot_timers(out)
        events = session.rt.timer_events()
        timers = len({(e.map, e.raw_key) for e in events})
    sys.stdout.write(f"{out}: {timers} timer{'' if timers == 1 else 's'}, {len(events)} events\n")
    return 0
