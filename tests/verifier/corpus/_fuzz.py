"""The differential fuzzer: generated programs (``_fuzz_gen``) and one-instruction mutants of
the corpus's accepted cases, each loaded on the live kernel and in pybpf, compared as the
corpus compares its cases (``_compare``), and classified.

``python -m tests.verifier.corpus fuzz`` runs a campaign and prints the figures;
``tests/kernel/test_verifier_fuzz.py`` runs a small seeded sample. A finding is written up as
a case of the ``fuzz_found`` family, so that the corpus keeps checking it.
"""

from __future__ import annotations

import random
import signal
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from ._build import FLAGS, INCLUDE
from ._cases import CASES_DIR, Case, programs_of
from ._compare import compare, pybpf_verdict
from ._fuzz_gen import Program, family_source, mutant_object, programs
from ._verdict import Verdict

#: the classes of finding, most dangerous first (the corpus's kinds, and what only fuzzing meets)
CLASSES = {
    "accepts": "(a) the kernel refuses, pybpf accepts",
    "refuses": "(b) the kernel accepts, pybpf refuses",
    "message": "(c) both refuse, with different last log lines",
    "retval": "(d) both accept, the test runs return different values",
    "run": "(d) both accept, one test run fails and the other does not",
    "hang": "pybpf's verifier or test run takes longer than the time limit",
    "error": "pybpf fails to load with another PybpfError than VerifierError",
    "crash": "pybpf raises something that is not a PybpfError",
}
#: the seconds one program may take in pybpf (load and run): more is a finding
TIME_LIMIT = 20.0
#: a return value this large may be an address, which differs between the two by nature
ADDRESS_LIKE = 1 << 20


@dataclass(frozen=True)
class Finding:
    """One program's outcome: ``kind`` is a key of :data:`CLASSES`, or "agree"."""

    case: Case
    kind: str
    kernel: Verdict | None
    pybpf: str = ""
    origin: str = ""  #: the generator, or the corpus case a mutant came from

    def __str__(self) -> str:
        return f"{self.case.id} [{self.origin}] {self.kind}: kernel {self.kernel}; pybpf {self.pybpf}"


class _Timeout(BaseException):
    """Raised by the alarm in the middle of pybpf's work (not an Exception, so that nothing
    on the way catches it)."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Timeout


def build(source: str, family: str, out_dir: Path) -> Path:
    """Compile a generated family file as the corpus compiles its own.

    Raises:
        RuntimeError: the compiler failed (its output inside).
    """
    src = out_dir / f"{family}.bpf.c"
    src.write_text(source)
    obj = out_dir / f"{family}.o"
    cmd = ["clang-19", *FLAGS, "-I", str(INCLUDE), "-I", str(CASES_DIR), "-c", str(src), "-o", str(obj)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"clang failed on {src}:\n{result.stderr}")
    return obj


def judge(case: Case, comparable: bool = True, origin: str = "") -> Finding:
    """Load ``case`` on both sides and classify. ``comparable``: whether return values can be
    compared (the program reads no random number, clock or uninitialised stack)."""
    from ._kernel import kernel_verdict

    kernel: Verdict | None
    try:
        kernel = kernel_verdict(case)
        run_fails = False
    except OSError:  # libbpf's error: the kernel accepted the program, then refused its run
        kernel, run_fails = Verdict(True), True
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        outcome = pybpf_verdict(case, run=kernel.accepted)
    except _Timeout:
        return Finding(case, "hang", kernel, origin=origin)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if run_fails:  # pybpf must refuse the run too
        agree = outcome.failure == "run" or (outcome.verdict is not None and not outcome.verdict.accepted)
        return Finding(case, "agree" if agree else "run", kernel, str(outcome.verdict), origin)
    found = compare(kernel, outcome)
    if found is None:
        return Finding(case, "agree", kernel, origin=origin)
    mine = outcome.verdict.retval if outcome.verdict is not None else None
    if found.kind == "retval" and (not comparable or min(kernel.retval or 0, mine or 0) >= ADDRESS_LIKE):
        return Finding(case, "agree", kernel, origin=origin)
    return Finding(case, found.kind, kernel, found.pybpf, origin)


def generated(seed: int, count: int, work: Path) -> Iterator[Finding]:
    """Judge ``count`` generated programs drawn from ``seed`` (one object for them all)."""
    family = f"gen{seed}"
    drawn: dict[str, Program] = dict(programs(seed, count, prefix=f"g{seed}_"))
    obj = build(family_source(drawn), family, work)
    for case in programs_of(family, obj):
        prog = drawn[case.program]
        yield judge(case, prog.deterministic, prog.kind)


#: families whose mutants would be judged against the host's BTF (or their CO-RE offsets
#: against pybpf's model of it: a mutant may move such an access to another base), or walk a
#: million instructions
NOT_MUTATED = frozenset({"limits", "btf_walk", "struct_ops", "btf_kfunc"})


def mutation_sources(cases: Iterable[Case], recorded: dict[str, Verdict]) -> list[Case]:
    """The cases mutants start from: those the kernel accepted, by id."""
    return sorted((c for c in cases if c.family not in NOT_MUTATED and c.id in recorded and recorded[c.id].accepted),
                  key=lambda c: c.id)


def mutants(seed: int, count: int, accepted: list[Case], work: Path) -> Iterator[Finding]:
    """Judge ``count`` mutants of the corpus's ``accepted`` cases: one instruction changed,
    each in an object of its own (named as the original, which names its global data)."""
    rng = random.Random(seed)
    for i in range(count):
        case = rng.choice(accepted)
        made = mutant_object(rng, case.obj.read_bytes(), case.program)
        if made is None:
            continue
        data, pc = made
        where = work / f"m{seed}_{i}"
        where.mkdir(parents=True, exist_ok=True)
        path = where / case.obj.name
        path.write_bytes(data)
        yield judge(Case(case.family, case.program, case.section, path), False, f"{case.id} insn {pc}")
