"""Typed ``__ksym`` variables: per-CPU kernel variables (``check_pseudo_btf_id``).

libbpf turns ``extern const struct rq runqueues __ksym;`` into an ``lddw`` of the variable's
BTF id, and the kernel types the register from its BTF. Linux's BTF describes only its per-CPU
variables (the ``.data..percpu`` section is the one pahole emits), so a typed variable libbpf
can resolve is a per-CPU one: ``PTR_TO_BTF_ID | MEM_PERCPU`` (``percpu_ptr_``), which nothing
may read or move, and which only ``bpf_per_cpu_ptr`` and ``bpf_this_cpu_ptr`` take. They
return one CPU's copy: read-only memory of the variable's size for a scalar or array, a BTF
pointer for a struct. Before any of that, the kernel must find the symbol's address in
kallsyms, which holds data symbols only with ``CONFIG_KALLSYMS_ALL``.

pybpf's loader resolves the ``lddw`` to the address of the variable's copies; the verifier
learns what the kernel's BTF says of each one from :attr:`VerifyInput.ksyms`, by PC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, final

from ._env import Env, Refuse, VerifyInput
from ._log import type_str
from ._state import Reg, RegType

__all__ = ["PercpuVar", "check_percpu_access", "check_percpu_addresses", "is_percpu", "percpu_arg", "percpu_copy", "percpu_pointer"]

_ENOENT: Final = 2
_EACCES: Final = 13
_PERCPU: Final = "percpu"


@final
@dataclass(frozen=True)
class PercpuVar:
    """A per-CPU kernel variable an ``lddw`` names.

    ``type_name`` is its type's name ("rq", "int"); ``struct_id`` the struct's id in the
    target BTF (0 when the variable is no struct, or the BTF does not describe it); ``size``
    one CPU's copy in bytes for a variable that is no struct (0 for a struct);
    ``has_address`` whether kallsyms knows the symbol.
    """

    name: str
    type_name: str
    struct_id: int = 0
    size: int = 0
    has_address: bool = True


def check_percpu_addresses(inp: VerifyInput) -> None:
    """The kernel resolves every ``lddw`` before it walks the program: one of a variable
    kallsyms does not know refuses the program, reachable or not."""
    for pc in sorted(inp.ksyms):
        var = inp.ksyms[pc]
        if not var.has_address:
            raise Refuse(f"ldimm64 failed to find the address for kernel symbol '{var.name}'.", _ENOENT)


def percpu_pointer(var: PercpuVar) -> Reg:
    """The register an ``lddw`` of ``var`` loads: its per-CPU address."""
    r = Reg(RegType.BTF_ID)
    r.trust = _PERCPU
    r.btf_name, r.btf_id, r.mem_size = var.type_name, var.struct_id, var.size
    return r


def is_percpu(reg: Reg) -> bool:
    return reg.type == RegType.BTF_ID and reg.trust == _PERCPU


def check_percpu_access(reg: Reg, regno: int, off: int) -> None:
    """A load or store through a per-CPU pointer: refused (``check_ptr_to_btf_access``)."""
    raise Refuse(f"R{regno} is ptr_{reg.btf_name} access percpu memory: off={off + reg.off}", _EACCES)


def percpu_arg(reg: Reg, regno: int) -> Reg:
    """``ARG_PTR_TO_PERCPU_BTF_ID``: a per-CPU pointer; returns it, for the result's type.
    (The caller then refuses one the program moved: it is not among the pointers a helper
    may take at an offset.)"""
    if not is_percpu(reg):
        raise Refuse(f"R{regno} type={type_str(reg)} expected=percpu_ptr_, percpu_rcu_ptr_, percpu_trusted_ptr_")
    return reg


def percpu_copy(env: Env, var: Reg, maybe_null: bool) -> Reg:
    """R0 of ``bpf_per_cpu_ptr`` (``maybe_null``) or ``bpf_this_cpu_ptr``: one CPU's copy,
    read-only memory of the variable's size, or a plain BTF pointer to its struct
    (``RET_PTR_TO_MEM_OR_BTF_ID``)."""
    if var.mem_size:
        r = Reg(RegType.MEM)
        r.rdonly, r.mem_size = True, var.mem_size
    else:
        r = Reg(RegType.BTF_ID)
        r.btf_name, r.btf_id = var.btf_name, var.btf_id
    if maybe_null:
        r.null, r.id = True, env.new_id()
    return r

