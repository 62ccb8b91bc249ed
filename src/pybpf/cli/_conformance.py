"""``pybpf conformance`` (run ``.data`` vectors) and ``pybpf conformance-plugin`` (the official
runner's plugin protocol: memory as a hex argument, program as hex on standard input, r0 in hex
on standard output).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..engine import Interpreter, Region
from ..isa import decode
from ..testing import CONFORMANCE_HELPERS, GROUPS, run_directory
from ..testing._conformance import (
    ENTRY_REGISTERS,
    MAX_INSTRUCTIONS,
    parse_memory,
    parse_plugin_program,
)
from ..verifier import check_register_reads


def register(subs: Any) -> None:
    """Add both subcommands to the ``pybpf`` parser."""
    run = subs.add_parser("conformance", help="run bpf_conformance .data vectors")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".data files or directories")
    _add_cpu_options(run)
    run.add_argument("-v", "--verbose", action="store_true", help="print every vector, not only failures")
    run.set_defaults(run=_run)

    plugin = subs.add_parser("conformance-plugin", help="the bpf_conformance runner's plugin protocol")
    plugin.add_argument("memory", nargs="?", default="", help="input memory as hex bytes")
    plugin.set_defaults(run=_plugin)


def _add_cpu_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cpu-version", choices=["v1", "v2", "v3", "v4"], default="v4",
        help="skip vectors that need a newer instruction set (default: v4)",
    )
    parser.add_argument(
        "--exclude-groups", default="", metavar="G[,G]",
        help=f"skip vectors using these optional groups: {', '.join(GROUPS)}",
    )


def _run(args: argparse.Namespace) -> int:
    for path in args.paths:
        if not path.exists():
            raise FileNotFoundError(2, "no such file or directory", str(path))
    excluded = {g for g in args.exclude_groups.split(",") if g}
    unknown = excluded - set(GROUPS)
    if unknown:
        print(f"pybpf conformance: error: unknown group '{min(unknown)}'", file=sys.stderr)
        return 2
    outcomes = run_directory(
        args.paths, cpu_version=int(args.cpu_version[1]), exclude_groups=excluded
    )
    if not outcomes:
        where = ", ".join(str(path) for path in args.paths)
        print(f"pybpf conformance: error: no .data vectors in {where}", file=sys.stderr)
        return 1
    ran = [o for o in outcomes if o.stage != "skip"]
    passed = sum(o.passed for o in ran)
    for o in outcomes:
        if args.verbose or (not o.passed and o.stage != "skip"):
            status = "PASS" if o.passed else "SKIP" if o.stage == "skip" else "FAIL"
            print(f"{status} {o.name}: {o.detail}")
    skipped = len(outcomes) - len(ran)
    tail = f" ({skipped} skipped)" if skipped else ""
    print(f"Passed {passed} out of {len(ran)} tests.{tail}")
    return 0 if passed == len(ran) else 1


def _plugin(args: argparse.Namespace) -> int:
    try:
        memory = parse_memory(args.memory) if args.memory else None
    except ValueError as err:
        print(f"pybpf conformance-plugin: error: memory argument: {err}", file=sys.stderr)
        return 2
    insns = decode(parse_plugin_program(sys.stdin.read()))
    check_register_reads(insns, ENTRY_REGISTERS)
    vm = Interpreter(insns, helpers=CONFORMANCE_HELPERS, max_instructions=MAX_INSTRUCTIONS)
    if memory is None:
        r0 = vm.run(0, 0)
    else:
        region = Region.from_bytes(memory, "mem")
        r0 = vm.run(region.base, len(memory), regions=(region,), packet=region)
    print(f"{r0:x}")
    return 0
