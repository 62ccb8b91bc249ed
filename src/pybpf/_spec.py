"""Blueprints read from an object file: plain data, the same on every machine.

The ELF reader produces a :class:`CollectionSpec`; the runtime turns it into live maps and
programs. Nothing here holds state or touches the host: a spec can be inspected, compared and
loaded many times.

How programs refer to maps: libbpf rewrites a ``lddw`` of a map symbol into a reference to a map
file descriptor. A :class:`ProgramSpec` instead names the maps it uses in ``map_refs`` and its
``lddw`` instructions use the kernel's index forms: ``src=PseudoSrc.MAP_IDX`` with
``imm=i`` means "the map ``map_refs[i]``", and ``src=PseudoSrc.MAP_IDX_VALUE`` with the low 32
bits of ``imm`` being ``i`` and the high 32 bits an offset means "that offset into the value of
``map_refs[i]``" (global data). Subprograms a program calls are appended to its instructions, as
libbpf does, and calls and ``lddw`` of subprogram addresses are relative offsets into the result.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .isa import Instruction

if TYPE_CHECKING:
    from .btf import CoreRelo, ExtInfo, Spec

__all__ = [
    "AttachType",
    "CollectionSpec",
    "ExternKind",
    "ExternSpec",
    "MapSpec",
    "Pinning",
    "ProgType",
    "ProgramSpec",
    "StructOpsSpec",
]


class ProgType(enum.IntEnum):
    """``enum bpf_prog_type`` of the UAPI (only the values are facts; names drop ``BPF_PROG_TYPE_``)."""

    UNSPEC = 0
    SOCKET_FILTER = 1
    KPROBE = 2
    SCHED_CLS = 3
    SCHED_ACT = 4
    TRACEPOINT = 5
    XDP = 6
    PERF_EVENT = 7
    CGROUP_SKB = 8
    CGROUP_SOCK = 9
    LWT_IN = 10
    LWT_OUT = 11
    LWT_XMIT = 12
    SOCK_OPS = 13
    SK_SKB = 14
    CGROUP_DEVICE = 15
    SK_MSG = 16
    RAW_TRACEPOINT = 17
    CGROUP_SOCK_ADDR = 18
    LWT_SEG6LOCAL = 19
    LIRC_MODE2 = 20
    SK_REUSEPORT = 21
    FLOW_DISSECTOR = 22
    CGROUP_SYSCTL = 23
    RAW_TRACEPOINT_WRITABLE = 24
    CGROUP_SOCKOPT = 25
    TRACING = 26
    STRUCT_OPS = 27
    EXT = 28
    LSM = 29
    SK_LOOKUP = 30
    SYSCALL = 31
    NETFILTER = 32


class AttachType(enum.IntEnum):
    """The ``enum bpf_attach_type`` values pybpf uses (``BPF_`` prefix dropped)."""

    NONE = -1  #: no expected attach type
    CGROUP_INET_INGRESS = 0
    CGROUP_INET_EGRESS = 1
    CGROUP_INET_SOCK_CREATE = 2
    CGROUP_SOCK_OPS = 3
    SK_SKB_STREAM_PARSER = 4
    SK_SKB_STREAM_VERDICT = 5
    CGROUP_DEVICE = 6
    SK_MSG_VERDICT = 7
    CGROUP_INET4_BIND = 8
    CGROUP_INET6_BIND = 9
    CGROUP_INET4_CONNECT = 10
    CGROUP_INET6_CONNECT = 11
    CGROUP_INET4_POST_BIND = 12
    CGROUP_INET6_POST_BIND = 13
    CGROUP_UDP4_SENDMSG = 14
    CGROUP_UDP6_SENDMSG = 15
    LIRC_MODE2 = 16
    FLOW_DISSECTOR = 17
    CGROUP_SYSCTL = 18
    CGROUP_UDP4_RECVMSG = 19
    CGROUP_UDP6_RECVMSG = 20
    CGROUP_GETSOCKOPT = 21
    CGROUP_SETSOCKOPT = 22
    TRACE_RAW_TP = 23
    TRACE_FENTRY = 24
    TRACE_FEXIT = 25
    MODIFY_RETURN = 26
    LSM_MAC = 27
    TRACE_ITER = 28
    CGROUP_INET4_GETPEERNAME = 29
    CGROUP_INET6_GETPEERNAME = 30
    CGROUP_INET4_GETSOCKNAME = 31
    CGROUP_INET6_GETSOCKNAME = 32
    XDP_DEVMAP = 33
    CGROUP_INET_SOCK_RELEASE = 34
    XDP_CPUMAP = 35
    SK_LOOKUP = 36
    XDP = 37
    LSM_CGROUP = 43
    NETFILTER = 45
    TCX_INGRESS = 46
    TCX_EGRESS = 47
    CGROUP_UNIX_CONNECT = 49
    CGROUP_UNIX_SENDMSG = 50
    CGROUP_UNIX_RECVMSG = 51
    CGROUP_UNIX_GETPEERNAME = 52
    CGROUP_UNIX_GETSOCKNAME = 53


class ExternKind(enum.Enum):
    """What an ``extern`` declaration of the object stands for (libbpf's ``extern_type``)."""

    KCONFIG = "kconfig"  #: a ``__kconfig`` variable: a config value the loader supplies
    KSYM = "ksym"  #: a ``__ksym`` variable: a kernel variable's address
    KFUNC = "kfunc"  #: a ``__ksym`` function: a kfunc the program calls


@dataclass(frozen=True)
class ExternSpec:
    """One extern the object declares.

    ``type_id`` is its BTF VAR's type (a FUNC's prototype for kfuncs); ``offset`` and ``size``
    place a kconfig value in the object's ``.kconfig`` map (laid out as libbpf lays it out).
    """

    name: str
    kind: ExternKind
    weak: bool
    type_id: int
    offset: int = 0
    size: int = 0


class Pinning(enum.IntEnum):
    """``__uint(pinning, ...)`` of a BTF-defined map (libbpf's ``enum libbpf_pin_type``)."""

    NONE = 0
    BY_NAME = 1


@dataclass(frozen=True)
class StructOpsSpec:
    """The ``struct_ops`` variable behind a ``BPF_MAP_TYPE_STRUCT_OPS`` map.

    ``type_name`` is the struct it implements (``tcp_congestion_ops``) and ``type_id`` that
    struct in the object's BTF; ``programs`` maps each function-pointer member the object set
    to the program libbpf's relocation put there. The map's ``data`` holds the variable's
    bytes as the object laid them out (function pointers still zero).
    """

    type_name: str
    type_id: int
    programs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MapSpec:
    """A map as the object declares it.

    ``key_type_id``/``value_type_id`` point into the collection's BTF (0 when the map has no
    BTF for them). ``data`` is the initial contents of a global-data map (``.data``, ``.rodata``,
    ``.bss``: a single-element array whose value is the section). ``inner`` describes the
    inner map of a map-in-map, and ``init`` the ``values`` initialisers of map-in-map and
    program arrays (index to map or program name).
    """

    name: str
    type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    pinning: Pinning = Pinning.NONE
    key_type_id: int = 0
    value_type_id: int = 0
    map_extra: int = 0
    inner: MapSpec | None = None
    init: Mapping[int, str] = field(default_factory=dict)
    data: bytes | None = None
    section: str | None = None  #: the ELF section of a global-data map (".bss", ".rodata"...)
    struct_ops: StructOpsSpec | None = None  #: what a ``.struct_ops`` variable declares

    @property
    def is_global_data(self) -> bool:
        """Whether this map holds a global-data section."""
        return self.section is not None

    @property
    def is_readonly(self) -> bool:
        """Whether programs and (after load) user space may not write it: ``.rodata`` sections."""
        return self.section is not None and self.section.startswith((".rodata", ".kconfig"))


@dataclass(frozen=True)
class ProgramSpec:
    """A program: its entry function, with every subprogram it calls appended.

    ``name`` is the entry function's name, ``section`` its ELF section (``SEC()`` name, without
    a leading ``?``), ``autoload`` False when the section began with ``?``. ``attach_to`` is
    what the section names after the type (``bpf_fentry_test1`` for ``fentry/bpf_fentry_test1``).
    ``subprograms`` maps each appended function's name to its entry PC.
    """

    name: str
    section: str
    type: ProgType
    instructions: tuple[Instruction, ...]
    license: str
    attach_type: AttachType = AttachType.NONE
    attach_to: str = ""
    autoload: bool = True
    sleepable: bool = False
    map_refs: tuple[str, ...] = ()
    subprograms: Mapping[str, int] = field(default_factory=dict)
    #: each subprogram's byte offset in ``.text`` (its ``.BTF.ext`` records are found there)
    subprogram_offsets: Mapping[str, int] = field(default_factory=dict)
    #: the instructions (by PC) that name an extern: kfunc calls (``src=KFUNC``) and
    #: ``lddw`` of ``__ksym`` variables (``src=BTF_ID``), resolved by the loader
    externs: Mapping[int, str] = field(default_factory=dict)
    #: the CO-RE relocations of the program's instructions: (PC, ``btf.CoreRelo``)
    core_relos: tuple[tuple[int, CoreRelo], ...] = ()
    #: a struct_ops program's place: (struct name, member name), from the map that uses it
    struct_ops: tuple[str, str] | None = None


@dataclass(frozen=True)
class CollectionSpec:
    """Everything one object file declares, ready to load.

    ``name`` is the object name libbpf derives from the file name (up to its first dot), which
    also prefixes global-data map names (``t.bss``). ``ext`` is the parsed ``.BTF.ext`` (function
    and line information per section), when the object has one.
    """

    name: str
    maps: Mapping[str, MapSpec]
    programs: Mapping[str, ProgramSpec]
    license: str
    btf: Spec | None = None
    ext: ExtInfo | None = None
    kernel_version: int = 0
    externs: Mapping[str, ExternSpec] = field(default_factory=dict)
