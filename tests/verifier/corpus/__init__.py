"""The verifier corpus: small BPF programs whose verdicts the live kernel recorded.

Each case is one program of a C file under ``cases/``; ``verdicts.json`` holds what the kernel
said of it (accepted, and the test run's return value; or refused, and the last line of the
verifier's log). ``README.md`` says how to add a case and record it; ``python -m
tests.verifier.corpus --help`` lists the commands.
"""

from ._build import build_all, cases_or_skip, find_clang
from ._cases import CASES_DIR, SLOW_FAMILIES, Case, discover
from ._compare import Disagreement, compare, pybpf_verdict
from ._verdict import Verdict, last_line, read_disagreements, read_verdicts, recorded_params

__all__ = [
    "CASES_DIR",
    "SLOW_FAMILIES",
    "Case",
    "Disagreement",
    "Verdict",
    "build_all",
    "cases_or_skip",
    "compare",
    "discover",
    "find_clang",
    "last_line",
    "pybpf_verdict",
    "read_disagreements",
    "read_verdicts",
    "recorded_params",
]
