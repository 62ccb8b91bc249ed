"""What the ``bpf_object`` fixture hands tests: a compiled object and its parsed BTF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pybpf.btf import ExtInfo, Spec


@dataclass(frozen=True)
class BpfObject:
    """A compiled test object: its sections and its parsed BTF."""

    path: Path
    sections: dict[str, bytes]
    spec: Spec
    ext: ExtInfo | None
