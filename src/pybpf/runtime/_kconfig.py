"""Values of ``__kconfig`` externs, filled in as libbpf fills them (``bpf_object__resolve_externs``).

libbpf supplies its own ``LINUX_*`` values and reads ``CONFIG_*`` values from the kernel's
configuration. pybpf answers for the release it models instead, so results never depend on the
host: ``LINUX_*`` from the release, ``CONFIG_*`` from :data:`DEFAULT_KCONFIG` overridden by
``Runtime(kconfig={...})``; ``Runtime(kconfig="host")`` reads the host's configuration the way
libbpf does (``/boot/config-$(uname -r)``, then ``/proc/config.gz``).

Values take the forms of a configuration file: ``"y"``, ``"m"``, ``"n"`` (tristates), numbers
(decimal or ``0x`` hex) and quoted strings; Python ``True``/``False``, ints and unquoted strings
are accepted too. Each is checked against the extern's C type as libbpf checks it: a bool
takes ``y``/``n``, a char takes a tristate letter or a number, ``enum libbpf_tristate`` a
tristate, an integer a number that fits, a char array a string (cut to fit, NUL kept).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Mapping
from pathlib import Path

from .._spec import ExternKind, ExternSpec
from ..btf import Array, Enum, Int, IntEncoding, Spec
from ..elf import ElfError

__all__ = ["DEFAULT_KCONFIG", "KERNEL_VERSION", "host_kconfig", "kconfig_data"]

KERNEL_VERSION = (6, 18, 0)  #: the release LINUX_KERNEL_VERSION reports

#: The configuration of the modelled kernel (an x86-64 distribution build of 6.18) that
#: ``CONFIG_*`` externs read unless the runtime is given others.
DEFAULT_KCONFIG: Mapping[str, str] = {
    "CONFIG_64BIT": "y",
    "CONFIG_X86_64": "y",
    "CONFIG_SMP": "y",
    "CONFIG_HZ": "250",
    "CONFIG_NR_CPUS": "8192",
    "CONFIG_BPF": "y",
    "CONFIG_BPF_SYSCALL": "y",
    "CONFIG_BPF_JIT": "y",
    "CONFIG_BPF_EVENTS": "y",
    "CONFIG_BPF_LSM": "y",
    "CONFIG_DEBUG_INFO_BTF": "y",
    "CONFIG_CGROUPS": "y",
    "CONFIG_CGROUP_BPF": "y",
    "CONFIG_NET": "y",
    "CONFIG_INET": "y",
    "CONFIG_IPV6": "y",
    "CONFIG_KPROBES": "y",
    "CONFIG_UPROBES": "y",
    "CONFIG_FTRACE": "y",
    "CONFIG_PREEMPT_RCU": "n",
    "CONFIG_PAGE_SIZE_4KB": "y",
    "CONFIG_ARCH_HAS_SYSCALL_WRAPPER": "y",
    "CONFIG_DEFAULT_HOSTNAME": '"(none)"',
    # as on the oracle kernel (checked): kallsyms lists no data symbols, so the verifier
    # refuses every typed __ksym variable ("ldimm64 failed to find the address ...")
    "CONFIG_KALLSYMS_ALL": "n",
}

#: libbpf's own virtual externs, for the modelled release. LINUX_HAS_SYSCALL_WRAPPER is what
#: libbpf's probe (opening a kprobe on ``__x64_sys_bpf``) finds where kprobes cannot be opened,
#: as on the oracle kernel (checked): false, which also suits pybpf's kprobes, whose arguments
#: come in registers rather than through a wrapper's ``struct pt_regs *``.
_VIRTUAL: Mapping[str, object] = {
    "LINUX_KERNEL_VERSION": (KERNEL_VERSION[0] << 16) | (KERNEL_VERSION[1] << 8) | min(KERNEL_VERSION[2], 255),
    "LINUX_HAS_BPF_COOKIE": True,
    "LINUX_HAS_SYSCALL_WRAPPER": False,
}
_TRISTATE = {"n": 0, "y": 1, "m": 2}  #: enum libbpf_tristate


def host_kconfig() -> dict[str, str]:
    """The host kernel's configuration, where libbpf looks for it.

    Raises:
        ElfError: neither ``/boot/config-<release>`` nor ``/proc/config.gz`` can be read.
    """
    candidates = [Path(f"/boot/config-{os.uname().release}"), Path("/proc/config.gz")]
    for path in candidates:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8", "replace")
        return dict(
            line.split("=", 1) for line in text.splitlines() if line.startswith("CONFIG_") and "=" in line
        )
    raise ElfError("load: failed to open system Kconfig (no /boot/config-* or /proc/config.gz)")


def kconfig_data(size: int, externs: Mapping[str, ExternSpec], btf: Spec, given: Mapping[str, object]) -> bytes:
    """The contents of an object's ``.kconfig`` map.

    Raises:
        ElfError: an unknown ``LINUX_*`` extern, a value that does not suit its extern's type,
            or a strong extern with no value (libbpf's "not resolved").
    """
    data = bytearray(size)
    for ext in externs.values():
        if ext.kind != ExternKind.KCONFIG:
            continue
        where = f"load: extern (kcfg) '{ext.name}'"
        if ext.name.startswith("LINUX_"):
            if ext.name not in _VIRTUAL:
                raise ElfError(f"{where}: unrecognized virtual extern")
            value: object = given.get(ext.name, _VIRTUAL[ext.name])
        elif ext.name in given:
            value = given[ext.name]
        elif ext.weak:
            continue  # zero, as libbpf leaves an unresolved weak extern
        else:
            raise ElfError(f"{where}: not resolved")
        data[ext.offset : ext.offset + ext.size] = _encode(btf, ext, value, where)
    return bytes(data)


def _encode(btf: Spec, ext: ExternSpec, value: object, where: str) -> bytes:
    t = btf.type_by_id(btf.skip_modifiers(ext.type_id))
    text = ("y" if value else "n") if isinstance(value, bool) else str(value)
    if isinstance(t, Array):
        string = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
        return string.encode()[: ext.size - 1].ljust(ext.size, b"\0")
    if text in _TRISTATE:
        if isinstance(t, Enum) and t.name == "libbpf_tristate":
            return _TRISTATE[text].to_bytes(ext.size, "little")
        if isinstance(t, Int) and IntEncoding.BOOL in t.encoding:
            if text == "m":
                raise ElfError(f"{where}: value 'm' is not supported for bool")
            return _TRISTATE[text].to_bytes(1, "little")
        if ext.size == 1 and isinstance(t, Int):
            return text.encode()
        raise ElfError(f"{where}: value '{text}' implies tristate or char type")
    try:
        number = int(text, 0)
    except ValueError:
        raise ElfError(f"{where}: value '{text}' implies a string, the extern is not a char array") from None
    if isinstance(t, Int) and IntEncoding.BOOL in t.encoding:
        raise ElfError(f"{where}: value '{text}' implies integer type")
    signed = isinstance(t, Int) and t.signed or isinstance(t, Enum) and t.signed
    bits = ext.size * 8
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= number <= high:
        raise ElfError(f"{where}: value {number} does not fit in {ext.size} bytes")
    return number.to_bytes(ext.size, "little", signed=signed)
