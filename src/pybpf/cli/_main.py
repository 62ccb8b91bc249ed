"""Argument parsing and error reporting shared by every subcommand.

A user mistake (a bad argument, a missing file, a malformed program) ends the command with one
line on standard error and a non-zero status, never a traceback. With ``-j``, bpftool-style
commands also print ``{"error": "..."}`` on standard output, as bpftool does.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from .._errors import PybpfError
from .._releases import DEFAULT_RELEASE, RELEASES
from . import _btf, _conformance, _feature, _gen, _map, _prog, _run, _timer
from ._args import CommandError
from ._output import emit_json

__all__ = ["main"]

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``pybpf conformance: error: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = _Parser(
        prog="pybpf",
        description="A userspace eBPF runtime. The prog, map, btf and run commands work like "
                    "bpftool's, on an object file loaded afresh by each command.",
        epilog="Run 'pybpf COMMAND -h' for a command's arguments.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"pybpf {__version__}",
                        help="print pybpf's version and exit")
    parser.add_argument("-j", "--json", action="store_true", help="JSON output, as bpftool -j")
    parser.add_argument("-p", "--pretty", action="store_true", help="pretty JSON output (implies -j)")
    parser.add_argument("-d", "--debug", "--verbose", dest="debug", action="store_true",
                        help="print the verifier log on a refusal, a traceback on an internal error")
    parser.add_argument("--pin-root", metavar="DIR",
                        help="restore the object's maps from DIR first and save them there after "
                             "(contents only: timers live in a process and are not saved)")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                        help="define a macro when a command compiles a .c file (as the compiler's -D)")
    parser.add_argument("--kernel", metavar="X.Y", default=DEFAULT_RELEASE, choices=RELEASES,
                        help=f"the kernel release to reproduce, {RELEASES[0]} to {RELEASES[-1]} "
                             f"(default {DEFAULT_RELEASE})")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                        help="add a header directory when a command compiles a .c file")
    subs = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    _prog.register(subs)
    _map.register(subs)
    _btf.register(subs)
    _run.register(subs)
    _timer.register(subs)
    _conformance.register(subs)
    _gen.register(subs)
    _feature.register(subs)
    return parser


def _one_line(message: str) -> str:
    return "; ".join(part.strip() for part in message.splitlines() if part.strip()) or "failed"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pybpf`` command; returns its exit status."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        status: int = args.run(args)
    except CommandError as err:
        return _report(args, str(err), err.status)
    except PybpfError as err:
        return _report(args, str(err), EXIT_ERROR)
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except OSError as err:
        return _report(args, f"{err.strerror}: {err.filename}", EXIT_ERROR)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - a bug in pybpf: still one line, unless asked for the traceback
        if getattr(args, "debug", False):
            traceback.print_exc()
        return _report(args, f"internal error: {type(err).__name__}: {err} (-d shows the traceback)",
                       EXIT_ERROR)
    return status


def _report(args: argparse.Namespace, message: str, status: int) -> int:
    label: str = getattr(args, "label", None) or args.command
    message = _one_line(message)
    if getattr(args, "json", False) and label.split(" ")[0] in ("prog", "map", "btf", "run"):
        emit_json({"error": message}, bool(getattr(args, "pretty", False)))
    print(f"pybpf {label}: error: {message}", file=sys.stderr)
    return status
