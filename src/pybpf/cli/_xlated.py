"""A loaded program as bpftool shows it: its tag, its "xlated" instructions, and the function
and line records that annotate ``prog dump xlated``.

- The **tag** is what the kernel computes in ``bpf_prog_calc_tag()`` from the instructions the
  loader hands it, with the immediates of map references (``map[id:N]``, ``map[id:N][0]+off``)
  zeroed because file descriptors are not stable. Linux 6.18 hashes them with SHA-256 (older
  kernels used SHA-1) and shows the first 8 bytes; pybpf follows 6.18, so ``prog show`` prints
  the tag the kernel prints for the same object.
- The **xlated** program is the program as pybpf runs it, with map references written back as
  the kernel's dumps write them: ``src=BPF_PSEUDO_MAP_FD`` with the map id, or
  ``BPF_PSEUDO_MAP_VALUE`` with the id and the offset. pybpf does not rewrite helper calls into
  addresses as the kernel does, so a call reads ``call bpf_map_update_elem#2``.
- **Function and line records** come from ``.BTF.ext``, where they are kept per ELF section with
  byte offsets. A program is its entry function followed by the subprograms it uses; each
  function's records are found by its name and moved to its place in the program, as libbpf
  does before loading.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace

from ..btf import (
    Array,
    BtfError,
    Const,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Ptr,
    Restrict,
    Spec,
    Struct,
    Typedef,
    Union,
    Volatile,
)
from ..helpers import BY_ID
from ..isa import LDDW, Instruction, PseudoSrc, encode
from ..runtime import Program

__all__ = ["func_signature", "helper_name", "tag_of", "xlated"]

PSEUDO_MAP_FD = 1
PSEUDO_MAP_VALUE = 2


def helper_name(helper_id: int) -> str | None:
    """The name of helper ``helper_id`` for the disassembler."""
    helper = BY_ID.get(helper_id)
    return helper.name if helper is not None else None


def _as_loaded(program: Program, map_ids: Mapping[str, int] | None) -> list[Instruction]:
    """The program's instructions with map references in the kernel's form: map ids from
    ``map_ids``, or zeros (``None``) as the tag computation sees them."""
    refs = program.spec.map_refs
    out = []
    for insn in program.spec.instructions:
        if insn.opcode == LDDW and insn.src in (PseudoSrc.MAP_IDX, PseudoSrc.MAP_IDX_VALUE):
            index = insn.imm & 0xFFFF_FFFF
            map_id = 0 if map_ids is None else map_ids.get(refs[index], 0)
            if insn.src == PseudoSrc.MAP_IDX:
                insn = replace(insn, src=PSEUDO_MAP_FD, imm=map_id)
            else:
                offset = 0 if map_ids is None else insn.imm >> 32
                insn = replace(insn, src=PSEUDO_MAP_VALUE, imm=(offset << 32) | map_id)
        out.append(insn)
    return out


def tag_of(program: Program) -> str:
    """The 8-byte tag ``bpftool prog show`` prints (see the module docstring)."""
    data = encode(_as_loaded(program, None))
    return hashlib.sha256(data).hexdigest()[:16]


def xlated(program: Program, map_ids: Mapping[str, int]) -> list[Instruction]:
    """The instructions ``prog dump xlated`` prints (see the module docstring)."""
    return _as_loaded(program, map_ids)


def func_signature(btf: Spec, type_id: int) -> str:
    """bpftool's ``btf_dumper_type_only``: ``int prog(void * ctx)`` for a ``FUNC`` type; ``""``
    for what it cannot print."""
    try:
        return _type_only(btf, type_id)
    except (_Unprintable, BtfError):
        return ""


class _Unprintable(Exception):
    pass


def _type_only(btf: Spec, type_id: int) -> str:
    if type_id == 0:
        return "void "
    t = btf.type_by_id(type_id)
    match t:
        case Int() | Typedef() | Float():
            return f"{t.name} "
        case Struct():
            return f"struct {t.name} "
        case Union():
            return f"union {t.name} "
        case Enum() | Enum64():
            return f"enum {t.name} "
        case Array():
            return f"{_type_only(btf, t.type)}[{t.nelems}]"
        case Ptr():
            return f"{_type_only(btf, t.type)}* "
        case Fwd():
            return f"{'union' if t.is_union else 'struct'} {t.name} "
        case Volatile():
            return f"volatile {_type_only(btf, t.type)}"
        case Const():
            return f"const {_type_only(btf, t.type)}"
        case Restrict():
            return f"restrict {_type_only(btf, t.type)}"
        case FuncProto():
            return _func(btf, t, None)
        case Func():
            proto = btf.type_by_id(t.type)
            if not isinstance(proto, FuncProto):
                raise _Unprintable
            return _func(btf, proto, t.name)
    raise _Unprintable


def _func(btf: Spec, proto: FuncProto, name: str | None) -> str:
    text = _type_only(btf, proto.return_type) + (f"{name}(" if name is not None else "(")
    for i, param in enumerate(proto.params):
        if i:
            text += ", "
        if param.type:
            text += _type_only(btf, param.type)
            if param.name:
                text += param.name
            elif text.endswith(" "):
                text = text[:-1]
        else:
            text += "..."
    return text + ")"

