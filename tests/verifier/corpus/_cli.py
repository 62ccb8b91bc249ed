"""``python -m tests.verifier.corpus``: record the kernel's verdicts, regenerate the known
disagreements, or show how far pybpf agrees."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict

from ._build import build_all, find_clang
from ._cases import Case, discover
from ._compare import KINDS, compare, pybpf_verdict
from ._verdict import (
    Verdict,
    read_disagreements,
    read_verdicts,
    write_disagreements,
    write_verdicts,
)

DISAGREEMENTS_HEADER = """\
Cases where pybpf does not (yet) agree with the kernel's recorded verdict, and how.
Regenerate with: python -m tests.verifier.corpus disagreements
tests/verifier/test_corpus.py fails on a disagreement not listed here and on a listed case
that now agrees (or disagrees another way), so this list only shrinks. Kinds:"""


def _cases() -> list[Case]:
    clang = find_clang()
    if clang is None:
        sys.exit("no clang-19 to build the corpus")
    return discover(build_all(clang))


def _select(cases: list[Case], only: list[str]) -> list[Case]:
    if not only:
        return cases
    chosen = [c for c in cases if c.family in only or c.id in only]
    if not chosen:
        sys.exit(f"no case or family named {', '.join(only)}")
    return chosen


def record(only: list[str]) -> None:
    """Load the chosen cases (all by default) on the live kernel and write their verdicts."""
    from ._kernel import available, kernel_verdict, unavailable_reason

    if not available():
        sys.exit(f"the kernel cannot be asked: {unavailable_reason()}")
    cases = _cases()
    before = read_verdicts()
    known = {c.id for c in cases}
    # re-recording some cases keeps the others (those that still exist)
    verdicts = {k: v for k, v in before.items() if k in known} if only else {}
    for case in _select(cases, only):
        verdict = kernel_verdict(case)
        old = before.get(case.id)
        if old is not None and old != verdict:
            print(f"{case.id}: was {old}, now {verdict}")
        verdicts[case.id] = verdict
    write_verdicts(verdicts, os.uname().release)
    accepted = sum(v.accepted for v in verdicts.values())
    print(f"{len(verdicts)} cases recorded: {accepted} accepted, {len(verdicts) - accepted} refused")


def _outcomes() -> tuple[dict[str, Verdict], dict[str, str], dict[str, str]]:
    """(recorded verdicts, disagreement kind by id, family by id) for every recorded case."""
    recorded = read_verdicts()
    found: dict[str, str] = {}
    families: dict[str, str] = {}
    for case in _cases():
        if case.id not in recorded:
            continue
        families[case.id] = case.family
        kernel = recorded[case.id]
        disagreement = compare(kernel, pybpf_verdict(case, run=kernel.accepted))
        if disagreement is not None:
            found[case.id] = disagreement.kind
    return recorded, found, families


def report(recorded: dict[str, Verdict], found: dict[str, str], families: dict[str, str]) -> None:
    """Print the agreement figures: overall, by kernel verdict, by family, by kind."""
    total = len(families)
    accepted = [k for k in families if recorded[k].accepted]
    print(f"{total} cases: {len(accepted)} accepted, {total - len(accepted)} refused by the kernel")
    print(f"pybpf agrees on {total - len(found)}: "
          f"{sum(k not in found for k in accepted)} of the accepted, "
          f"{sum(k not in found for k in families if not recorded[k].accepted)} of the refused")
    by_family: defaultdict[str, list[str]] = defaultdict(list)
    for case_id, family in families.items():
        by_family[family].append(case_id)
    for family, ids in sorted(by_family.items()):
        print(f"  {family:<16} {sum(i not in found for i in ids):>4} / {len(ids)}")
    for kind, n in Counter(found.values()).most_common():
        print(f"  {n:>4} {kind}: {KINDS[kind]}")


def fuzz(seed: int, count: int, batch: int, mutant_count: int) -> None:
    """Run a differential campaign on the live kernel and print what disagrees, then the
    figures by class."""
    import tempfile
    from pathlib import Path

    from ._fuzz import CLASSES, generated, mutants, mutation_sources
    from ._kernel import available, unavailable_reason

    if not available():
        sys.exit(f"the kernel cannot be asked: {unavailable_reason()}")
    accepted = mutation_sources(_cases(), read_verdicts())
    figures: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="pybpf-fuzz-") as tmp:
        work = Path(tmp)
        runs = [generated(seed + i, min(batch, count - i * batch), work) for i in range(-(-count // batch))]
        runs.append(mutants(seed, mutant_count, accepted, work))
        for run in runs:
            for finding in run:
                figures[finding.kind] += 1
                if finding.kind != "agree":
                    print(finding, flush=True)
    print(f"{sum(figures.values())} programs, {figures['agree']} agreeing")
    for kind, n in figures.most_common():
        if kind != "agree":
            print(f"  {n:>5} {CLASSES[kind]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.verifier.corpus", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="record the live kernel's verdicts into verdicts.json")
    rec.add_argument("only", nargs="*", help="families or case ids to (re-)record (default: all)")
    sub.add_parser("disagreements", help="rewrite disagreements.txt from what pybpf does today")
    sub.add_parser("report", help="print how far pybpf agrees, changing nothing")
    fz = sub.add_parser("fuzz", help="compare generated programs and corpus mutants on the live kernel")
    fz.add_argument("--seed", type=int, default=1)
    fz.add_argument("--programs", type=int, default=400, help="generated programs")
    fz.add_argument("--batch", type=int, default=40, help="generated programs per object")
    fz.add_argument("--mutants", type=int, default=100, help="one-instruction mutants of accepted cases")
    args = parser.parse_args(argv)
    if args.command == "fuzz":
        fuzz(args.seed, args.programs, args.batch, args.mutants)
        return
    if args.command == "record":
        record(args.only)
        return
    recorded, found, families = _outcomes()
    if args.command == "disagreements":
        header = DISAGREEMENTS_HEADER + "".join(f"\n  {k}: {v}" for k, v in KINDS.items())
        write_disagreements(found, header)
    before = read_disagreements()
    report(recorded, found, families)
    if args.command == "report" and before != found:
        print(f"disagreements.txt is stale: {len(set(before.items()) ^ set(found.items()))} lines differ")
