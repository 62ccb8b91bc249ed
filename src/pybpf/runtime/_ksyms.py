"""``__ksym`` variables: what the verifier learns of them, and the memory behind them.

A typed ``__ksym`` variable is a per-CPU kernel variable (see :mod:`pybpf.verifier._ksyms`):
the runtime gives it one zeroed copy per CPU, side by side, and ``bpf_per_cpu_ptr`` and
``bpf_this_cpu_ptr`` step from the first copy to the CPU's. ``cpu_number`` holds each CPU's own
number, as in the kernel. A typeless one (``extern const void x __ksym``) is an address only,
which libbpf looks up in kallsyms and the verifier sees as a number: one zeroed word here.
The verifier finds a variable only where kallsyms lists data symbols
(``CONFIG_KALLSYMS_ALL`` in the runtime's kconfig).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._spec import ExternKind, ExternSpec
from ..btf import Spec, Struct, Union, Void
from ..engine import Region
from ..verifier import PercpuVar

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["ksym_address", "percpu_var"]

#: the per-CPU variables whose copies the runtime fills (each CPU's copy holds its number)
_CPU_NUMBERED: Final = frozenset({"cpu_number"})


def percpu_var(rt: Runtime, btf: Spec | None, extern: ExternSpec) -> PercpuVar | None:
    """What the kernel's BTF says of a typed ``__ksym`` variable (None for a typeless one or
    a kfunc). The type is the object's declaration, which libbpf has checked against the
    kernel's; a struct is typed by the runtime's target BTF where that describes it."""
    if extern.kind != ExternKind.KSYM or btf is None:
        return None
    t = btf.type_by_id(btf.skip_modifiers(extern.type_id))
    if isinstance(t, Void):
        return None
    has_address = rt.kconfig.get("CONFIG_KALLSYMS_ALL") in ("y", True)
    if isinstance(t, (Struct, Union)):
        found = rt._core_targets()[0][0].types_by_name(t.name, type(t))
        return PercpuVar(extern.name, t.name, found[0].id if found else 0, 0, has_address)
    return PercpuVar(extern.name, t.name, 0, extern.size, has_address)


def ksym_address(rt: Runtime, extern: ExternSpec, percpu: bool) -> int:
    """The address an ``lddw`` of the variable loads: its first CPU's copy."""
    region = rt._ksyms.get(extern.name)
    if region is None:
        stride = -(-max(extern.size, 1) // 8) * 8
        copies = rt.ncpus if percpu else 1
        numbered = percpu and extern.name in _CPU_NUMBERED
        data = b"".join(cpu.to_bytes(stride, "little") for cpu in range(copies)) if numbered else b""
        region = Region(stride * copies, f"ksym '{extern.name}'", writable=False, data=data)
        rt.space.add(region)
        rt._ksyms[extern.name] = region
        if percpu:
            rt._percpu_strides[region.base] = stride
    return region.base
