"""A small ctypes binding of libbpf.so.1: the live kernel as pybpf's oracle.

Enough of libbpf to open and load an object file, find its programs and maps, run programs
with ``bpf_prog_test_run_opts`` and operate on maps through their file descriptors. Every
failure raises :class:`LibbpfError` (an ``OSError``) carrying the kernel's errno, and for a
refused load the verifier's log.

``available()`` says whether any of this can work here (Linux, libbpf.so.1, root, a kernel that
accepts bpf()); ``unavailable_reason()`` says why not.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import struct
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

__all__ = [
    "KernelMap",
    "KernelObject",
    "KernelProgram",
    "KernelRunResult",
    "LibbpfError",
    "RawLoad",
    "available",
    "load_raw",
    "num_possible_cpus",
    "unavailable_reason",
]

# UAPI numbers this module needs (include/uapi/linux/bpf.h).
BPF_MAP_TYPE_ARRAY = 2
BPF_MAP_TYPE_PERCPU_HASH = 5
BPF_MAP_TYPE_PERCPU_ARRAY = 6
BPF_MAP_TYPE_LRU_PERCPU_HASH = 10
BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21
BPF_PROG_TYPE_SOCKET_FILTER = 1
BPF_PROG_TYPE_SYSCALL = 31
BPF_PROG_TYPE_NETFILTER = 32
BPF_NETFILTER = 45  #: its attach type
PERCPU_MAP_TYPES = frozenset(
    {BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_PERCPU_HASH,
     BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE}
)

#: struct bpf_map_info: its size as this module asks for it, and where the name is
MAP_INFO_SIZE = 88
MAP_INFO_NAME = 24
#: the biggest packet / context a test run gets back
DATA_OUT_MAX = 1 << 18
CTX_OUT_MAX = 4096


class LibbpfError(OSError):
    """A libbpf call or a bpf() command failed: ``errno`` is the kernel's (positive) errno,
    ``log`` the verifier log or libbpf's messages when there are any, ``verifier_log`` the
    verifier's log alone (empty when the kernel was never asked)."""

    def __init__(self, errno: int, message: str, log: str = "", verifier_log: str = "") -> None:
        super().__init__(errno, f"{message}: {os.strerror(errno)} (errno {errno})")
        self.log = log
        self.verifier_log = verifier_log

    def __str__(self) -> str:
        text = f"{self.strerror}"
        return f"{text}\n{self.log}" if self.log else text


class _TestRunOpts(ctypes.Structure):
    """``struct bpf_test_run_opts`` of libbpf 1.x (``bpf.h``): ``sz`` first."""

    _fields_ = [
        ("sz", ctypes.c_size_t),
        ("data_in", ctypes.c_void_p),
        ("data_out", ctypes.c_void_p),
        ("data_size_in", ctypes.c_uint32),
        ("data_size_out", ctypes.c_uint32),
        ("ctx_in", ctypes.c_void_p),
        ("ctx_out", ctypes.c_void_p),
        ("ctx_size_in", ctypes.c_uint32),
        ("ctx_size_out", ctypes.c_uint32),
        ("retval", ctypes.c_uint32),
        ("repeat", ctypes.c_int),
        ("duration", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("cpu", ctypes.c_uint32),
        ("batch_size", ctypes.c_uint32),
    ]


_PRINT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_SAMPLE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)

_P, _I, _U32, _SZ, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_char_p

# name: (restype, argtypes)
_PROTOTYPES: dict[str, tuple[object, list[object]]] = {
    "libbpf_set_print": (_P, [_P]),
    "libbpf_num_possible_cpus": (_I, []),
    "bpf_object__open_file": (_P, [_S, _P]),
    "bpf_object__load": (_I, [_P]),
    "bpf_object__close": (None, [_P]),
    "bpf_object__next_program": (_P, [_P, _P]),
    "bpf_object__next_map": (_P, [_P, _P]),
    "bpf_object__find_program_by_name": (_P, [_P, _S]),
    "bpf_object__find_map_by_name": (_P, [_P, _S]),
    "bpf_program__name": (_S, [_P]),
    "bpf_program__section_name": (_S, [_P]),
    "bpf_program__fd": (_I, [_P]),
    "bpf_program__type": (_I, [_P]),
    "bpf_program__autoload": (ctypes.c_bool, [_P]),
    "bpf_program__set_log_buf": (_I, [_P, _P, _SZ]),
    "bpf_program__set_log_level": (_I, [_P, _U32]),
    "bpf_program__set_autoload": (_I, [_P, ctypes.c_bool]),
    "bpf_program__set_type": (_I, [_P, _I]),
    "bpf_program__set_expected_attach_type": (_I, [_P, _I]),
    "bpf_map__name": (_S, [_P]),
    "bpf_map__fd": (_I, [_P]),
    "bpf_map__type": (_I, [_P]),
    "bpf_map__key_size": (_U32, [_P]),
    "bpf_map__value_size": (_U32, [_P]),
    "bpf_map__max_entries": (_U32, [_P]),
    "bpf_map__map_flags": (_U32, [_P]),
    "bpf_map__initial_value": (_P, [_P, ctypes.POINTER(_SZ)]),
    "bpf_prog_test_run_opts": (_I, [_I, ctypes.POINTER(_TestRunOpts)]),
    "bpf_map_create": (_I, [_I, _S, _U32, _U32, _U32, _P]),
    "bpf_prog_load": (_I, [_I, _S, _S, _P, _SZ, _P]),
    "bpf_map_lookup_elem": (_I, [_I, _P, _P]),
    "bpf_map_lookup_elem_flags": (_I, [_I, _P, _P, ctypes.c_uint64]),
    "bpf_map_update_elem": (_I, [_I, _P, _P, ctypes.c_uint64]),
    "bpf_map_delete_elem": (_I, [_I, _P]),
    "bpf_map_lookup_and_delete_elem": (_I, [_I, _P, _P]),
    "bpf_map_get_next_key": (_I, [_I, _P, _P]),
    "bpf_obj_get_info_by_fd": (_I, [_I, _P, ctypes.POINTER(ctypes.c_uint32)]),
    "ring_buffer__new": (_P, [_I, _SAMPLE_FN, _P, _P]),
    "ring_buffer__consume": (_I, [_P]),
    "ring_buffer__free": (None, [_P]),
    "user_ring_buffer__new": (_P, [_I, _P]),
    "user_ring_buffer__reserve": (_P, [_P, _U32]),
    "user_ring_buffer__submit": (None, [_P, _P]),
    "user_ring_buffer__discard": (None, [_P, _P]),
    "user_ring_buffer__free": (None, [_P]),
}


class _Lib:
    """libbpf.so.1 with prototypes, and the captured output of libbpf's print callback."""

    def __init__(self) -> None:
        name = "libbpf.so.1"
        try:
            self.dll = ctypes.CDLL(name, use_errno=True)
        except OSError:
            found = ctypes.util.find_library("bpf")
            if found is None:
                raise
            self.dll = ctypes.CDLL(found, use_errno=True)
        for fn_name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(self.dll, fn_name)
            fn.restype = restype
            fn.argtypes = argtypes
        self.lock = threading.RLock()
        self.messages: list[str] = []
        self._print = None
        # A va_list reaches the callback as a pointer only on x86-64; elsewhere libbpf's own
        # messages go unseen (the verifier log still comes through bpf_program__set_log_buf).
        if platform.machine() in ("x86_64", "AMD64"):
            libc = ctypes.CDLL(None)
            vsnprintf = libc.vsnprintf
            vsnprintf.restype = ctypes.c_int
            vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
            buf = ctypes.create_string_buffer(1 << 16)

            def _print(level: int, fmt: bytes, args: int) -> int:
                if level <= 1:  # warnings and info, not debug
                    vsnprintf(buf, len(buf), fmt, args)
                    self.messages.append(buf.value.decode(errors="replace"))
                return 0

            self._print = _PRINT_FN(_print)
            self.dll.libbpf_set_print(ctypes.cast(self._print, ctypes.c_void_p))

    def take_messages(self) -> str:
        text = "".join(self.messages)
        self.messages.clear()
        return text


_lib: _Lib | None = None
_reason: str | None = None
_checked = False


def _raise_memlock() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_MEMLOCK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ImportError, ValueError, OSError):
        pass  # kernels since 5.11 charge BPF memory to the memory cgroup instead


if sys.platform.startswith("linux"):
    _raise_memlock()  # older kernels count BPF memory against RLIMIT_MEMLOCK


def _probe() -> None:
    global _lib, _reason, _checked
    _checked = True
    if not sys.platform.startswith("linux"):
        _reason = "bpf() needs Linux"
        return
    try:
        lib = _Lib()
    except (OSError, AttributeError) as err:
        _reason = f"libbpf.so.1 is not usable: {err}"
        return
    if os.geteuid() != 0:
        _reason = "bpf() tests need root"
        return
    fd = lib.dll.bpf_map_create(BPF_MAP_TYPE_ARRAY, b"probe", 4, 4, 1, None)
    if fd < 0:
        _reason = f"the kernel refuses BPF_MAP_CREATE: {os.strerror(-fd)}"
        return
    os.close(fd)
    # r0 = 0; exit, as a socket filter
    insns = (ctypes.c_uint8 * 16)(0xB7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0)
    fd = lib.dll.bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, b"probe", b"GPL", insns, 2, None)
    if fd < 0:
        _reason = f"the kernel refuses BPF_PROG_LOAD: {os.strerror(-fd)}"
        return
    os.close(fd)
    lib.take_messages()
    _lib = lib


def available() -> bool:
    """Whether bpf() works here: Linux, libbpf.so.1, root, and a kernel that accepts it."""
    if not _checked:
        _probe()
    return _lib is not None


def unavailable_reason() -> str:
    """Why :func:`available` is False ("" when it is True)."""
    available()
    return _reason or ""


def _libbpf() -> _Lib:
    if not available():
        raise LibbpfError(95, f"libbpf: {unavailable_reason()}")  # EOPNOTSUPP
    assert _lib is not None
    return _lib


def _check(rc: int, what: str) -> int:
    """A libbpf 1.x return value: negative errno on failure."""
    if rc < 0:
        raise LibbpfError(-rc, what)
    return rc


def num_possible_cpus() -> int:
    """The kernel's possible CPUs: how many values a per-CPU map element holds."""
    return _check(_libbpf().dll.libbpf_num_possible_cpus(), "libbpf_num_possible_cpus")


def round8(n: int) -> int:
    return (n + 7) & ~7


#: bpf(2)'s syscall number, where this module knows it
_SYS_BPF = {"x86_64": 321, "AMD64": 321, "aarch64": 280, "arm64": 280}
_BPF_RAW_TRACEPOINT_OPEN = 17
_BPF_PROG_LOAD = 5
#: the leading fields of ``union bpf_attr`` for BPF_PROG_LOAD: prog_type, insn_cnt, insns,
#: license, log_level, log_size, log_buf, kern_version, prog_flags, prog_name,
#: prog_ifindex, expected_attach_type
_PROG_LOAD_ATTR = "<IIQQIIQII16sII"
_ATTR_SIZE = 144


@dataclass(frozen=True)
class RawLoad:
    """What the kernel said of a program loaded from raw instructions: ``errno`` 0 when it
    accepted it, and the verifier log."""

    errno: int
    log: str

    @property
    def message(self) -> str:
        """The log's last line before the statistics: the verifier's verdict."""
        lines = [line for line in self.log.splitlines() if line]
        while lines and lines[-1].startswith(("processed ", "verification time ", "stack depth ")):
            lines.pop()
        return lines[-1] if lines else ""


def load_raw(
    code: bytes, prog_type: int = BPF_PROG_TYPE_SOCKET_FILTER, *, log_level: int = 1,
    license: str = "GPL", expected_attach_type: int = 0, prog_flags: int = 0,
) -> RawLoad:
    """Load raw instructions with bpf(BPF_PROG_LOAD), as nothing but the kernel sees them (no
    libbpf in between), and close the program at once."""
    _libbpf()
    machine = platform.machine()
    if machine not in _SYS_BPF:
        raise LibbpfError(95, f"bpf(): syscall number unknown on {machine}")
    libc = ctypes.CDLL(None, use_errno=True)
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(license.encode())
    log = ctypes.create_string_buffer(1 << 22)
    fields = struct.pack(
        _PROG_LOAD_ATTR, prog_type, len(code) // 8, ctypes.addressof(insns), ctypes.addressof(lic),
        log_level, len(log), ctypes.addressof(log), 0, prog_flags, b"raw", 0, expected_attach_type,
    )
    attr = ctypes.create_string_buffer(fields.ljust(_ATTR_SIZE, b"\0"), _ATTR_SIZE)
    with _libbpf().lock:
        fd = libc.syscall(_SYS_BPF[machine], _BPF_PROG_LOAD, attr, _ATTR_SIZE)
        err = ctypes.get_errno()
    if fd >= 0:
        os.close(fd)
        err = 0
    return RawLoad(err, log.value.decode(errors="replace"))


@dataclass(frozen=True)
class KernelRunResult:
    """What ``bpf_prog_test_run_opts`` reported."""

    retval: int
    duration_ns: int
    data_out: bytes | None
    ctx_out: bytes | None


class KernelProgram:
    """A loaded program of a :class:`KernelObject`."""

    def __init__(self, obj: KernelObject, handle: int) -> None:
        dll = _libbpf().dll
        self._obj = obj
        self._handle = handle
        self.name: str = dll.bpf_program__name(handle).decode()
        self.section: str = dll.bpf_program__section_name(handle).decode()
        self.type: int = dll.bpf_program__type(handle)

    @property
    def fd(self) -> int:
        """The program's file descriptor (negative when it was not loaded)."""
        return int(_libbpf().dll.bpf_program__fd(self._handle))

    def attach_raw_tracepoint(self, name: str) -> int:
        """Attach to the raw tracepoint ``name`` (BPF_RAW_TRACEPOINT_OPEN); the returned
        descriptor holds the attachment until it is closed.

        Raises:
            LibbpfError: the kernel refused the attachment.
        """
        libc = ctypes.CDLL(None, use_errno=True)
        tracepoint = ctypes.create_string_buffer(name.encode())
        attr = ctypes.create_string_buffer(struct.pack("<QI", ctypes.addressof(tracepoint), self.fd).ljust(16, b"\0"), 16)
        fd = libc.syscall(_SYS_BPF[platform.machine()], _BPF_RAW_TRACEPOINT_OPEN, attr, 16)
        if fd < 0:
            raise LibbpfError(ctypes.get_errno(), f"raw tracepoint {name} for '{self.name}'")
        return int(fd)

    def __repr__(self) -> str:
        return f"<KernelProgram '{self.name}' type {self.type} section '{self.section}'>"

    def test_run(
        self,
        ctx: bytes | None = None,
        data: bytes | None = None,
        repeat: int = 0,
        *,
        ctx_out: bool = True,
        data_out: bool = True,
    ) -> KernelRunResult:
        """Run the program once (or ``repeat`` times) through BPF_PROG_RUN.

        For syscall programs the kernel writes the context back into ``ctx_in``: that is
        ``ctx_out`` here. Other types get a ``data_out`` buffer (when ``data`` is given) and
        (when ``ctx_out``) a ``ctx_out`` buffer, of up to 4 KiB each.

        Raises:
            LibbpfError: the kernel refused the run (EINVAL for a bad input, ENOTSUPP...).
        """
        dll = _libbpf().dll
        opts = _TestRunOpts()
        opts.sz = ctypes.sizeof(_TestRunOpts)
        opts.repeat = repeat
        syscall = self.type == BPF_PROG_TYPE_SYSCALL
        ctx_buf = data_buf = out_data = out_ctx = None
        if ctx is not None:
            ctx_buf = ctypes.create_string_buffer(bytes(ctx), len(ctx))
            opts.ctx_in = ctypes.cast(ctx_buf, ctypes.c_void_p)
            opts.ctx_size_in = len(ctx)
        if data is not None:
            data_buf = ctypes.create_string_buffer(bytes(data), len(data))
            opts.data_in = ctypes.cast(data_buf, ctypes.c_void_p)
            opts.data_size_in = len(data)
        if not syscall:
            # data_out only beside data_in: types that take no packet (raw_tp, sk_lookup)
            # refuse a data_out buffer with EINVAL
            if data_out and data is not None:
                out_data = ctypes.create_string_buffer(DATA_OUT_MAX)
                opts.data_out = ctypes.cast(out_data, ctypes.c_void_p)
                opts.data_size_out = DATA_OUT_MAX
            if ctx_out:
                out_ctx = ctypes.create_string_buffer(CTX_OUT_MAX)
                opts.ctx_out = ctypes.cast(out_ctx, ctypes.c_void_p)
                opts.ctx_size_out = CTX_OUT_MAX
        _check(dll.bpf_prog_test_run_opts(self.fd, ctypes.byref(opts)), f"test run '{self.name}'")
        result_data = out_data.raw[: opts.data_size_out] if out_data is not None else None
        if syscall:
            result_ctx = ctx_buf.raw if ctx_buf is not None else None
        else:
            result_ctx = out_ctx.raw[: opts.ctx_size_out] if out_ctx is not None and opts.ctx_size_out else None
        return KernelRunResult(opts.retval, opts.duration, result_data, result_ctx)


class KernelMap:
    """A map of a :class:`KernelObject`, operated through its file descriptor.

    Keys and values are raw bytes; a per-CPU map's value is a list with one value per
    possible CPU (each ``value_size`` bytes, cut out of the kernel's 8-byte aligned slots).
    """

    def __init__(self, obj: KernelObject, handle: int) -> None:
        dll = _libbpf().dll
        self._obj = obj
        self._handle = handle
        self.name: str = dll.bpf_map__name(handle).decode()
        self.type: int = dll.bpf_map__type(handle)
        self.key_size: int = dll.bpf_map__key_size(handle)
        self.value_size: int = dll.bpf_map__value_size(handle)
        self.max_entries: int = dll.bpf_map__max_entries(handle)
        self.flags: int = dll.bpf_map__map_flags(handle)
        self.percpu = self.type in PERCPU_MAP_TYPES
        self.ncpus = num_possible_cpus() if self.percpu else 1

    def __repr__(self) -> str:
        return f"<KernelMap '{self.name}' type {self.type} key {self.key_size}B value {self.value_size}B>"

    @property
    def fd(self) -> int:
        """The map's file descriptor."""
        return int(_libbpf().dll.bpf_map__fd(self._handle))

    @property
    def kernel_name(self) -> str:
        """The name the kernel holds (``struct bpf_map_info``), at most 15 characters; libbpf's
        own name for a custom data section may be longer."""
        info = ctypes.create_string_buffer(MAP_INFO_SIZE)
        size = ctypes.c_uint32(MAP_INFO_SIZE)
        _check(_libbpf().dll.bpf_obj_get_info_by_fd(self.fd, info, ctypes.byref(size)), f"info of map '{self.name}'")
        return info.raw[MAP_INFO_NAME : MAP_INFO_NAME + 16].split(b"\0", 1)[0].decode()

    @property
    def memlock(self) -> int:
        """The bytes the kernel charges for the map (``map_mem_usage``), as its fdinfo says and
        ``bpftool map show`` prints them."""
        with open(f"/proc/self/fdinfo/{self.fd}") as info:
            for line in info:
                if line.startswith("memlock:"):
                    return int(line.split()[1])
        raise LibbpfError(0, f"map '{self.name}': no memlock line in its fdinfo")

    # -- buffers -----------------------------------------------------------------------------

    def _key(self, key: bytes | None) -> ctypes.Array[ctypes.c_char] | None:
        """The key buffer; None (NULL) for no key, and for the empty key of a keyless map."""
        if key is None or (key == b"" and self.key_size == 0):
            return None
        if len(key) != self.key_size:
            raise ValueError(f"map '{self.name}': key must be {self.key_size} bytes, got {len(key)}")
        return ctypes.create_string_buffer(bytes(key), max(1, len(key)))

    def _value_buf(self) -> ctypes.Array[ctypes.c_char]:
        size = round8(self.value_size) * self.ncpus if self.percpu else self.value_size
        return ctypes.create_string_buffer(max(1, size))

    def _encode_value(self, value: bytes | list[bytes]) -> ctypes.Array[ctypes.c_char]:
        if self.percpu:
            values = value if isinstance(value, list) else [value] * self.ncpus
            if len(values) != self.ncpus:
                raise ValueError(f"map '{self.name}': need {self.ncpus} per-CPU values")
            stride = round8(self.value_size)
            data = b"".join(bytes(v).ljust(stride, b"\0") for v in values)
        else:
            data = bytes(value)  # type: ignore[arg-type]
        return ctypes.create_string_buffer(data, max(1, len(data)))

    def _decode_value(self, buf: ctypes.Array[ctypes.c_char]) -> bytes | list[bytes]:
        raw = buf.raw
        if not self.percpu:
            return raw[: self.value_size]
        stride = round8(self.value_size)
        return [raw[i * stride : i * stride + self.value_size] for i in range(self.ncpus)]

    # -- bpf() map commands --------------------------------------------------------------------

    def lookup(self, key: bytes | None, flags: int = 0) -> bytes | list[bytes]:
        """BPF_MAP_LOOKUP_ELEM (a peek for queues and stacks, with ``key`` None).

        Raises:
            LibbpfError: ENOENT when missing, or the kernel's errno.
        """
        value = self._value_buf()
        rc = _libbpf().dll.bpf_map_lookup_elem_flags(self.fd, self._key(key), value, flags)
        _check(rc, f"lookup in map '{self.name}'")
        return self._decode_value(value)

    def get(self, key: bytes) -> bytes | list[bytes] | None:
        """The value of ``key``, or None when missing."""
        try:
            return self.lookup(key)
        except LibbpfError as err:
            if err.errno == 2:
                return None
            raise

    def update(self, key: bytes | None, value: bytes | list[bytes], flags: int = 0) -> None:
        """BPF_MAP_UPDATE_ELEM (a push for queues and stacks, with ``key`` None)."""
        rc = _libbpf().dll.bpf_map_update_elem(self.fd, self._key(key), self._encode_value(value), flags)
        _check(rc, f"update of map '{self.name}'")

    def delete(self, key: bytes) -> None:
        """BPF_MAP_DELETE_ELEM."""
        _check(_libbpf().dll.bpf_map_delete_elem(self.fd, self._key(key)), f"delete from map '{self.name}'")

    def lookup_and_delete(self, key: bytes | None) -> bytes | list[bytes]:
        """BPF_MAP_LOOKUP_AND_DELETE_ELEM (a pop for queues and stacks, with ``key`` None)."""
        value = self._value_buf()
        rc = _libbpf().dll.bpf_map_lookup_and_delete_elem(self.fd, self._key(key), value)
        _check(rc, f"lookup and delete in map '{self.name}'")
        return self._decode_value(value)

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """BPF_MAP_GET_NEXT_KEY: the key after ``key`` (the first for None), None at the end."""
        out = ctypes.create_string_buffer(max(1, self.key_size))
        rc = _libbpf().dll.bpf_map_get_next_key(self.fd, self._key(key), out)
        if rc == -2:
            return None
        _check(rc, f"get next key of map '{self.name}'")
        return out.raw[: self.key_size]

    def keys(self) -> list[bytes]:
        """Every key, in the kernel's iteration order."""
        found: list[bytes] = []
        key = self.get_next_key(None)
        while key is not None:
            found.append(key)
            key = self.get_next_key(key)
        return found

    def items(self) -> dict[bytes, bytes | list[bytes]]:
        """Every element: key -> value (elements deleted meanwhile are skipped)."""
        out: dict[bytes, bytes | list[bytes]] = {}
        for key in self.keys():
            value = self.get(key)
            if value is not None:
                out[key] = value
        return out

    def drain(self) -> list[bytes]:
        """Pop every value of a queue or stack, in pop order."""
        values: list[bytes] = []
        while True:
            try:
                values.append(self.lookup_and_delete(None))  # type: ignore[arg-type]
            except LibbpfError as err:
                if err.errno == 2:
                    return values
                raise

    def consume(self) -> list[bytes]:
        """Every submitted record of a ring buffer, oldest first (consuming them)."""
        dll = _libbpf().dll
        records: list[bytes] = []

        def sample(_ctx: int, data: int, size: int) -> int:
            records.append(ctypes.string_at(data, size))
            return 0

        callback = _SAMPLE_FN(sample)
        ctypes.set_errno(0)
        ring = dll.ring_buffer__new(self.fd, callback, None, None)
        if not ring:
            raise LibbpfError(ctypes.get_errno() or 22, f"ring_buffer__new for map '{self.name}'")
        try:
            _check(dll.ring_buffer__consume(ring), f"ring_buffer__consume of map '{self.name}'")
        finally:
            dll.ring_buffer__free(ring)
        return records


    def produce(self, samples: Sequence[bytes], discard: Collection[int] = (), reserved: Collection[int] = ()) -> None:
        """Write samples into a user ring buffer with libbpf's ``user_ring_buffer``: each
        reserved and filled, then submitted, or discarded (indexes in ``discard``), or left
        reserved (indexes in ``reserved``).

        Raises:
            LibbpfError: a reservation failed (E2BIG, ENOSPC); the samples before it stay.
        """
        dll = _libbpf().dll
        ctypes.set_errno(0)
        ring = dll.user_ring_buffer__new(self.fd, None)
        if not ring:
            raise LibbpfError(ctypes.get_errno() or 22, f"user_ring_buffer__new for map '{self.name}'")
        try:
            for i, data in enumerate(samples):
                ctypes.set_errno(0)
                sample = dll.user_ring_buffer__reserve(ring, len(data))
                if not sample:
                    raise LibbpfError(ctypes.get_errno() or 22, f"user_ring_buffer__reserve of {len(data)} bytes")
                ctypes.memmove(sample, data, len(data))
                if i in discard:
                    dll.user_ring_buffer__discard(ring, sample)
                elif i not in reserved:
                    dll.user_ring_buffer__submit(ring, sample)
        finally:
            dll.user_ring_buffer__free(ring)


class KernelObject:
    """An object file opened and loaded by libbpf (a context manager that closes it).

    ``patches`` are (map name suffix, offset, bytes) written into global data before the load,
    as a skeleton sets ``const volatile`` values.

    Attributes:
        programs: loaded programs by name, in libbpf's (file) order.
        maps: maps by name (global data as ``<obj>.bss`` and so on), in libbpf's order.

    ``programs`` names the programs to load (libbpf's ``bpf_program__set_autoload``); by
    default those whose sections do not begin with ``?``. ``log_level`` asks the verifier for
    its log at that level on every load (4: statistics only, with the verification time),
    read back with :meth:`verifier_log`.

    Raises:
        LibbpfError: open or load failed; ``log`` holds the verifier log and libbpf's messages.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        log_size: int = 1 << 20,
        log_level: int = 0,
        patches: Sequence[tuple[str, int, bytes]] = (),
        programs: Collection[str] | None = None,
    ) -> None:
        lib = _libbpf()
        dll = lib.dll
        self._handle: int | None = None
        self.path = Path(path)
        self._logs: dict[str, ctypes.Array[ctypes.c_char]] = {}
        with lib.lock:
            lib.take_messages()
            ctypes.set_errno(0)
            handle = dll.bpf_object__open_file(str(path).encode(), None)
            if not handle:
                raise LibbpfError(ctypes.get_errno() or 22, f"open {path}", lib.take_messages())
            self._handle = handle
            prog = dll.bpf_object__next_program(handle, None)
            while prog:
                name = dll.bpf_program__name(prog).decode()
                if dll.bpf_program__section_name(prog) == b"netfilter":
                    # libbpf learned SEC("netfilter") in 1.2; older ones are told its type
                    dll.bpf_program__set_type(prog, BPF_PROG_TYPE_NETFILTER)
                    dll.bpf_program__set_expected_attach_type(prog, BPF_NETFILTER)
                if programs is not None:
                    dll.bpf_program__set_autoload(prog, name in programs)
                buf = ctypes.create_string_buffer(log_size)
                dll.bpf_program__set_log_buf(prog, buf, log_size)
                if log_level:  # else libbpf's choice: the log of a failed load only
                    dll.bpf_program__set_log_level(prog, log_level)
                self._logs[name] = buf
                prog = dll.bpf_object__next_program(handle, prog)
            for name, offset, data in patches:
                self._patch(handle, name, offset, data)
            rc = dll.bpf_object__load(handle)
            messages = lib.take_messages()
        self.messages = messages  #: what libbpf said while loading (warnings, retries)
        if rc < 0:
            verifier = "".join(b.value.decode(errors="replace") for b in self._logs.values())
            self.close()
            raise LibbpfError(-rc, f"load {path}", (verifier + "\n" + messages).strip(), verifier)
        self.programs: dict[str, KernelProgram] = {}
        prog = dll.bpf_object__next_program(handle, None)
        while prog:
            if dll.bpf_program__autoload(prog):
                p = KernelProgram(self, prog)
                self.programs[p.name] = p
            prog = dll.bpf_object__next_program(handle, prog)
        self.maps: dict[str, KernelMap] = {}
        m = dll.bpf_object__next_map(handle, None)
        while m:
            km = KernelMap(self, m)
            self.maps[km.name] = km
            m = dll.bpf_object__next_map(handle, m)

    @staticmethod
    def _patch(handle: int, name: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of the initial value of the map whose name ends with
        ``name`` (a global-data section such as ``.rodata``), before the object is loaded."""
        dll = _libbpf().dll
        m = dll.bpf_object__next_map(handle, None)
        while m and not dll.bpf_map__name(m).decode().endswith(name):
            m = dll.bpf_object__next_map(handle, m)
        size = ctypes.c_size_t()
        initial = dll.bpf_map__initial_value(m, ctypes.byref(size)) if m else None
        if not initial or offset + len(data) > size.value:
            raise LibbpfError(22, f"no initial value to patch at {name}+{offset}")
        ctypes.memmove(initial + offset, data, len(data))

    def __repr__(self) -> str:
        return f"<KernelObject {self.path.name} programs={list(self.programs)} maps={list(self.maps)}>"

    def verifier_log(self, program: str) -> str:
        """The verifier's log for ``program`` (empty unless asked for with ``log_level``)."""
        return self._logs[program].value.decode(errors="replace")

    def map_named(self, name: str) -> KernelMap:
        """A map by its name, or by its section for global data (``.bss`` finds ``obj.bss``)."""
        if name in self.maps:
            return self.maps[name]
        for full, m in self.maps.items():
            if name.startswith(".") and full.endswith(name):
                return m
        raise KeyError(name)

    def close(self) -> None:
        """Close every program and map descriptor (idempotent)."""
        if self._handle is not None and _lib is not None:
            _lib.dll.bpf_object__close(self._handle)
        self._handle = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[KernelProgram]:
        return iter(self.programs.values())


def on_cpu(cpu: int) -> Callable[[], None]:
    """Pin the calling thread to ``cpu``; returns a function that restores its affinity."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})

    def restore() -> None:
        os.sched_setaffinity(0, before)

    return restore
