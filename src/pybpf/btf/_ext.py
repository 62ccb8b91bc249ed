"""The records of a ``.BTF.ext`` section: what the loader hands the kernel beside a program.

Each kind of record is grouped by the ELF section (``.text``, ``xdp``...) of the instructions it
describes. Instruction offsets are in bytes from the start of that section, as clang writes
them (divide by 8 for an instruction index; libbpf does so before loading).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import final

__all__ = ["CoreRelo", "ExtInfo", "FuncInfo", "LineInfo"]


@final
@dataclass(frozen=True, slots=True)
class FuncInfo:
    """``bpf_func_info``: the function (a :class:`Func` type id) starting at ``insn_off``."""

    insn_off: int
    type_id: int


@final
@dataclass(frozen=True, slots=True)
class LineInfo:
    """``bpf_line_info``: the source line of the instruction at ``insn_off``.

    ``line`` is the text of the source line, which ``bpftool prog dump`` prints after ``;``.
    """

    insn_off: int
    file_name: str
    line: str
    line_num: int
    column: int


@final
@dataclass(frozen=True, slots=True)
class CoreRelo:
    """``bpf_core_relo``: a CO-RE relocation of the instruction at ``insn_off``.

    ``access_str`` is the accessor spec such as ``"0:1:2"``; ``kind`` a ``BPF_CORE_*`` number.
    """

    insn_off: int
    type_id: int
    access_str: str
    kind: int


@final
@dataclass(frozen=True, slots=True)
class ExtInfo:
    """A parsed ``.BTF.ext`` section: records keyed by ELF section name.

    The record sizes are those the section declares; the kernel takes records of the size it
    is told, so a loader passes them on as they are.
    """

    func_info: Mapping[str, tuple[FuncInfo, ...]]
    line_info: Mapping[str, tuple[LineInfo, ...]]
    core_relos: Mapping[str, tuple[CoreRelo, ...]]
    func_info_rec_size: int
    line_info_rec_size: int
    core_relo_rec_size: int
