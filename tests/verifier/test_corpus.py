"""pybpf against the live kernel's recorded verdicts on the verifier corpus (``corpus/``).

Every case loads alone through the public path, ``pybpf.Runtime().load(obj, programs=[name])``,
and must agree with the kernel on the verdict, the last log line of a refusal
(``str(VerifierError)``) and the test run's return value of an accepted program.

Known disagreements are listed in ``corpus/disagreements.txt``, one ``<case id> <kind>`` a
line. The test is strict both ways: a case that disagrees and is not listed (or is listed with
another kind) fails, and so does a listed case that now agrees, so the list only shrinks.
After a change to pybpf's verifier, regenerate the list from the repository's root with::

    PYTHONPATH=src python -m tests.verifier.corpus disagreements

and review its diff. ``python -m tests.verifier.corpus report`` prints the agreement figures
without writing anything; ``record`` re-records the kernel's verdicts (see corpus/README.md).
"""

from __future__ import annotations

import pytest

from verifier.corpus import (
    Case,
    cases_or_skip,
    compare,
    pybpf_verdict,
    read_disagreements,
    read_verdicts,
    recorded_params,
)
from verifier.corpus._compare import KINDS
from verifier.corpus._verdict import last_line

RECORDED = read_verdicts()
KNOWN = read_disagreements()


@pytest.fixture(scope="session")
def corpus_cases() -> dict[str, Case]:
    """Every case by id, from the family objects built once (and cached between sessions)."""
    return cases_or_skip()


@pytest.mark.parametrize("case_id", recorded_params(RECORDED))
def test_pybpf_agrees_with_the_kernel(case_id: str, corpus_cases: dict[str, Case]) -> None:
    assert case_id in corpus_cases, "recorded but no longer in the corpus: re-record"
    kernel = RECORDED[case_id]
    found = compare(kernel, pybpf_verdict(corpus_cases[case_id], run=kernel.accepted))
    known = KNOWN.get(case_id)
    if found is None:
        assert known is None, f"now agrees with the kernel: regenerate disagreements.txt (listed as {known})"
    else:
        listed = f" (listed as '{known}')" if known else " (not listed)"
        assert known == found.kind, f"{found}{listed}"


def test_every_case_is_recorded(corpus_cases: dict[str, Case]) -> None:
    assert sorted(corpus_cases.keys() - RECORDED.keys()) == [], "record them: python -m tests.verifier.corpus record"


def test_listed_disagreements_are_recorded_cases_of_known_kinds() -> None:
    assert sorted(KNOWN.keys() - RECORDED.keys()) == []
    assert sorted(set(KNOWN.values()) - KINDS.keys()) == []


@pytest.mark.parametrize(
    ("log", "want"),
    [
        ("0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000) max_states_per_insn 0\n",
         "R0 !read_ok"),
        ("expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0\n",
         "expected prog array map for tail call"),
        ("infinite loop detected at insn 1\ncur state: R0=0\nold state: R0=0\n\nprocessed 4 insns (limit 1000000)\n",
         "old state: R0=0"),
        ("jump out of range from insn 1 to 7\n", "jump out of range from insn 1 to 7"),
    ],
    ids=["statistics-line", "glued-statistics", "blank-line-before", "no-statistics"],
)
def test_the_message_is_the_last_line_before_the_statistics(log: str, want: str) -> None:
    assert last_line(log) == want
