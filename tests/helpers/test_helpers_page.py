"""docs/helpers.md: generated from the registries, and current."""

from __future__ import annotations

from pathlib import Path

from pybpf.helpers._docs import LINUX_HELPER_NAMES, helpers_markdown

PAGE = Path(__file__).parents[2] / "docs" / "helpers.md"


def test_helpers_page_is_up_to_date() -> None:
    assert PAGE.read_text() == helpers_markdown(), "run: pybpf gen helpers-doc -o docs/helpers.md"


def test_every_linux_helper_id_is_listed() -> None:
    text = helpers_markdown()
    assert len(LINUX_HELPER_NAMES) == 212  # ids 0..211 of Linux 6.18
    for id_, name in enumerate(LINUX_HELPER_NAMES[1:], start=1):
        assert f"| {id_} | `bpf_{name}` |" in text


def test_every_declared_helper_is_implemented() -> None:
    from pybpf.helpers import HELPERS, IMPLEMENTATIONS

    assert [h.name for h in HELPERS if h.id not in IMPLEMENTATIONS] == []
