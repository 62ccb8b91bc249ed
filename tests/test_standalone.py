"""The repository stands alone: its README and docs point at nothing outside it, and what needs
the public bpf_conformance vectors says how to get them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_reference_nothing_outside_the_repository(page: Path) -> None:
    text = page.read_text()
    outside = [path for path in re.findall(r"(?<![\w.])(?:\.\./)+[\w.-]*", text)
               if not (page.parent / path).resolve().is_relative_to(ROOT)]
    assert outside == [], page.name
    assert "shared/" not in text, f"{page.name} points at the shared directory beside the repository"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not re.match(r"https?://", target):
            assert (page.parent / target).resolve().is_relative_to(ROOT), target
            assert (page.parent / target).exists(), f"{page.name} links to a missing {target}"


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_conformance_says_how_to_get_the_vectors(tmp_path: Path) -> None:
    done = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "conformance", f"CONFORMANCE={tmp_path}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode != 0
    assert done.stderr.splitlines()[:3] == [
        f"make conformance: no bpf_conformance vectors in {tmp_path}/tests. Get them with",
        "  git clone https://github.com/Alan-Jowett/bpf_conformance",
        "  make conformance CONFORMANCE=bpf_conformance",
    ]
