"""The mutation campaign: damaged objects through every entry point give clean errors only.

Valid objects (the CLI's and the containment tests' C sources, built with clang) are mutated
(bytes changed in the ELF header, the section headers or anywhere, or the file cut short) and
each mutant goes through ``Runtime.load`` (verified and unverified), ``test_run`` of every
program, and every CLI command that reads an object. The one invariant: each step succeeds or
raises a :class:`pybpf.PybpfError` (the CLI: exits with its one-line error), never another
exception, never "internal error", never a hang.

The default run checks a sample; ``--run-slow`` runs the whole campaign (5,000 mutants, or
``PYBPF_MUTANTS``). ``python tests/fuzz/test_mutation_campaign.py N`` runs N and prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf import PybpfError
from pybpf.cli import _main as cli_module
from pybpf.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (
    ROOT / "cli" / "testdata" / "counter.bpf.c",
    ROOT / "cli" / "testdata" / "timer.bpf.c",
    ROOT / "cli" / "testdata" / "arrays.bpf.c",
    ROOT / "cli" / "testdata" / "kinds.bpf.c",
    ROOT / "runtime" / "testdata" / "contain.bpf.c",
)
INCLUDE = Path(pybpf.__file__).parent / "include"
#: the CLI commands that read an object, with where the object goes
COMMANDS = (
    ("prog", "show", "{obj}"),
    ("btf", "dump", "file", "{obj}"),
    ("btf", "dump", "file", "{obj}", "format", "c"),
    ("map", "show", "{obj}"),
    ("run", "{obj}"),
)
#: a mutant's runs stop after this many instructions (a mutated jump easily makes a loop)
BUDGET = 20_000
SAMPLE = 12
FULL = int(os.environ.get("PYBPF_MUTANTS", "5000"))


def build_objects(out_dir: Path) -> list[bytes]:
    """The valid objects the campaign starts from."""
    built = []
    for source in SOURCES:
        out = out_dir / (source.name.removesuffix(".c") + ".o")
        cmd = ["clang-19", "-target", "bpfel", "-O2", "-g", "-c", f"-I{INCLUDE}", f"-I{source.parent}"]
        subprocess.run([*cmd, str(source), "-o", str(out)], check=True)
        built.append(out.read_bytes())
    return built


def mutants(objects: list[bytes], count: int, seed: int) -> Iterator[bytes]:
    """``count`` mutants, reproducible from ``seed``."""
    rng = random.Random(seed)
    for _ in range(count):
        data = bytearray(rng.choice(objects))
        if rng.random() < 0.1:
            yield bytes(data[: rng.randrange(len(data))])
            continue
        shoff = int.from_bytes(data[40:48], "little")
        regions = [(0, 64), (min(shoff, len(data) - 1), len(data)), (0, len(data))]
        for _ in range(rng.randint(1, 8)):
            start, end = rng.choice(regions)
            offset = rng.randrange(start, max(start + 1, end))
            data[offset] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        yield bytes(data)


def _unclean(where: str, err: BaseException) -> str:
    return f"{where}: {type(err).__name__}: {err}"


def check_runtime(path: Path) -> list[str]:
    """Load ``path`` verified and unverified and run every program; the unclean outcomes."""
    problems = []
    for verify in (True, False):
        with pybpf.Runtime(clock="virtual") as rt:
            try:
                obj = rt.load(path, verify=verify)
            except PybpfError:
                continue
            except Exception as err:  # noqa: BLE001 - what the campaign looks for
                problems.append(_unclean(f"load(verify={verify})", err))
                continue
            for name, program in obj.programs.items():
                program.engine.max_instructions = BUDGET
                for kwargs in ({}, {"ctx": bytes(64)}, {"data": bytes(64)}):
                    try:
                        program.test_run(**kwargs)  # type: ignore[arg-type]
                    except PybpfError:
                        pass
                    except Exception as err:  # noqa: BLE001 - what the campaign looks for
                        problems.append(_unclean(f"test_run {name} {sorted(kwargs)}", err))
            try:
                rt.advance(10 * pybpf.SECOND)
            except PybpfError:
                pass
            except Exception as err:  # noqa: BLE001 - what the campaign looks for
                problems.append(_unclean("advance", err))
    return problems


_BUILD_PARSER = cli_module.build_parser


@functools.cache
def _parser() -> argparse.ArgumentParser:
    return _BUILD_PARSER()


def check_cli(path: Path) -> list[str]:
    """Every CLI command that reads an object, on ``path``; the unclean outcomes.

    The argument parser is built once (building it is most of a command's time); everything
    after it runs as ``pybpf`` runs.
    """
    problems = []
    for command in COMMANDS:
        argv = [part.format(obj=path) for part in command]
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _cached_parser():
                cli_main(argv)
        except SystemExit:
            pass
        except Exception as error:  # noqa: BLE001 - what the campaign looks for
            problems.append(_unclean(" ".join(command[:2]), error))
        if "internal error" in err.getvalue():
            problems.append(f"{' '.join(argv)}: {err.getvalue().strip()}")
    return problems


@contextlib.contextmanager
def _cached_parser() -> Iterator[None]:
    original = cli_module.build_parser
    cli_module.build_parser = _parser
    try:
        yield
    finally:
        cli_module.build_parser = original


def campaign(count: int, seed: int, workdir: Path) -> tuple[Counter[str], list[str]]:
    """Run ``count`` mutants: outcome counts and the unclean outcomes."""
    objects = build_objects(workdir)
    counts: Counter[str] = Counter()
    problems: list[str] = []
    path = workdir / "mutant.bpf.o"
    for data in mutants(objects, count, seed):
        path.write_bytes(data)
        found = check_runtime(path) + check_cli(path)
        counts["unclean" if found else "clean"] += 1
        problems += found
    return counts, problems


needs_clang = pytest.mark.skipif(shutil.which("clang-19") is None, reason="needs clang-19")


@needs_clang
def test_a_sample_of_mutants_gives_only_clean_errors(tmp_path: Path) -> None:
    counts, problems = campaign(SAMPLE, seed=8, workdir=tmp_path)
    assert problems == []
    assert counts["clean"] == SAMPLE


@needs_clang
@pytest.mark.slow
def test_the_whole_campaign_gives_only_clean_errors(tmp_path: Path) -> None:
    counts, problems = campaign(FULL, seed=2026, workdir=tmp_path)
    assert problems[:20] == []
    assert counts["clean"] == FULL


if __name__ == "__main__":
    total = int(sys.argv[1]) if len(sys.argv) > 1 else FULL
    with tempfile.TemporaryDirectory() as tmp:
        outcome, found = campaign(total, seed=int(sys.argv[2]) if len(sys.argv) > 2 else 2026, workdir=Path(tmp))
    print(f"{total} mutants: {outcome['clean']} clean, {outcome['unclean']} with unclean outcomes")
    for line in Counter(found).most_common(40):
        print(f"{line[1]:5}  {line[0][:200]}")
