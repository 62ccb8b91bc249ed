"""The engines every engine test runs on: the interpreter (the reference) and the JIT."""

from __future__ import annotations

from typing import Any

import pytest

from pybpf.engine import Interpreter


def _jit() -> Any:
    try:
        from pybpf.engine._jit import Jit
    except ImportError:
        pytest.skip("llvmlite is not installed")
    return Jit


@pytest.fixture(params=["interpreter", "jit"])
def engine(request: pytest.FixtureRequest) -> Any:
    """An engine class: :class:`Interpreter` or the JIT (skipped without llvmlite)."""
    return Interpreter if request.param == "interpreter" else _jit()
