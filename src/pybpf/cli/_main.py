"""Argument parsing and error reporting shared by every subcommand.

A user mistake (a bad argument, a missing file, a malformed program) ends the command with one
line on standard error and a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from .._errors import PybpfError
from . import _conformance, _gen

__all__ = ["main"]

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``pybpf conformance: error: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = _Parser(prog="pybpf", description="A userspace eBPF runtime.")
    subs = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _conformance.register(subs)
    _gen.register(subs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pybpf`` command; returns its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except PybpfError as err:
        print(f"pybpf {args.command}: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as err:
        print(f"pybpf {args.command}: error: {err.strerror}: {err.filename}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return status
