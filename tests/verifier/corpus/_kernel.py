"""The kernel's side: load a case alone through libbpf (tests/kernel/_libbpf.py), and run it
once on its fixed input when it loads and its type can run."""

from __future__ import annotations

import sys
from pathlib import Path

from ._cases import Case
from ._verdict import Verdict, last_line, run_input

_TESTS = str(Path(__file__).resolve().parents[2])
if _TESTS not in sys.path:  # the package is imported as tests/' own "kernel" under pytest too
    sys.path.insert(0, _TESTS)

from kernel import _libbpf

available = _libbpf.available
unavailable_reason = _libbpf.unavailable_reason


def kernel_verdict(case: Case) -> Verdict:
    """What the live kernel says of ``case``.

    Raises:
        LibbpfError: the kernel refused the test run of a program it accepted, or libbpf
            failed before the kernel's verifier saw the program (no verifier log): either
            means the case itself is broken.
    """
    try:
        loaded = _libbpf.KernelObject(case.obj, programs=[case.program], log_size=1 << 22)
    except _libbpf.LibbpfError as err:
        if not err.verifier_log.strip():
            raise
        return Verdict(False, last_line(err.verifier_log))
    with loaded:
        if case.run_input is None:
            return Verdict(True)
        ctx, data = run_input(case.run_input)
        # no ctx_out buffer: for xdp, asking for the context back without passing one in makes
        # the kernel build a zeroed xdp_md, that is, an empty packet
        result = loaded.programs[case.program].test_run(ctx=ctx, data=data, ctx_out=False)
        return Verdict(True, retval=result.retval)
