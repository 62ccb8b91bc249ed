"""A minimal ELF64 section reader, enough to pull ``.BTF`` and data sections out of a BPF object.

Kept inside the tests so that they check the BTF layer against clang without depending on the
ELF layer they will later feed.
"""

from __future__ import annotations

import struct
from pathlib import Path

_ELF_MAGIC = b"\x7fELF"
_ELFCLASS64 = 2
_ELFDATA2LSB = 1


def read_sections(path: Path) -> dict[str, bytes]:
    """Map every section name of a 64-bit ELF file (either byte order) to its contents."""
    data = path.read_bytes()
    assert data[:4] == _ELF_MAGIC and data[4] == _ELFCLASS64, f"{path} is not ELF64"
    prefix = "<" if data[5] == _ELFDATA2LSB else ">"
    (shoff,) = struct.unpack_from(prefix + "Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(prefix + "HHH", data, 0x3A)
    headers = [
        struct.unpack_from(prefix + "IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    names_offset, names_size = headers[shstrndx][4], headers[shstrndx][5]
    names = data[names_offset : names_offset + names_size]
    sections = {}
    for name_off, _type, _flags, _addr, offset, size, *_ in headers:
        name = names[name_off : names.index(b"\0", name_off)].decode()
        sections[name] = data[offset : offset + size]
    return sections
