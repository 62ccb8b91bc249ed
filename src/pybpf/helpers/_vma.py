"""``bpf_find_vma``: the memory area of the calling task (pybpf's tasks are this process) that
holds an address, given to the program's callback as a ``struct vm_area_struct``.

The area is the line of ``/proc/self/maps`` that holds the address, as the kernel's
``find_vma`` finds it: no such line is -ENOENT and the callback never runs. The struct is laid
out as the program's CO-RE relocations see it (the runtime's target BTF where it describes the
struct, else the object's own), with ``vm_start``, ``vm_end``, ``vm_pgoff`` and ``vm_flags``
(``VM_READ``, ``VM_WRITE``, ``VM_EXEC``, ``VM_SHARED`` from the permissions: pybpf cannot see
the kernel's other flags) set; for a mapped file, ``vm_file`` points to a ``struct file`` whose
``f_path.dentry`` names the file's last path component (``d_name``, and the inline name).
Every other byte is 0. The objects live for the callback's run only.
"""

from __future__ import annotations

from typing import Final

from ..btf import Spec, Struct, Union
from ..engine import BpfRuntimeError, ExecContext, Region
from ._impl import host, implements

__all__ = ["maps_line", "member_offset"]

EINVAL = 22
ENOENT = 2
#: VM_READ, VM_WRITE, VM_EXEC by permission letter; VM_SHARED for an "s" in the fourth place
_VM_FLAGS: Final = {"r": 0x1, "w": 0x2, "x": 0x4, "s": 0x8}
_PAGE_SHIFT = 12


def maps_line(address: int) -> tuple[int, int, str, int, str] | None:
    """The start, end, permissions, file offset and path of this process's memory area that
    holds ``address`` (None for none)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                start, _, end = fields[0].partition("-")
                if int(start, 16) <= address < int(end, 16):
                    path = fields[5].strip() if len(fields) > 5 else ""
                    return int(start, 16), int(end, 16), fields[1], int(fields[2], 16), path
    except (OSError, ValueError, IndexError):
        pass
    return None


def member_offset(spec: Spec, struct: Struct | Union, path: str) -> tuple[int, int] | None:
    """The byte offset and size of the dotted member ``path`` of ``struct``, looking through
    anonymous members as CO-RE does (None when it has no such member)."""
    head, _, rest = path.partition(".")
    for m in struct.members:
        inner = spec.type_by_id(spec.skip_modifiers(m.type))
        at = m.bit_offset // 8
        if m.name == head:
            if not rest:
                return at, spec.resolve_size(m.type)
            if isinstance(inner, (Struct, Union)):
                found = member_offset(spec, inner, rest)
                return None if found is None else (at + found[0], found[1])
            return None
        if not m.name and isinstance(inner, (Struct, Union)):
            found = member_offset(spec, inner, path)
            if found is not None:
                return at + found[0], found[1]
    return None


def _image(spec: Spec, name: str, values: dict[str, int | bytes]) -> bytes:
    """A zeroed ``struct name`` of ``spec`` with the members in ``values`` set (those it has)."""
    found = spec.types_by_name(name, Struct)
    if not found:
        return b""
    image = bytearray(found[0].size)
    for path, value in values.items():
        place = member_offset(spec, found[0], path)
        if place is None:
            continue
        at, size = place
        raw = value if isinstance(value, bytes) else (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")
        image[at : at + size] = raw[:size].ljust(size, b"\0")
    return bytes(image)


def _region(image: bytes, what: str) -> Region:
    return Region(max(len(image), 1), what, writable=False, data=image)


@implements("bpf_find_vma")
def find_vma(ctx: ExecContext, task: int, address: int, callback: int, cb_ctx: int, flags: int) -> int:
    if flags:
        return -EINVAL
    area = maps_line(address)
    if area is None:
        return -ENOENT
    start, end, perms, offset, path = area
    entry = ctx.engine.function_at(callback)
    if entry is None:
        raise BpfRuntimeError(f"bpf_find_vma: 0x{callback:x} is not a subprogram of this program")
    spec = host(ctx).layout_btf(ctx.program, "vm_area_struct")
    regions: list[Region] = []
    file = 0
    if spec is not None and path.startswith("/"):
        base = path.removesuffix(" (deleted)").rsplit("/", 1)[-1].encode()
        name = _region(base + b"\0", "dentry name")
        dentry = _region(_image(spec, "dentry", {"d_name.name": name.base, "d_name.len": len(base),
                                                  "d_iname": base, "d_shortname.string": base}), "dentry")
        file_region = _region(_image(spec, "file", {"f_path.dentry": dentry.base}), "file")
        regions += [name, dentry, file_region]
        file = file_region.base
    vm_flags = sum(bit for i, letter in enumerate(perms[:4]) for want, bit in _VM_FLAGS.items()
                   if letter == want and (i == 3) == (want == "s"))
    values: dict[str, int | bytes] = {"vm_start": start, "vm_end": end, "vm_flags": vm_flags,
                                      "vm_pgoff": offset >> _PAGE_SHIFT, "vm_file": file}
    vma = _region(_image(spec, "vm_area_struct", values) if spec is not None else b"", "vm_area_struct")
    saved = ctx.private
    ctx.private = (*saved, vma, *regions)
    try:
        ctx.engine.call_nested(ctx, entry, task, vma.base, cb_ctx, 0, 0)
    finally:
        ctx.private = saved
    return 0

