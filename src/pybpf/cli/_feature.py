"""``pybpf feature list_builtins KIND``: what pybpf knows, as bpftool lists what the kernel knows.

``helpers`` are the helper registry's declarations (the same table that generates
``bpf_helper_defs.h``), ``prog_types`` the program types pybpf can run and ``map_types`` the map
types it can create; one name per line, or a JSON array with ``-j``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._spec import ProgType
from ..helpers import HELPERS
from ..maps import SUPPORTED_TYPES, MapType
from ..runtime._contexts import RUNNABLE_TYPES
from ..runtime._program import HOOK_TYPES
from ._args import CommandError, Words, add_noun, add_verb
from ._output import emit_json

__all__ = ["register"]


def _names() -> dict[str, list[str]]:
    return {
        "helpers": [h.name for h in sorted(HELPERS, key=lambda h: h.id)],
        "prog_types": [t.name.lower() for t in ProgType if t in RUNNABLE_TYPES | HOOK_TYPES],
        "map_types": [MapType(t).name.lower() for t in sorted(SUPPORTED_TYPES)],
    }


def register(subs: Any) -> None:
    """Add ``feature`` and its verb to the ``pybpf`` parser."""
    verbs = add_noun(subs, "feature", help="what pybpf supports", description="what pybpf supports",
                     usage="pybpf feature list_builtins {helpers|prog_types|map_types}")
    add_verb(verbs, "feature", "list_builtins", _list, steps=False,
             usage="list_builtins {helpers|prog_types|map_types}",
             help="list the helpers, program types or map types pybpf supports")


def _list(args: argparse.Namespace, words: Words) -> int:
    kind = words.next("what to list (helpers, prog_types or map_types)")
    words.done()
    names = _names().get(kind)
    if names is None:
        raise CommandError(f"unknown kind '{kind}' (helpers, prog_types or map_types)", status=2)
    if args.json:
        emit_json(names, args.pretty)
    else:
        sys.stdout.write("".join(name + "\n" for name in names))
    return 0
