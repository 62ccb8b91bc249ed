"""``pybpf gen header``: write ``bpf_helper_defs.h`` from the helper registry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..helpers._header import helper_defs_header


def register(subs: Any) -> None:
    """Add ``gen`` to the ``pybpf`` parser."""
    gen = subs.add_parser("gen", help="generate files from pybpf's registries")
    what = gen.add_subparsers(dest="what", required=True, parser_class=type(gen))
    header = what.add_parser("header", help="bpf_helper_defs.h for the helpers pybpf knows")
    header.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    header.set_defaults(run=_header)


def _header(args: argparse.Namespace) -> int:
    text = helper_defs_header()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
    return 0
