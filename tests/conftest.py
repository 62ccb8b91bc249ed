"""Shared fixtures: where the shared conformance vectors live, if they are beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CONFORMANCE = SHARED / "conformance"


@pytest.fixture
def conformance_dir() -> Path:
    """The bpf_conformance vectors of ../shared; the test skips when they are absent."""
    if not (CONFORMANCE / "tests").is_dir():
        pytest.skip("../shared/conformance is not beside the repository")
    return CONFORMANCE
