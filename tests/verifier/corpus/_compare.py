"""pybpf's side: load a case through the public path (``Runtime().load``), run it on the
fixed input, and name how the outcome differs from the kernel's recorded verdict."""

from __future__ import annotations

from dataclasses import dataclass

import pybpf

from ._cases import HOST_BTF_FAMILIES, Case
from ._verdict import Verdict, run_input

#: the kinds of disagreement, as the known-disagreements file spells them
KINDS = {
    "accepts": "the kernel refuses, pybpf accepts",
    "refuses": "the kernel accepts, pybpf's verifier refuses",
    "message": "both refuse, with different last log lines",
    "retval": "both accept, the test runs return different values",
    "run": "both accept, pybpf's test run raises",
    "error": "pybpf fails to load with another PybpfError than VerifierError",
    "crash": "pybpf raises something that is not a PybpfError (a bug whatever the kernel says)",
}


@dataclass(frozen=True)
class Outcome:
    """What pybpf did with a case: a verdict, or a ``failure`` kind (``run``, ``error``,
    ``crash``) with its text in ``detail``."""

    verdict: Verdict | None
    failure: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Disagreement:
    """How pybpf's outcome differs from the kernel's recorded verdict."""

    kind: str
    kernel: Verdict
    pybpf: str

    def __str__(self) -> str:
        return f"{self.kind}: kernel {self.kernel}; pybpf {self.pybpf}"


def pybpf_verdict(case: Case, run: bool = True) -> Outcome:
    """Load ``case`` alone from its family's object in a fresh runtime and, when it is
    accepted, can run and ``run`` is set, test-run it once on its fixed input. (Only what the
    kernel accepted should run: a program the kernel refuses may never end.)"""
    rt = pybpf.Runtime(clock="virtual", btf="host" if case.family in HOST_BTF_FAMILIES else None)
    try:
        try:
            loaded = rt.load(case.obj, programs=[case.program])
        except pybpf.VerifierError as err:
            return Outcome(Verdict(False, str(err)))
        except pybpf.PybpfError as err:
            return Outcome(None, "error", f"{type(err).__name__}: {err}")
        if case.run_input is None or not run:
            return Outcome(Verdict(True))
        ctx, data = run_input(case.run_input)
        try:
            result = loaded.programs[case.program].test_run(ctx=ctx, data=data)
        except pybpf.PybpfError as err:
            return Outcome(Verdict(True), "run", f"{type(err).__name__}: {err}")
        return Outcome(Verdict(True, retval=result.retval))
    except Exception as err:  # noqa: BLE001 - any other exception is the finding
        return Outcome(None, "crash", f"{type(err).__name__}: {err}")
    finally:
        rt.close()


def compare(kernel: Verdict, outcome: Outcome) -> Disagreement | None:
    """None when pybpf agrees with the kernel on verdict, message and retval."""
    mine = outcome.verdict
    if outcome.failure in ("error", "crash"):
        return Disagreement(outcome.failure, kernel, outcome.detail)
    assert mine is not None
    if kernel.accepted != mine.accepted:
        return Disagreement("accepts" if mine.accepted else "refuses", kernel, str(mine))
    if outcome.failure == "run":
        return Disagreement("run", kernel, outcome.detail)
    if kernel != mine:
        return Disagreement("message" if not kernel.accepted else "retval", kernel, str(mine))
    return None
