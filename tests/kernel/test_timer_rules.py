"""The timer rules whose messages changed across releases (tests/timers/testdata/timer_rules.bpf.c),
as the kernel here (6.18) gives them: pybpf's default release must give the same verdict, so the
older releases' messages, asserted in tests/timers/test_release_rules.py, differ from a checked one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.verifier import VerifierError

from . import _libbpf
from .test_structure import kernel_verdict

RULES = Path(__file__).parent.parent / "timers" / "testdata" / "timer_rules.bpf.c"


RULES_6_18 = ["TWO_TIMERS", "NO_TIMER", "MISALIGNED", "NESTED", "RETURNS_ONE", "RETURNS_RANDOM", "CALLED_DIRECTLY", "CALLS_DEEP"]


@pytest.mark.parametrize("rule", RULES_6_18)
def test_the_kernel_gives_pybpfs_6_18_verdict(rule: str, build: Callable[..., Path]) -> None:
    obj = build(RULES, {rule: "1"})
    with pybpf.Runtime(kernel="6.18") as rt:
        try:
            rt.load(obj)
            ours = None
        except VerifierError as err:
            ours = str(err)
    assert kernel_verdict(obj) == ours


@pytest.mark.parametrize("flags", [128, 256], ids=["rdonly-prog", "wronly-prog"])
def test_the_kernel_refuses_a_timer_map_read_only_or_write_only_for_programs(flags: int, build: Callable[..., Path]) -> None:
    """libbpf then retries without BTF, so the program is refused for a map without BTF; its
    warning carries the kernel's errno, which pybpf's MapError gives."""
    obj = build(RULES, {"MAP_FLAGS": str(flags)})
    with pytest.raises(_libbpf.LibbpfError) as refused:
        _libbpf.KernelObject(obj).close()
    assert "Error in bpf_create_map_xattr(timers):Permission denied(-13). Retrying without BTF." in refused.value.log
    assert "map 'timers' has to have BTF in order to use bpf_timer" in refused.value.log
    with pybpf.Runtime(kernel="6.18") as rt, pytest.raises(pybpf.MapError) as err:
        rt.load(obj)
    assert err.value.errno == 13
