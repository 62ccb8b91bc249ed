"""The ``pybpf`` command: bpftool's nouns and verbs over pybpf, plus the conformance tools."""

from ._main import main as main
