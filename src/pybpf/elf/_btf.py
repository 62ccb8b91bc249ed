"""What the loader adds to an object's BTF before anyone reads it (``bpf_object_fixup_btf``).

clang leaves the size of each ``DATASEC`` at zero and, for some sections (``.maps`` among
them), the offsets of its variables too; libbpf fills them in from the ELF section and the
symbol table (``btf_fixup_datasec``) and sorts the variables by offset. Global variables and
``.text`` functions with hidden visibility (``__hidden``) become static in BTF: such variables
are not exposed to user space, and the verifier checks such functions with their callers
rather than on their own.
"""

from __future__ import annotations

import dataclasses

from ..btf import BtfError, Datasec, Func, Linkage, Spec, Type, Var
from ._errors import ElfError
from ._file import ObjectFile, Symbol

__all__ = ["fix_btf"]

_EXTERN_DATASECS = (".kconfig", ".ksyms")  # laid out by the loader from externs, not the ELF
_HIDDEN = ("STV_HIDDEN", "STV_INTERNAL")
_GLOBAL = ("STB_GLOBAL", "STB_WEAK")


def fix_btf(btf: Spec, obj: ObjectFile) -> Spec:
    """The BTF as libbpf hands it on: DATASECs laid out, hidden symbols static.

    Raises:
        ElfError: if a DATASEC names no section, or a global variable has no symbol.
    """
    types: list[Type] = list(btf.types)
    hidden_functions = _hidden_text_functions(obj)
    for t in btf.types:
        if isinstance(t, Datasec) and t.name not in _EXTERN_DATASECS:
            types[t.id] = _fix_datasec(btf, t, obj, types)
        elif isinstance(t, Func) and t.linkage == Linkage.GLOBAL and t.name in hidden_functions:
            types[t.id] = dataclasses.replace(t, linkage=Linkage.STATIC)
    try:
        return Spec(types, btf.strings, btf.byte_order)
    except BtfError as exc:
        raise ElfError(f"section '.BTF': {exc}") from exc


def _hidden_text_functions(obj: ObjectFile) -> set[str]:
    text = obj.section(".text")
    return {
        s.name
        for s in obj.symbols
        if text is not None and s.shndx == text.index
        if s.type == "STT_FUNC" and s.bind in _GLOBAL and s.visibility in _HIDDEN
    }


def _fix_datasec(btf: Spec, datasec: Datasec, obj: ObjectFile, types: list[Type]) -> Datasec:
    """The DATASEC with its size and offsets filled in; ``types`` gets the VARs made static."""
    size, fix_offsets = datasec.size, datasec.size == 0
    if fix_offsets:
        section = obj.section(datasec.name)
        if section is None or not section.size:
            raise ElfError(f"section '.BTF': DATASEC '{datasec.name}' has no ELF section")
        size = section.size
    secinfos = []
    for v in datasec.vars:
        var = btf.type_by_id(v.type)
        assert isinstance(var, Var)  # Spec checks that a DATASEC holds only variables
        if var.linkage == Linkage.GLOBAL:
            symbol = _var_symbol(obj, var.name)
            if fix_offsets:
                v = dataclasses.replace(v, offset=symbol.value)
            if symbol.visibility in _HIDDEN:
                types[var.id] = dataclasses.replace(var, linkage=Linkage.STATIC)
        secinfos.append(v)
    secinfos.sort(key=lambda v: v.offset)
    return dataclasses.replace(datasec, size=size, vars=tuple(secinfos))


def _var_symbol(obj: ObjectFile, name: str) -> Symbol:
    """The ELF symbol of a global variable (``find_elf_var_sym``)."""
    for s in obj.symbols:
        if s.name == name and s.type == "STT_OBJECT" and s.bind in _GLOBAL:
            return s
    raise ElfError(f"section '.BTF': variable '{name}' has no symbol")
