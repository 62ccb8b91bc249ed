"""``pybpf gen header`` and ``gen helpers-doc``: write ``bpf_helper_defs.h`` and ``docs/helpers.md``
from the registries."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..helpers._docs import helpers_markdown
from ..helpers._header import helper_defs_header


def register(subs: Any) -> None:
    """Add ``gen`` to the ``pybpf`` parser."""
    gen = subs.add_parser("gen", help="generate files from pybpf's registries")
    what = gen.add_subparsers(dest="what", required=True, parser_class=type(gen))
    header = what.add_parser("header", help="bpf_helper_defs.h for the helpers pybpf knows")
    header.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    header.set_defaults(run=lambda args: _write(args, helper_defs_header()))
    docs = what.add_parser("helpers-doc", help="docs/helpers.md: every 6.18 helper and every kfunc, as pybpf has them")
    docs.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    docs.set_defaults(run=lambda args: _write(args, helpers_markdown()))


def _write(args: argparse.Namespace, text: str) -> int:
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
    return 0
