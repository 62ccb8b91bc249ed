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


def test_public_classes_are_final() -> None:
    """STYLE.md: public classes other than exceptions, ABCs, enums, protocols and the map
    families' ``*Base`` classes (made to be subclassed) are final."""
    import abc
    import enum

    open_classes = []
    for ns in NAMESPACES:
        for name, obj in vars(ns).items():
            if name.startswith("_") or not inspect.isclass(obj) or name.endswith("Base"):
                continue
            exempt = (
                issubclass(obj, BaseException)
                or issubclass(obj, enum.Enum)
                or inspect.isabstract(obj)
                or abc.ABC in obj.__bases__
                or getattr(obj, "_is_protocol", False)
            )
            if not exempt and not getattr(obj, "__final__", False):
                open_classes.append(f"{ns.__name__}.{name}")
    assert open_classes == []
