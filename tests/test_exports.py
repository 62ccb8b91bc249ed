"""The public surface: every error is exported from ``pybpf``, public callables are documented."""

from __future__ import annotations

import inspect

import pytest

import pybpf
from pybpf import btf, elf, engine, helpers, isa, maps, runtime, testing, timers, verifier

NAMESPACES = [pybpf, isa, engine, verifier, testing, maps, helpers, timers, elf, btf, runtime]


def test_every_error_class_derives_from_the_root_and_is_exported_from_pybpf() -> None:
    errors = {
        obj
        for ns in NAMESPACES
        for obj in vars(ns).values()
        if inspect.isclass(obj) and issubclass(obj, Exception)
    }
    for err in errors:
        assert issubclass(err, pybpf.PybpfError), err
        assert getattr(pybpf, err.__name__) is err, f"pybpf.{err.__name__} is missing"


@pytest.mark.parametrize("ns", NAMESPACES, ids=lambda ns: ns.__name__)
def test_public_callables_have_docstrings(ns: object) -> None:
    assert inspect.getdoc(ns), ns
    for name, obj in vars(ns).items():
        if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        assert inspect.getdoc(obj), f"{ns.__name__}.{name} has no docstring"  # type: ignore[attr-defined]
