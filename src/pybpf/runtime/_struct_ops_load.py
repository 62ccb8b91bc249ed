"""Loading struct_ops maps and programs the way libbpf and the kernel do
(``bpf_map__init_kern_struct_ops``, ``bpf_struct_ops_map_alloc``, ``check_struct_ops_btf_id``).

The struct a map implements must be one the modelled kernel registers (see
:data:`pybpf.verifier._struct_ops.REGISTERED`), else the load fails as libbpf fails on a kernel
without it. Its layout comes from the runtime's target BTF when that describes the struct (the
host's with ``Runtime(btf="host")``), else from the object's own BTF, which then stands in for
the kernel's as it does for CO-RE relocations: pybpf's modelled BTF describes no networking
structs.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._errors import NotSupportedError
from .._spec import CollectionSpec, MapSpec, ProgramSpec
from ..btf import FuncProto, Ptr, Spec, Struct
from ..helpers import BY_ID
from ..maps import EINVAL, MapError
from ..maps._struct_ops import STRUCT_OPS_DATA_OFFSET, struct_ops_value_size
from ..verifier._struct_ops import REGISTERED, StructOpsTarget, member_proto

__all__ = ["func_count", "kernel_value", "ops_btf", "ops_struct", "struct_ops_helpers", "struct_ops_target"]


def ops_btf(targets: Iterable[Spec], spec: CollectionSpec, type_name: str) -> Spec:
    """The BTF the struct ``type_name`` is laid out by: the first target BTF that has it,
    else the object's.

    Raises:
        NotSupportedError: the modelled kernel registers no such struct_ops type.
    """
    if type_name not in REGISTERED:
        raise NotSupportedError(
            f"struct_ops init_kern: struct {type_name} is not found in kernel BTF"
            f" (pybpf models the struct_ops types {', '.join(sorted(REGISTERED))})"
        )
    for target in targets:
        if target.types_by_name(type_name, Struct):
            return target
    assert spec.btf is not None  # the reader refuses struct_ops sections without BTF
    return spec.btf


def ops_struct(btf: Spec, type_name: str) -> Struct:
    return btf.types_by_name(type_name, Struct)[0]


def kernel_value(targets: Iterable[Spec], spec: CollectionSpec, mspec: MapSpec) -> bytes:
    """The map's value as libbpf writes it: ``bpf_struct_ops_<name>`` with each non-function
    member the object set copied to the kernel struct's member of the same name.

    Raises:
        NotSupportedError: an unknown struct_ops type, or a member the kernel's struct lacks
            that the object set (libbpf: ENOTSUP).
        MapError: a member of another size or kind than the kernel's (EINVAL).
    """
    ops = mspec.struct_ops
    assert ops is not None and spec.btf is not None and mspec.data is not None
    kbtf = ops_btf(targets, spec, ops.type_name)
    kstruct = ops_struct(kbtf, ops.type_name)
    local = spec.btf.type_by_id(ops.type_id)
    assert isinstance(local, Struct)
    size = struct_ops_value_size(kstruct.size)
    if kbtf is spec.btf:  # the object's struct stands in: the value is the modelled kernel's size
        size = max(size, REGISTERED[ops.type_name].value_size)
    value = bytearray(size)
    kmembers = {m.name: m for m in kstruct.members}
    for m in local.members:
        start = m.bit_offset // 8
        size = spec.btf.resolve_size(m.type)
        data = mspec.data[start : start + size]
        kmember = kmembers.get(m.name)
        if kmember is None:
            if any(data) or m.name in ops.programs:
                raise NotSupportedError(f"struct_ops init_kern {mspec.name}: Cannot find member {m.name} in kernel BTF")
            continue
        if _is_func_ptr(spec.btf, m.type) != _is_func_ptr(kbtf, kmember.type):
            raise MapError("load maps", EINVAL, f"struct_ops init_kern {mspec.name}: Unmatched member type {m.name}")
        if _is_func_ptr(kbtf, kmember.type):
            continue  # the program is the runtime's to call; the slot stays zero
        ksize = kbtf.resolve_size(kmember.type)
        if ksize != size:
            raise MapError("load maps", EINVAL,
                           f"struct_ops init_kern {mspec.name}: Error in size of member {m.name}: {size} != {ksize}(kernel)")
        at = STRUCT_OPS_DATA_OFFSET + kmember.bit_offset // 8
        value[at : at + size] = data
    return bytes(value)


def func_count(targets: Iterable[Spec], spec: CollectionSpec, mspec: MapSpec) -> int:
    """The function-pointer members of the kernel struct the map implements."""
    assert mspec.struct_ops is not None
    name = mspec.struct_ops.type_name
    kbtf = ops_btf(targets, spec, name)
    if kbtf is spec.btf:  # the object's struct may lack members: the modelled kernel's count
        return REGISTERED[name].funcs
    return sum(_is_func_ptr(kbtf, m.type) for m in ops_struct(kbtf, name).members)


def _is_func_ptr(btf: Spec, type_id: int) -> bool:
    t = btf.type_by_id(btf.skip_modifiers(type_id))
    return isinstance(t, Ptr) and isinstance(btf.type_by_id(btf.skip_modifiers(t.type)), FuncProto)


def struct_ops_target(targets: Iterable[Spec], spec: CollectionSpec, pspec: ProgramSpec) -> StructOpsTarget:
    """The member ``pspec`` implements, typed by the struct's BTF (the kernel's
    ``attach_btf_id`` and ``expected_attach_type``).

    Raises:
        NotSupportedError: a struct_ops program no map uses (the kernel refuses a program
            without ``attach_btf_id`` with ENOTSUPP), or an unknown struct_ops type.
    """
    if pspec.struct_ops is None:
        raise NotSupportedError(
            f"load: program '{pspec.name}': no struct_ops map uses this struct_ops program, so it implements no"
            " member (the kernel refuses it without attach_btf_id)"
        )
    type_name, member = pspec.struct_ops
    btf = ops_btf(targets, spec, type_name)
    index, proto = member_proto(btf, ops_struct(btf, type_name), member)
    params = tuple(p.type for p in proto.params) if proto is not None else ()
    returns = btf.skip_modifiers(proto.return_type) if proto is not None else 0
    return StructOpsTarget(type_name, member, index, params, returns, btf)


def struct_ops_helpers(base: Iterable[int], target: StructOpsTarget) -> set[int]:
    """The helpers a struct_ops program may call: the base set every struct_ops type offers
    (``bpf_base_func_proto``), and the ones its type adds for this member."""
    rules = REGISTERED[target.ops]
    every_added = {name for r in REGISTERED.values() for name in r.helpers}
    allowed = rules.helpers - rules.not_in.get(target.member, frozenset())
    return {i for i in base if BY_ID[i].name not in every_added} | {
        i for i, h in BY_ID.items() if h.name in allowed
    }
