"""Where a program's instructions come from: the function and line records of ``.BTF.ext``.

``.BTF.ext`` keeps its records per ELF section, by byte offset. A loaded program is its entry
function followed by the subprograms it calls; each function's records are found by the
function's name and moved to its place in the program, as libbpf does before loading. The
result annotates ``pybpf prog dump xlated`` and names the source line of a run-time fault.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import final

from .._spec import CollectionSpec, ProgramSpec
from ..btf import BtfError, Func, LineInfo, Spec

__all__ = ["SourceInfo", "source_info"]


@final
@dataclass(frozen=True)
class SourceInfo:
    """The ``.BTF.ext`` records of one program, by PC: function type ids and source lines."""

    funcs: Mapping[int, int]
    lines: Mapping[int, LineInfo]

    @functools.cached_property
    def _line_pcs(self) -> list[int]:
        return sorted(self.lines)

    def line_at(self, pc: int) -> LineInfo | None:
        """The line record covering ``pc``: the last one at or before it in the same function.

        Compilers record a line where a statement's code begins, so the instructions up to
        the next record belong to it.
        """
        pcs = self._line_pcs
        i = bisect.bisect_right(pcs, pc) - 1
        if i < 0:
            return None
        func_start = max((start for start in self.funcs if start <= pc), default=0)
        return self.lines[pcs[i]] if pcs[i] >= func_start else None

    def location(self, pc: int) -> str | None:
        """``conntrack.bpf.c:42`` for the instruction at ``pc``, or None without line info."""
        line = self.line_at(pc)
        if line is None or not line.file_name:
            return None
        return f"{PurePath(line.file_name).name}:{line.line_num}"


def source_info(collection: CollectionSpec, spec: ProgramSpec) -> SourceInfo:
    """Where each function of the program ``spec`` starts (with its ``FUNC`` type) and its
    line records, placed at the program's PCs."""
    ext, btf = collection.ext, collection.btf
    if ext is None or btf is None:
        return SourceInfo({}, {})
    length = sum(insn.width for insn in spec.instructions)
    starts = sorted([(0, spec.name, spec.section), *((pc, n, ".text") for n, pc in spec.subprograms.items())])
    funcs: dict[int, int] = {}
    lines: dict[int, LineInfo] = {}
    for i, (pc, name, section) in enumerate(starts):
        end_pc = starts[i + 1][0] if i + 1 < len(starts) else length
        records = ext.func_info.get(section) or ext.func_info.get("?" + section) or ()
        line_records = ext.line_info.get(section) or ext.line_info.get("?" + section) or ()
        record = next((r for r in records if _func_name(btf, r.type_id) == name), None)
        if record is None:
            continue
        funcs[pc] = record.type_id
        first, last = record.insn_off, record.insn_off + 8 * (end_pc - pc)
        for line in line_records:
            if first <= line.insn_off < last:
                lines.setdefault(pc + (line.insn_off - first) // 8, line)
    return SourceInfo(funcs, lines)


def _func_name(btf: Spec, type_id: int) -> str | None:
    try:
        t = btf.type_by_id(type_id)
    except BtfError:  # a damaged record names no function
        return None
    return t.name if isinstance(t, Func) else None
