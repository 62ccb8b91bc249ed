"""The LLVM JIT: programs compiled to native code through llvmlite (the only module that
imports it).

A program becomes LLVM IR (:mod:`._irgen`), optimised and compiled to a native object once per
distinct program: compiled objects are cached in the process and on disk, keyed by the
instruction bytes, the helpers the code calls, the code generator's version, the LLVM version
and the host CPU. All programs live in one MCJIT instance per process.

Native code runs on the very memory the interpreter uses (each :class:`Region` is a native
buffer), with the GIL held, and talks to Python through two trampolines:

- ``pybpf_jit_resolve``: an access outside the current frames and the cached windows (in the
  native timer lane, a callback's own value is answered natively first, see :mod:`._timergen`). It looks
  the address up with the run's :meth:`ExecContext.region` (what the interpreter does), caches
  the window on success, and records the :class:`OutOfBoundsError` otherwise;
- ``pybpf_jit_helper``: a helper call (or ``callx``), with the run's :class:`ExecContext`.
  Whatever the helper raises (a fault, a tail call) is kept and re-raised once native code
  has unwound; ``pybpf_jit_kfunc`` does the same for a kfunc call, from the kfunc table.

Each compiled function is wrapped in a Python function with the interpreter's calling
convention (:data:`._run.Function`), so tail calls, callbacks and tiering mix both engines.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import struct
import tempfile
import threading
import weakref
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, Unpack, final

import llvmlite
import llvmlite.binding as llvm

from .._errors import NotSupportedError
from ..isa import Instruction, encode, subprogram_entries, validate
from ._context import ExecContext, PacketAbort
from ._engine import EngineOptions, HelperTable
from ._errors import BpfRuntimeError, InstructionLimitError
from ._irgen import (
    LANE_ENTRY_POINTS,
    STATE_SLOTS,
    Fault,
    Field,
    Op,
    first_uncompilable,
    generate_ir,
    map_module,
    timer_module,
    used_helpers,
)
from ._mapgen import PROGRAM_ENTRY_POINTS, PY_ENTRY_POINTS, USER_ENTRY_POINTS, NativeOp
from ._memory import Region
from ._native import MapTable, NativeMapOps
from ._run import Function, ProgramEngine, unknown_helper, unknown_kfunc
from ._spin_lock import hand_to_native, take_from_native
from ._tcallgen import DESK_SYMBOL
from ._timergen import PY_RESOLVE, RESOLVE

__all__ = ["Jit", "compiles", "is_cached", "native_map_ops", "timer_desk_global", "timer_runner"]

#: Bumped whenever generated code changes meaning: part of every cache key.
CODEGEN_VERSION = 11
#: LLVM's optimisation level (the issue's prototype: O1-O2 run as fast as O3, compile faster).
OPT_LEVEL = 2
_M64 = 0xFFFF_FFFF_FFFF_FFFF
# The slots the entry sets in one go (see _irgen.Field): N..WSIZE, then MIN_FP..CODE_BASE;
# plain ints, since the entry is the hot path.
_HEAD = struct.Struct(f"<{int(Field.WSIZE) + 1}q")
_TAIL_OFFSET = 8 * int(Field.MIN_FP)
_TAIL = struct.Struct(f"<{int(Field.PKT_HEAD) - int(Field.MIN_FP) + 1}q")
_N, _FAULT, _CODE_BASE, _MAPS = int(Field.N), int(Field.FAULT), int(Field.CODE_BASE), int(Field.MAPS)
_RSIZE, _WSIZE, _MAY_GOTO = int(Field.RSIZE), int(Field.WSIZE), int(Field.MAY_GOTO)
_RLO, _WLO = int(Field.RLO), int(Field.WLO)
_PKT_BASE, _PKT_SIZE = int(Field.PKT_BASE), int(Field.PKT_SIZE)
_HELD = int(Field.HELD)
_OPS = {int(Op.LOAD): "load", int(Op.STORE): "store", int(Op.ATOMIC): "atomic"}


# -- the native state of a run ---------------------------------------------------------


class _State:
    """The native slots of one :class:`ExecContext` (see :class:`._irgen.Field`), and what the
    Python side keeps beside them: the helper and kfunc tables of the running program, the regions behind
    the cached windows (kept alive while cached), the exception waiting to be raised."""

    def __init__(self, ctx: ExecContext) -> None:
        self.slots = (ctx_slots := (ctypes.c_int64 * STATE_SLOTS)())
        self.view = memoryview(ctx_slots).cast("B")
        self.address: int = ctypes.addressof(ctx_slots)
        self.ctx = ctx
        self.tables: tuple[HelperTable, HelperTable] = ({}, {})
        self.windows: list[Region | None] = [None, None]
        self.pending: BaseException | None = None
        #: called before any helper runs in Python while the native timer lane runs callbacks
        #: on this state (it hands the lane's timers back to Python)
        self.before_python: Callable[[], None] | None = None
        #: called before any helper runs in Python and when the run leaves native code, while
        #: a timer desk is bound to this state (it applies the desk's journal, see
        #: :mod:`._tcallgen`)
        self.leave: Callable[[], None] | None = None

    def fail(self, error: BaseException) -> None:
        self.pending = error
        self.slots[Field.FAULT] = Fault.PENDING

    def raise_fault(self) -> None:
        """Raise what stopped native code, and clear it."""
        slots = self.slots
        kind, pc, arg = slots[Field.FAULT], slots[Field.FAULT_PC], slots[Field.FAULT_ARG]
        slots[Field.FAULT] = 0
        if kind == Fault.PENDING:
            error, self.pending = self.pending, None
            assert error is not None
            raise error
        if kind == Fault.PACKET:
            raise PacketAbort
        if kind == Fault.BUDGET:
            raise InstructionLimitError(pc, self.ctx.limit)
        if kind == Fault.TOO_DEEP:
            self.ctx.too_deep(pc)
        if kind == Fault.UNKNOWN_HELPER:
            unknown_helper(arg, pc)
        raise BpfRuntimeError(f"control runs past the last instruction at PC {pc}", pc=pc)


#: Each live state by the address of its slots (what native code passes the trampolines): a
#: plain dict of weak references, read with C calls only (a WeakValueDictionary's get is
#: Python code, on the path of every helper call).
_STATES: dict[int, Callable[[], Any]] = {}
_DEAD: Callable[[], Any] = lambda: None  #: what a missing state's lookup gives


def _attach(ctx: ExecContext) -> _State:
    """Give ``ctx`` its native state (once: contexts are pooled and reused)."""
    state = ctx.native = _State(ctx)
    address = state.address
    def forget(_: object) -> None:  # as the state dies, before its slots are freed
        _STATES.pop(address, None)

    _STATES[address] = weakref.ref(state, forget)
    return state


# -- trampolines (called from native code, with the GIL held) ----------------------------


def _resolve(address_of_state: int, address: int, size: int, pc: int, op: int) -> int:
    state: _State | None = _STATES.get(address_of_state, _DEAD)()
    if state is None:  # cannot happen (a context keeps its state): never let the access through
        return 1
    ctx = state.ctx
    try:
        # Native code checked the active frames inline: what reaches here is off the stack,
        # looked up as the interpreter's accessors look it up.
        region = ctx._outside_stack(address, size, pc, _OPS[op])
    except BaseException as error:  # noqa: BLE001 - every error must reach the run's caller
        state.fail(error)
        return 1
    slots = state.slots
    slots[Field.RLO], slots[Field.RSIZE] = region.base, region.size
    state.windows[0] = region
    if region.writable:
        slots[Field.WLO], slots[Field.WSIZE] = region.base, region.size
        state.windows[1] = region
    return 0


def _helper(
    address_of_state: int, helper_id: int, r1: int, r2: int, r3: int, r4: int, r5: int, fp: int, pc: int
) -> int:
    return _call(_STATES[address_of_state](), _HELPERS, helper_id, (r1, r2, r3, r4, r5), fp, pc)


def _kfunc(
    address_of_state: int, kfunc_id: int, r1: int, r2: int, r3: int, r4: int, r5: int, fp: int, pc: int
) -> int:
    # The id crosses as an unsigned 64-bit number; the table is keyed by the signed immediate.
    signed_id = kfunc_id - (1 << 64) if kfunc_id >> 63 else kfunc_id
    return _call(_STATES[address_of_state](), _KFUNCS, signed_id, (r1, r2, r3, r4, r5), fp, pc)


_HELPERS, _KFUNCS = 0, 1
_MISSING = (unknown_helper, unknown_kfunc)


def _call(state: _State, table: int, fn_id: int, args: tuple[int, ...], fp: int, pc: int) -> int:
    """Call entry ``fn_id`` of the running program's helper or kfunc ``table``."""
    ctx, slots = state.ctx, state.slots
    if state.before_python is not None:
        state.before_python()
    if state.leave is not None:
        state.leave()
    if slots[_HELD]:  # the Python side answers for the lock native code took
        take_from_native(ctx.held, slots[_HELD])
    tables, code_base, maps = state.tables, slots[_CODE_BASE], slots[_MAPS]
    ctx.fp, ctx.n, ctx.may_goto_left = fp, slots[_N], slots[_MAY_GOTO]
    r0 = 0
    try:
        fn = tables[table].get(fn_id)
        if fn is None:
            _MISSING[table](fn_id, pc)
        else:
            r0 = fn(ctx, *args) & _M64
    except BaseException as error:  # noqa: BLE001 - re-raised once native code has unwound
        state.fail(error)
    slots[_N], slots[_MAY_GOTO] = ctx.n, ctx.may_goto_left
    state.tables, slots[_CODE_BASE], slots[_MAPS] = tables, code_base, maps
    slots[_HELD] = hand_to_native(ctx.held) if ctx.held else 0
    packet = ctx.packet  # a helper may have replaced it (bpf_skb_adjust_room)
    slots[_PKT_BASE], slots[_PKT_SIZE] = (packet.base, packet.size) if packet else (0, 0)
    # A helper may free or hide memory (a deleted element, a callback's key): forget the
    # windows, so the next access outside the stack is looked up again.
    slots[_RSIZE] = slots[_WSIZE] = 0
    windows = state.windows
    windows[0] = windows[1] = None
    return r0


_RESOLVE_TYPE = ctypes.CFUNCTYPE(
    ctypes.c_int32, ctypes.c_size_t, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64
)
_HELPER_TYPE = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_size_t, *([ctypes.c_uint64] * 8))
_TRAMPOLINES = (_RESOLVE_TYPE(_resolve), _HELPER_TYPE(_helper), _HELPER_TYPE(_kfunc))


class _MethodDef(ctypes.Structure):
    """CPython's ``PyMethodDef``: how a built-in function is described."""

    _fields_ = (
        ("ml_name", ctypes.c_char_p),
        ("ml_meth", ctypes.c_void_p),
        ("ml_flags", ctypes.c_int),
        ("ml_doc", ctypes.c_char_p),
    )


_METH_FASTCALL = 0x0080
_NEW_BUILTIN = ctypes.pythonapi.PyCFunction_NewEx
_NEW_BUILTIN.restype = ctypes.py_object
_NEW_BUILTIN.argtypes = (ctypes.POINTER(_MethodDef), ctypes.py_object, ctypes.py_object)
#: Method definitions must outlive their functions: kept for the life of the process, one
#: per compiled subprogram (the code itself is never unloaded either).
_BUILTINS: dict[str, tuple[_MethodDef, Callable[..., int]]] = {}


def _builtin(symbol: str, address: int) -> Callable[..., int]:
    """The generated entry point at ``address`` as a Python built-in function."""
    found = _BUILTINS.get(symbol)
    if found is None:
        method = _MethodDef(symbol.encode(), address, _METH_FASTCALL, None)
        found = _BUILTINS[symbol] = (method, _NEW_BUILTIN(ctypes.byref(method), None, None))
    return found[1]


def _binder(symbol: str, address: int) -> Callable[[int], Callable[..., Any]]:
    """Makes built-in functions of the generated entry point at ``address`` bound to an int
    (which the code receives as its ``self``): a per-map function without a ``partial``."""
    _builtin(symbol, address)  # keeps the method definition alive
    method = _BUILTINS[symbol][0]
    return lambda bound: _NEW_BUILTIN(ctypes.byref(method), bound, None)


# -- compiling and caching -------------------------------------------------------------


class _Backend:
    """The process's one LLVM JIT: target, MCJIT instance, and the objects it holds."""

    def __init__(self) -> None:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        for name, trampoline in zip((PY_RESOLVE, "pybpf_jit_helper", "pybpf_jit_kfunc"), _TRAMPOLINES, strict=True):
            llvm.add_symbol(name, ctypes.cast(trampoline, ctypes.c_void_p).value)
        llvm.add_symbol("clock_gettime", ctypes.cast(ctypes.CDLL(None).clock_gettime, ctypes.c_void_p).value)
        for name in (
            "PyLong_AsUnsignedLongLongMask", "PyLong_FromUnsignedLongLong", "PyLong_FromLongLong", "PyBytes_AsString",
            "PyBytes_Size", "PyBytes_FromStringAndSize",
        ):
            llvm.add_symbol(name, ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value)
        target = llvm.Target.from_default_triple()
        self.machine = target.create_target_machine(
            cpu=llvm.get_host_cpu_name(),
            features=llvm.get_host_cpu_features().flatten(),
            opt=OPT_LEVEL,
            jit=True,
        )
        self.engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), self.machine)
        self.lock = threading.Lock()
        self.loaded: set[str] = set()
        self.signature = (
            f"{CODEGEN_VERSION}:{llvmlite.__version__}:{llvm.llvm_version_info}:"
            f"{llvm.get_process_triple()}:{llvm.get_host_cpu_name()}:"
            f"{llvm.get_host_cpu_features().flatten()}:O{OPT_LEVEL}"
        )
        # The timer lane (see timer_runner) first: programs' accesses outside their windows go
        # through its resolve, which serves a lane callback's own value and passes on the rest.
        ir = timer_module()
        self.load("timers_" + hashlib.sha256((self.signature + ir).encode()).hexdigest()[:32], lambda: ir)
        for name in LANE_ENTRY_POINTS.values():
            llvm.add_symbol(name, self.address(name))
        llvm.add_symbol("pybpf_jit_resolve", self.address(RESOLVE))
        self.timer_run = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_size_t)(self.address("pybpf_tm_run"))

    def key(
        self, insns: Sequence[Instruction], helpers: Collection[int], in_frame: Collection[int],
        natives: dict[int, NativeOp],
    ) -> str:
        h = hashlib.sha256(self.signature.encode())
        h.update(encode(insns))
        h.update(repr((sorted(helpers), sorted(in_frame), sorted((k, int(v)) for k, v in natives.items()))).encode())
        return h.hexdigest()[:32]

    def load(self, key: str, ir: Callable[[], str]) -> None:
        """Make the symbols of the module ``ir()`` builds available under ``key``, compiling
        only on a cache miss."""
        with self.lock:
            if key in self.loaded:
                return
            obj = _read_cached(key)
            if obj is None:
                obj = self._compile(ir())
                _write_cached(key, obj)
            self.engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
            self.engine.finalize_object()
            self.loaded.add(key)

    def _compile(self, ir: str) -> bytes:
        return bytes(self.machine.emit_object(self._optimised(ir)))

    def _optimised(self, ir: str) -> llvm.ModuleRef:
        module = llvm.parse_assembly(ir)
        module.verify()
        builder = llvm.create_pass_builder(self.machine, llvm.create_pipeline_tuning_options(speed_level=OPT_LEVEL))
        builder.getModulePassManager().run(module, builder)
        return module

    def assembly(self, ir: Callable[[], str]) -> str:
        """The native code of the module ``ir()`` builds, as assembly text: the same module,
        pipeline and target machine as its object, so the same code (llvmlite has no
        disassembler for the object itself)."""
        with self.lock:
            return str(self.machine.emit_assembly(self._optimised(ir())))

    def address(self, name: str) -> int:
        with self.lock:
            return int(self.engine.get_function_address(name))


_BACKEND: _Backend | None = None
_BACKEND_LOCK = threading.Lock()


def _backend() -> _Backend:
    global _BACKEND
    with _BACKEND_LOCK:
        if _BACKEND is None:
            _BACKEND = _Backend()
        return _BACKEND


def cache_dir() -> Path | None:
    """Where compiled objects are kept between processes: ``$PYBPF_JIT_CACHE``, else
    ``$XDG_CACHE_HOME/pybpf/jit`` (``~/.cache/pybpf/jit``); ``PYBPF_JIT_CACHE=""`` disables it."""
    configured = os.environ.get("PYBPF_JIT_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pybpf" / "jit"


def _read_cached(key: str) -> bytes | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        return (directory / f"{key}.o").read_bytes()
    except OSError:
        return None


def _write_cached(key: str, obj: bytes) -> None:
    """Store an object atomically (a rename), so a concurrent reader never sees half of one.
    A cache that cannot be written is no error: the next process compiles again."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(obj)
        os.replace(tmp, directory / f"{key}.o")
    except OSError:
        return


_NATIVE_MAPS: NativeMapOps | None = None
_NATIVE_MAPS_LOCK = threading.Lock()


def native_map_ops() -> NativeMapOps:
    """The native map operations (:mod:`._mapgen`), for the Python API and for compiled
    programs, compiled (or loaded from the cache) on first use."""
    global _NATIVE_MAPS
    with _NATIVE_MAPS_LOCK:
        if _NATIVE_MAPS is None:
            _NATIVE_MAPS = _load_native_maps()
        return _NATIVE_MAPS


def _load_native_maps() -> NativeMapOps:
    backend = _backend()
    ir = map_module()
    key = "maps_" + hashlib.sha256((backend.signature + ir).encode()).hexdigest()[:32]
    backend.load(key, lambda: ir)
    for name in PROGRAM_ENTRY_POINTS.values():  # what compiled programs link against
        llvm.add_symbol(name, backend.address(name))
    return NativeMapOps(
        {name: _builtin(f"{name}_py", backend.address(f"{name}_py")) for name in PY_ENTRY_POINTS},
        {name: _binder(f"{name}_py", backend.address(f"{name}_py")) for name in USER_ENTRY_POINTS},
    )


_TAIL_CALL = 12  #: BPF_FUNC_tail_call: its callers' callbacks stay on the Python timer path
_DESK_OPS = frozenset((NativeOp.TIMER_INIT, NativeOp.TIMER_SET_CALLBACK, NativeOp.TIMER_START, NativeOp.TIMER_CANCEL))


def timer_runner() -> Callable[[int], int]:
    """``pybpf_tm_run(batch address) -> stop reason`` of the native timer lane
    (:mod:`._timergen`), loaded with the backend: compiled programs link against its
    ``bpf_timer_start``, ``bpf_ktime_get_ns`` and resolve."""
    run: Callable[[int], int] = _backend().timer_run
    return run


def timer_desk_global() -> int:
    """The address of the global through which compiled code finds the timer desk
    (:data:`._tcallgen.DESK_SYMBOL`): :mod:`pybpf.timers._desk` writes its desk's address there."""
    backend = _backend()
    with backend.lock:
        return int(backend.engine.get_global_value_address(DESK_SYMBOL))


def native_helpers(helpers: HelperTable, called: Collection[int]) -> dict[int, NativeOp]:
    """The helpers among ``called`` compiled code runs natively: those whose implementation
    in ``helpers`` declares a :class:`NativeOp`. The callbacks of a program that tail-calls
    or takes spin locks stay off the native timer lane: a tail call leaves the lane's calling
    convention, and the lane does not carry a held lock across into Python."""
    ops = {h: getattr(helpers[h], "native_op", None) for h in called}
    if os.environ.get("PYBPF_NATIVE_MAPS", "1") == "0":
        return {}
    if _TAIL_CALL in called or NativeOp.LOCK in ops.values():
        ops = {h: op for h, op in ops.items() if op != NativeOp.TIMER_START}
    return {h: op for h, op in ops.items() if op is not None}


def compiles(insns: Sequence[Instruction]) -> bool:
    """Whether the JIT translates every instruction of this (validated) program."""
    return first_uncompilable(insns) is None


def is_cached(insns: Sequence[Instruction], helpers: HelperTable, in_frame: Collection[int] = ()) -> bool:
    """Whether compiling this program would cost nothing (in this process or on disk)."""
    backend = _backend()
    called = [h for h in set(used_helpers(insns)) if h in helpers]
    key = backend.key(insns, called, in_frame, native_helpers(helpers, called))
    if key in backend.loaded:
        return True
    directory = cache_dir()
    return directory is not None and (directory / f"{key}.o").exists()


# -- the engine ------------------------------------------------------------------------


@final
class Jit(ProgramEngine):
    """Runs a program as native code, checking every memory access it cannot prove safe.

    The arguments and behaviour are the :class:`Interpreter`'s; the results, faults and
    instruction counts are the same.

    Args:
        insns: the program; it is validated here (:func:`pybpf.isa.validate`).
        code: the region whose addresses stand for subprograms (``lddw`` of a function):
            pass the interpreter's to make both engines' callbacks interchangeable.
        in_frame: PCs of accesses the verifier proved inside the running function's own
            frame (``Facts.frame_accesses``): they are confined to the frame instead of
            checked (see :func:`._irgen.generate_ir`).
        options: see :class:`pybpf.engine.EngineOptions`.

    Raises:
        InstructionError: the program is malformed.
        NotSupportedError: the program holds an instruction the JIT does not translate
            (:func:`compiles`); :func:`pybpf.engine.create_engine` interprets such programs.
    """

    def __init__(
        self,
        insns: Sequence[Instruction],
        *,
        code: Region | None = None,
        in_frame: Collection[int] = frozenset(),
        **options: Unpack[EngineOptions],
    ) -> None:
        validate(insns)
        pc = first_uncompilable(insns)
        if pc is not None:
            raise NotSupportedError(f"the JIT does not translate the instruction at PC {pc}")
        self._configure(insns, options)
        self.code = (
            code if code is not None else Region.from_bytes(encode(self.insns), f"{self.name} code", writable=False)
        )
        backend = _backend()
        called = sorted(h for h in set(used_helpers(self.insns)) if h in self.helpers)
        natives = native_helpers(self.helpers, called)
        #: the maps this program's native helper calls may reach (see :mod:`._native`)
        self.native_maps = MapTable()
        if natives:
            native_map_ops()  # what compiled programs with native helpers link against
        #: whether callbacks of this program may run in the native timer lane
        self.native_timers = NativeOp.TIMER_START in natives.values()
        #: whether its timer calls may be served natively by a timer desk (pybpf.timers._desk),
        #: offered to each run as it starts
        self.desk_calls = not _DESK_OPS.isdisjoint(natives.values())
        key = backend.key(self.insns, called, in_frame, natives)
        insns = self.insns
        self._ir: Callable[[], str] = lambda: generate_ir(insns, called, f"bpf_{key}", in_frame, natives)
        self._key = key
        backend.load(key, self._ir)
        self.functions: dict[int, Function] = {
            pc: self._wrap(_builtin(f"bpf_{key}_py{pc}", backend.address(f"bpf_{key}_py{pc}")))
            for pc in subprogram_entries(self.insns)
        }

    def callback_address(self, entry: int) -> int:
        """The native function of the subprogram at ``entry`` (the timer lane calls it)."""
        return _backend().address(f"bpf_{self._key}_f{entry}")

    def timer_lane(self, ctx: ExecContext, hand_back: Callable[[], None] | None) -> int:
        """Make ``ctx``'s native state ready for callbacks of this program run by the native
        timer lane (:mod:`._timergen` clears the stack and the per-run slots before each),
        with ``hand_back`` called before any helper runs in Python (None: the lane is over);
        returns the state's address."""
        state = ctx.native or _attach(ctx)
        state.tables = (self.helpers, self.kfuncs)
        state.before_python = hand_back
        slots = state.slots
        slots[Field.TOP], slots[Field.MIN_FP] = ctx.top, ctx.min_caller_fp
        slots[_PKT_BASE] = slots[_PKT_SIZE] = slots[Field.PKT_HEAD] = 0
        slots[_CODE_BASE], slots[_MAPS] = self.code.base, self.native_maps.address
        state.windows[0] = state.windows[1] = None
        return state.address

    def raise_lane_fault(self, ctx: ExecContext) -> None:
        """Raise what stopped a callback the timer lane ran on ``ctx`` (see :meth:`timer_lane`),
        with the instruction count it reached."""
        state = ctx.native
        assert state is not None
        ctx.n = state.slots[_N]
        state.raise_fault()

    def listing(self) -> dict[int, list[str]]:
        """The native code of each subprogram by entry PC, as assembly lines (local labels
        flush left, instructions indented): what ``pybpf prog dump jited`` prints."""
        key = self._key
        text = _backend().assembly(self._ir)
        functions: dict[int, list[str]] = {}
        lines: list[str] | None = None
        prefix = f"bpf_{key}_f"
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].rstrip()  # comments go: the code stays
            if line.startswith(prefix) and line.endswith(":"):
                lines = functions[int(line[len(prefix) : -1])] = []
            elif lines is None or not line:
                continue
            elif line.startswith(".Lfunc_end"):
                lines = None
            elif line.startswith(".") and line.endswith(":"):
                lines.append(line)
            elif not line.lstrip().startswith("."):  # an instruction, not a directive
                lines.append("\t" + " ".join(line.split()))
        return functions

    def _wrap(self, native: Callable[..., int]) -> Function:
        tables, code_base, maps = (self.helpers, self.kfuncs), self.code.base, self.native_maps.address
        desk_calls = self.desk_calls

        def enter(ctx: ExecContext, r1: int, r2: int, r3: int, r4: int, r5: int, r10: int) -> int:
            state = ctx.native or _attach(ctx)
            slots, saved = state.slots, state.tables
            packet = ctx.packet
            # Slots 0-6: count, budget, top, empty windows; 10-16: frame limit, packet, code,
            # CPU, native map table, may_goto's budget, the packet's head.
            _HEAD.pack_into(state.view, 0, ctx.n, ctx.limit, ctx.top, 0, 0, 0, 0)
            saved_code, saved_maps = slots[_CODE_BASE], slots[_MAPS]
            _TAIL.pack_into(
                state.view, _TAIL_OFFSET, ctx.min_caller_fp,
                packet.base if packet else 0, packet.size if packet else 0, code_base, ctx.cpu, maps,
                ctx.may_goto_left, ctx.packet_head,
            )
            state.tables = tables
            held = ctx.held
            slots[_HELD] = hand_to_native(held) if held else 0
            first = ctx.first_window
            if first is not None and r10 == ctx.top:  # the run's first window, taken by its main frame
                ctx.first_window = None
                slots[_RLO], slots[_RSIZE], state.windows[0] = first.base, first.size, first
                if first.writable:
                    slots[_WLO], slots[_WSIZE], state.windows[1] = first.base, first.size, first
            if desk_calls and state.leave is None:
                table = getattr(ctx.runtime, "timers", None)  # the runtime's timer table
                if table is not None:
                    table.offer_desk(ctx)
            try:
                r0: int = native(state.address, r1, r2, r3, r4, r5, r10)
            finally:
                ctx.n, ctx.may_goto_left = slots[_N], slots[_MAY_GOTO]
                state.tables, slots[_CODE_BASE], slots[_MAPS] = saved, saved_code, saved_maps
                if slots[_HELD]:  # the run (or its caller) goes on in Python, holding the lock
                    take_from_native(held, slots[_HELD])
                    slots[_HELD] = 0
                if state.leave is not None:
                    state.leave()
            if slots[_FAULT]:
                state.raise_fault()
            return r0

        return enter
