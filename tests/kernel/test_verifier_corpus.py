"""The verifier corpus's recorded verdicts still hold on the live kernel.

Each case of ``tests/verifier/corpus`` is loaded alone through libbpf and, when the kernel
accepts it and its type can run, test-run once on its fixed input; the verdict, the last
verifier log line of a refusal and the return value must equal what ``verdicts.json`` holds.
A failure here means the data drifted from reality: re-record (corpus/README.md) and review.
"""

from __future__ import annotations

import pytest

from verifier.corpus import Case, cases_or_skip, read_verdicts, recorded_params
from verifier.corpus._kernel import kernel_verdict

RECORDED = read_verdicts()


@pytest.fixture(scope="module")
def corpus_cases() -> dict[str, Case]:
    return cases_or_skip()


@pytest.mark.parametrize("case_id", recorded_params(RECORDED))
def test_recorded_verdict_holds(case_id: str, corpus_cases: dict[str, Case]) -> None:
    assert case_id in corpus_cases, "recorded but no longer in the corpus: re-record"
    assert kernel_verdict(corpus_cases[case_id]) == RECORDED[case_id]
