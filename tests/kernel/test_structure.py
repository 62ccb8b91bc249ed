"""The structural verdicts that tests/verifier/testdata states, checked against the kernel:
each object is loaded by libbpf into the kernel and by pybpf, and both must give the verdict
its source states on its first line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.verifier import VerifierError

from . import _libbpf

SOURCES = sorted((Path(__file__).parent.parent / "verifier" / "testdata").glob("*.bpf.c"))


def stated_verdict(source: Path) -> str | None:
    verdict = source.read_text().splitlines()[0].removeprefix("/* verdict: ").removesuffix(" */")
    return None if verdict == "accepted" else verdict


def kernel_verdict(obj: Path) -> str | None:
    try:
        _libbpf.KernelObject(obj).close()
    except _libbpf.LibbpfError as err:
        verifier_log = err.log.split("\nlibbpf: ", 1)[0]
        return _libbpf.RawLoad(err.errno or 0, verifier_log).message
    return None


def pybpf_verdict(obj: Path) -> str | None:
    with pybpf.Runtime() as rt:
        try:
            rt.load(obj)
        except VerifierError as err:
            return str(err)
    return None


@pytest.mark.parametrize("source", SOURCES, ids=[s.name.removesuffix(".bpf.c") for s in SOURCES])
def test_kernel_and_pybpf_agree_on_the_stated_verdict(source: Path, build: Callable[..., Path]) -> None:
    obj = build(source)
    assert kernel_verdict(obj) == stated_verdict(source)
    assert pybpf_verdict(obj) == stated_verdict(source)
