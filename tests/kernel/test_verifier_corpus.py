"""The verifier corpus's recorded verdicts still hold on the live kernel.

Each case of ``tests/verifier/corpus`` is loaded alone through libbpf and, when the kernel
accepts it and its type can run, test-run once on its fixed input; the verdict, the last
verifier log line of a refusal and the return value must equal what ``verdicts.json`` holds.
A failure here means the data drifted from reality: re-record (corpus/README.md) and review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.corpus import Case, build_all, discover, find_clang, read_verdicts
from verifier.corpus._kernel import kernel_verdict

RECORDED = read_verdicts()


@pytest.fixture(scope="module")
def corpus_objects() -> dict[str, Path]:
    clang = find_clang()
    if clang is None:
        pytest.skip("no clang-19 to build the verifier corpus")
    return build_all(clang)


@pytest.mark.parametrize("case", [c for c in discover() if c.id in RECORDED], ids=lambda c: c.id)
def test_recorded_verdict_holds(case: Case, corpus_objects: dict[str, Path]) -> None:
    assert kernel_verdict(case, corpus_objects[case.family]) == RECORDED[case.id]
