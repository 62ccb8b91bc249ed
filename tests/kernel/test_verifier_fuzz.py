"""pybpf's verifier and the live kernel's agree on programs nobody wrote by hand.

A seeded sample of the differential fuzzer (``tests/verifier/corpus/_fuzz.py``): generated
programs biased toward what unsafe programs do (pointer arithmetic on every pointer kind,
bounds refined by jumps, uninitialised registers and stack, helpers with wrong arguments,
leaked references, callbacks, loops, division, ``lddw`` forms, context accesses) and
one-instruction mutants of the corpus's accepted cases. Each must get the kernel's verdict,
last log line and test-run return value from pybpf. A failure is a finding: minimise it into a
``fuzz_found`` corpus case and fix the rule. ``python -m tests.verifier.corpus fuzz`` runs a
whole campaign.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.corpus import Case, cases_or_skip, read_verdicts
from verifier.corpus._fuzz import generated, mutants, mutation_sources

#: the sample: generated programs of these seeds (40 each), and mutants of this seed
SEEDS = (11, 12)
MUTANT_SEED, MUTANTS = 11, 30


@pytest.fixture(scope="module")
def corpus_cases() -> dict[str, Case]:
    return cases_or_skip()


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_programs_agree(seed: int, corpus_cases: dict[str, Case], tmp_path: Path) -> None:
    findings = [str(f) for f in generated(seed, 40, tmp_path) if f.kind != "agree"]
    assert findings == []


def test_mutants_of_accepted_cases_agree(corpus_cases: dict[str, Case], tmp_path: Path) -> None:
    sources = mutation_sources(corpus_cases.values(), read_verdicts())
    findings = [str(f) for f in mutants(MUTANT_SEED, MUTANTS, sources, tmp_path) if f.kind != "agree"]
    assert findings == []
