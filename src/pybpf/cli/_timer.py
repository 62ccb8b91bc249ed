"""``pybpf timer list``: the bpf_timers an object's programs initialised, after running steps.

Timers live in a process, so the command loads the object, runs the ``--run`` and
``--advance`` steps given, and lists every initialised timer with its state.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._args import Words, add_verb
from ._output import emit_json
from ._run import Renderer, timer_infos
from ._session import ObjectRef, open_session

__all__ = ["register"]


def register(subs: Any) -> None:
    """Add ``timer`` and its verb to the ``pybpf`` parser."""
    noun = subs.add_parser("timer", help="the bpf_timers of an object", description="the bpf_timers of an object",
                           usage="pybpf timer list OBJ_OR_C [--run NAME]... [--advance TIME]...")
    verbs = noun.add_subparsers(dest="verb", required=True, parser_class=type(noun), metavar="VERB")
    add_verb(verbs, "timer", "list", _list, aliases=["show"],
             usage="list OBJ_OR_C [--run NAME]... [--advance TIME]...",
             help="run the steps, then list every initialised timer: map, key, state, clock, expiry, callback")


def _list(args: argparse.Namespace, words: Words) -> int:
    path = Path(words.next("an object or C file (OBJ_OR_C)"))
    words.done()
    with open_session(args, ObjectRef(path)) as session:
        timers = timer_infos(session, Renderer(session))
        if args.json:
            emit_json(timers, args.pretty)
            return 0
        lines = []
        for t in timers:
            key = t["key"] if isinstance(t["key"], int | str) else str(t["key"])
            expires = f"  expires {t['expires_ns']}ns" if t["expires_ns"] is not None else ""
            wq = "  wq" if t["kind"] == "wq" else ""
            lines.append(f"{t['map']}[{key}]{wq}  {t['state']}  clock {t['clock']}{expires}"
                         f"  callback {t['callback'] or '-'}  prog {t['program'] or '-'}")
        sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
