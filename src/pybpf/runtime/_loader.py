"""Turning a :class:`CollectionSpec` into live maps and programs, as libbpf's load does.

Order matters, as in libbpf: maps are created (or reused from a pin) and global data is filled
in, with the caller's ``globals`` applied before anything is verified; ``.rodata`` is frozen;
then each program's map references become the maps' addresses, the program is checked and
compiled; last, program arrays and maps of maps get their initial values.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import maps
from .._errors import NotSupportedError
from .._releases import Behaviour
from .._spec import CollectionSpec, ExternKind, MapSpec, Pinning, ProgramSpec, ProgType
from ..btf import Func, Linkage, SpecialField
from ..elf import ElfError, load_collection
from ..elf._reader import object_name
from ..engine import create_engine
from ..helpers import BY_ID, kfunc_proto
from ..isa import Instruction, PseudoSrc, iter_pcs
from ..maps import EACCES, EINVAL, ENOTSUPP, EPERM, MapError
from ..maps._base import KERNEL_STRUCT_BYTES
from ..verifier import (
    Facts,
    GlobalFunc,
    MapInfo,
    PercpuVar,
    Structure,
    VerifierError,
    VerifyInput,
    check_abnormal_returns,
    check_format_strings,
    check_stack_depth,
    check_structure,
    complete_log,
    estimate_stack_depths,
    license_is_gpl_compatible,
    prepare_global,
    returns_scalar,
    sanitize_dead_code,
    verbose_lines,
    verify,
)
from ..verifier._exceptions import check_throw_sites, find_exception_callback
from ..verifier._memory import MAP_STRUCTS
from ..verifier._struct_ops import StructOpsTarget, struct_ops_input
from ._compile import compile_c
from ._containment import program_helpers, program_visibility
from ._core import apply_core
from ._field_offsets import field_offset, legacy_field_offset, top_level_fields
from ._globals import Globals, global_vars
from ._graphs import free_owned, owned_fields
from ._kconfig import kconfig_data
from ._kernel_btf import map_struct_image
from ._ksyms import ksym_address, percpu_var
from ._map import Map
from ._names import missing
from ._object import MapsView, Object
from ._program import Program
from ._struct_ops import struct_ops_view
from ._struct_ops_load import func_count, kernel_value, struct_ops_helpers, struct_ops_target

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["DEFAULT_PIN_ROOT", "load_object"]

DEFAULT_PIN_ROOT = "/sys/fs/bpf"  #: where ``pinning = LIBBPF_PIN_BY_NAME`` maps are pinned
PAGE_SIZE = 4096  #: the page size ring buffer sizes are multiples of
TIMER_SIZE = 16  #: the size of ``struct bpf_timer`` and ``bpf_wq``: special fields the timer table owns
KCONFIG = ".kconfig"
#: The program types the kernel's ``is_tracing_prog_type`` names: they may run inside any
#: kernel code, locks held, so releases before 7.0 keep timers and workqueues from them.
TRACING_PROG_TYPES = frozenset(
    {ProgType.KPROBE, ProgType.TRACEPOINT, ProgType.PERF_EVENT, ProgType.RAW_TRACEPOINT,
     ProgType.RAW_TRACEPOINT_WRITABLE}
)
KSYM_BASE = 0xFFFF_FFFF_C000_0000  #: where the addresses bpf_ksym_exists sees for kfuncs start


def max_entries(mspec: MapSpec, ncpus: int) -> int:
    """The size libbpf creates a map with: a ring buffer's (a user ring buffer's too) is
    rounded up to a power-of-2 number of pages, as the kernel requires (libbpf's
    ``adjust_ringbuf_sz``), and a perf event
    array without one gets one slot per CPU; zero and sizes that cannot be rounded are passed
    on for the kernel to refuse."""
    size = mspec.max_entries
    if mspec.type == maps.MapType.PERF_EVENT_ARRAY and size == 0:
        return ncpus  # libbpf sizes an unsized perf event array to the possible CPUs
    if mspec.type not in (maps.MapType.RINGBUF, maps.MapType.USER_RINGBUF) or size == 0:
        return size
    pages, rest = divmod(size, PAGE_SIZE)
    if not rest and pages & (pages - 1) == 0:
        return size
    rounded = PAGE_SIZE
    while rounded <= size:
        rounded *= 2
    return rounded if rounded <= 0xFFFF_FFFF else size


def load_object(
    runtime: Runtime,
    path: str | Path,
    globals_: Mapping[str, Any] | None,
    pin_root: str,
    programs: Collection[str] | None = None,
    *,
    verify: bool = True,
    cflags: Sequence[str] = (),
) -> Object:
    """Load an object file (or compile and load a ``.c`` file, with ``cflags``) into
    ``runtime``; ``programs`` chooses which programs load (None: those whose sections do not
    begin with ``?``); without ``verify``, the programs skip the verifier and are contained at
    run time only."""
    path = Path(path)
    if not path.is_file():
        what = "no such file" if not path.exists() else "is a directory" if path.is_dir() else "not a regular file"
        raise ElfError(f"open {path}: {what}")
    obj_path = compile_c(path, list(cflags)) if path.suffix == ".c" else path
    spec = load_collection(obj_path, name=object_name(path.name))
    if programs is not None:
        spec = _choose_programs(spec, programs)
    created: dict[str, maps.Map] = {}
    try:
        return _Loader(runtime, spec, pin_root, created, verify).load(globals_ or {})
    except BaseException:
        for m in created.values():  # nothing half-loaded survives a failure
            runtime._table.discard(m)
        raise


def _choose_programs(spec: CollectionSpec, names: Collection[str]) -> CollectionSpec:
    """``spec`` with exactly the programs ``names`` set to load (libbpf's
    ``bpf_program__set_autoload``).

    Raises:
        TypeError: ``names`` is a single string.
        ValueError: a name that is no program of the object (the message lists them).
    """
    if isinstance(names, str):
        raise TypeError("load: programs must be a collection of names, not a string")
    missing = sorted(set(names) - set(spec.programs))
    if missing:
        have = ", ".join(sorted(spec.programs)) or "none"
        raise ValueError(f"load: no program {', '.join(map(repr, missing))} in object '{spec.name}'; its programs: {have}")
    chosen = {name: replace(p, autoload=name in names) for name, p in spec.programs.items()}
    return replace(spec, programs=chosen)


class _Loader:
    def __init__(
        self, runtime: Runtime, spec: CollectionSpec, pin_root: str, created: dict[str, maps.Map], verify: bool = True
    ) -> None:
        self.rt = runtime
        self.verify = verify
        self.spec = spec
        self.pin_root = pin_root.rstrip("/")
        self.maps: dict[str, maps.Map] = {}
        self.created = created

    def load(self, globals_: Mapping[str, Any]) -> Object:
        for name, mspec in self.spec.maps.items():
            self.maps[name] = self._map(mspec)
        handles = {name: self._handle(name) for name in self.maps}
        aliases = {m.section: name for name, m in self.spec.maps.items() if m.section and m.section != name}
        globals_view = self._globals(globals_)
        programs = {
            name: self._program(pspec)
            for name, pspec in self.spec.programs.items()
            if pspec.autoload
        }
        self._initial_values(programs)
        struct_ops = struct_ops_view(self.rt, self.spec, handles, programs)
        obj = Object(self.rt, self.spec, programs, MapsView(handles, aliases, f"object '{self.spec.name}'"), globals_view,
                     struct_ops)
        self.rt._objects.add(obj)
        return obj

    # -- maps ------------------------------------------------------------------------------

    def _map(self, mspec: MapSpec) -> maps.Map:
        funcs = 0
        if mspec.struct_ops is not None:  # libbpf fills it with the kernel struct's layout
            value = kernel_value(self.rt._core_targets()[0], self.spec, mspec)
            funcs = func_count(self.rt._core_targets()[0], self.spec, mspec)
            mspec = replace(mspec, value_size=len(value), data=value)
        pin_path = f"{self.pin_root}/{mspec.name}"
        if mspec.pinning == Pinning.BY_NAME and pin_path in self.rt._table.pins:
            return self._reuse_pinned(mspec, pin_path)
        inner = self._create(mspec.inner) if mspec.inner is not None else None
        m = self._create(mspec, inner)
        if isinstance(m, maps.StructOpsMap):
            m.funcs = funcs
        if mspec.section == KCONFIG and self.spec.btf is not None:
            m.update_elem(b"\0\0\0\0", kconfig_data(mspec.value_size, self.spec.externs, self.spec.btf, self.rt.kconfig))
        elif mspec.data is not None:
            m.update_elem(b"\0\0\0\0", mspec.data)
        if mspec.pinning == Pinning.BY_NAME:
            self.rt._table.pin(pin_path, m, self.spec.btf, mspec.key_type_id, mspec.value_type_id)
        return m

    def _special_fields(self, type_id: int) -> tuple[SpecialField, ...]:
        """The special fields of a map value (type ``type_id``, 0 for none) as the runtime's
        release finds them: before 6.11 only the value's own members, and before 6.10 a
        ``struct bpf_wq`` is plain bytes."""
        btf = self.spec.btf
        if btf is None or not type_id:
            return ()
        fields = btf.find_special_fields(type_id)
        if not self.rt.release.has(Behaviour.NESTED_SPECIAL_FIELDS):
            fields = top_level_fields(btf, type_id, fields)
        return tuple(f for f in fields if f.kind != "bpf_wq" or self.rt.release.has(Behaviour.WQ))

    def _create(self, mspec: MapSpec, inner: maps.Map | None = None) -> maps.Map:
        fields = self._special_fields(mspec.value_type_id)
        if fields:
            self._check_special(mspec, {f.kind for f in fields})
        roots, kptrs = owned_fields(self.spec.btf, mspec.value_type_id)
        special = tuple(sorted({(f.offset, f.size) for f in fields} | set(roots)))
        try:
            m = maps.create_map(
                mspec.type, mspec.name, mspec.key_size, mspec.value_size, max_entries(mspec, self.rt.ncpus), mspec.flags,
                space=self.rt.space, ncpus=self.rt.ncpus, special_fields=special, inner_map=inner,
                admit=self.rt._table.admit, owned_fields=kptrs,
            )
            if isinstance(m, maps.BloomFilter):
                m.set_map_extra(mspec.map_extra)
        except MapError as err:
            raise MapError("load maps", err.errno, f"map '{mspec.name}': {err.reason}") from err
        try:
            self.rt._table.add_map(m)
        except MapError as err:
            raise MapError("load maps", err.errno, str(err)) from err
        self._expose_kernel_struct(m)
        self.created[mspec.name] = m
        if any(f.size == TIMER_SIZE for f in fields):
            m.on_free_fields = functools.partial(_free_timer, self.rt.timers_table, m)
            if not roots and not kptrs:  # else every element may own objects
                m.fields_in_use = functools.partial(self.rt.timers_table.slots_of, m)
        if roots or kptrs:
            assert self.spec.btf is not None
            m.on_free_fields = functools.partial(
                free_owned, self.rt._host.graphs, self.spec.btf, mspec.value_type_id, m.on_free_fields
            )
        return m

    def _expose_kernel_struct(self, m: maps.Map) -> None:
        """Lay the kernel's structure of ``m`` (``struct bpf_array``...), as the target BTF
        lays it out, at the map's address, where programs may read it (the verifier types the
        reads by the same BTF)."""
        struct = MAP_STRUCTS.get(int(m.type))
        if struct is None:
            return
        buckets = 1 << max(0, (m.max_entries - 1).bit_length())
        image = map_struct_image(self.rt._core_targets()[0][0], struct, {
            "map_type": int(m.type), "key_size": m.key_size, "value_size": m.value_size,
            "max_entries": m.max_entries, "map_flags": m.flags, "name": m.name.encode()[:15],
            "elem_size": -(-m.value_size // 8) * 8, "index_mask": buckets - 1, "n_buckets": buckets,
        })
        if image is not None and len(image) <= KERNEL_STRUCT_BYTES:
            m.expose_kernel_struct(image)

    def _check_special(self, mspec: MapSpec, kinds: Collection[str]) -> None:
        """Refuse what the kernel refuses of a map whose value has a timer, wq or spin lock
        (``kinds``): its creation without CAP_BPF (EPERM) or read-only or write-only for
        programs (EACCES), which before 6.2 only a timer's map could not be, read-only, and
        which needed no CAP_BPF; and, for global data, the freeze of a read-only section
        (ENOTSUPP). A writable section holding one loads, non-hidden globals beside it or not:
        the kernel refuses to mmap such a map, but ``bpf_object__load`` of the libbpf the oracle
        runs (1.1) does not mmap global data (skeletons do, and libbpf 1.5 moved the mmap into
        the load, where it fails with ENOTSUPP)."""
        record = self.rt.release.has(Behaviour.BTF_RECORD_MESSAGES)
        if record and not self.rt.privileged:
            raise MapError("load maps", EPERM, f"map '{mspec.name}': special fields (bpf_timer, bpf_spin_lock) need CAP_BPF")
        program_access = maps.BPF_F_RDONLY_PROG | (maps.BPF_F_WRONLY_PROG if record else 0)
        if mspec.flags & program_access and (record or "bpf_timer" in kinds):
            raise MapError(
                "load maps", EACCES, f"map '{mspec.name}': special fields cannot be read-only or write-only for programs"
            )
        if mspec.is_global_data and mspec.is_readonly:
            raise MapError(
                "load maps", ENOTSUPP, f"map '{mspec.name}': cannot freeze global data holding a bpf_timer or bpf_spin_lock"
            )

    def _reuse_pinned(self, mspec: MapSpec, path: str) -> maps.Map:
        m = self.rt._table.lookup_pin(path).map
        same = (m.type, m.key_size, m.value_size, m.max_entries, m.flags) == (
            mspec.type, mspec.key_size, mspec.value_size, max_entries(mspec, self.rt.ncpus), mspec.flags
        )
        if not same:
            raise MapError("load maps", EINVAL, f"map '{mspec.name}': the map pinned at '{path}' is not compatible")
        return m

    def _handle(self, name: str) -> Map:
        mspec = self.spec.maps[name]
        inner = (mspec.inner.key_type_id, mspec.inner.value_type_id) if mspec.inner else (0, 0)
        return Map(self.rt, self.maps[name], self.spec.btf, mspec.key_type_id, mspec.value_type_id, inner)

    def _globals(self, values: Mapping[str, Any]) -> Globals:
        data = {
            mspec.section: (self.maps[name], mspec.value_type_id, mspec.is_readonly)
            for name, mspec in self.spec.maps.items()
            if mspec.section and mspec.value_type_id
        }
        variables = global_vars(self.spec.btf, data) if self.spec.btf is not None else {}
        view = Globals(self.spec.btf, variables)
        for name, value in values.items():
            if name not in variables:  # a bad argument of load(), not a mapping lookup
                raise ValueError(f"load: {missing('global', name, variables, f'object {self.spec.name!r}').args[0]}")
            view[name] = value
        for name, mspec in self.spec.maps.items():
            if mspec.is_readonly and name in self.created:
                self.maps[name].freeze()  # user space may no longer write it
        view.frozen = True
        return view

    # -- programs --------------------------------------------------------------------------

    def _program(self, pspec: ProgramSpec) -> Program:
        _check_attach_target(pspec)
        relocated = pspec.instructions
        if pspec.core_relos and self.spec.btf is not None:
            targets, own = self.rt._core_targets()
            relocated = tuple(
                apply_core(pspec.name, relocated, pspec.core_relos, self.spec.btf, targets, self.spec.btf if own else None)
            )
        insns = [
            self._extern(pspec, pc, insn) if pc in pspec.externs else self._resolve(pspec, insn)
            for pc, insn in iter_pcs(relocated)
        ]
        try:
            if self.verify:
                facts = self._check(pspec, relocated, insns)
                insns = sanitize_dead_code(insns, facts.reachable)
            else:
                facts = Facts(reachable=frozenset(pc for pc, _ in iter_pcs(insns)))
        except VerifierError as err:
            err.program = pspec.name  # say which program, as libbpf does
            raise
        used = [self.maps[n] for n in pspec.map_refs]
        helpers = program_helpers(self.rt._helpers, self._offered(pspec), pspec.license)
        engine = create_engine(
            self.rt.engine, insns, helpers=helpers, space=self.rt.space, visible=program_visibility(used),
            max_instructions=self.rt.max_instructions, name=pspec.name, kfuncs=self.rt._kfuncs,
            in_frame=facts.frame_accesses,
        )
        program = Program(self.rt, pspec, insns, engine, facts, self.spec)
        self.rt._adopt_program(program, used)
        return program

    def _offered(self, pspec: ProgramSpec) -> set[int]:
        """The helpers this runtime offers the program: its type's (a struct_ops program's
        struct_ops type's), less the CAP_BPF ones unprivileged."""
        offered = {
            id_
            for id_, h in BY_ID.items()
            if (self.rt.privileged or not h.privileged) and h.offered_to(pspec.type.name)
        }
        if pspec.type == ProgType.STRUCT_OPS:
            return struct_ops_helpers(offered, self._struct_ops_target(pspec))
        return offered

    def _struct_ops_target(self, pspec: ProgramSpec) -> StructOpsTarget:
        return struct_ops_target(self.rt._core_targets()[0], self.spec, pspec)

    def _resolve(self, pspec: ProgramSpec, insn: Instruction) -> Instruction:
        """A map reference (by index into the program's map list) becomes the map's address."""
        if insn.src == PseudoSrc.MAP_IDX and insn.opcode == 0x18:
            m = self.maps[pspec.map_refs[insn.imm & 0xFFFF_FFFF]]
            return replace(insn, src=PseudoSrc.IMM64, imm=m.address)
        if insn.src == PseudoSrc.MAP_IDX_VALUE and insn.opcode == 0x18:
            m = self.maps[pspec.map_refs[insn.imm & 0xFFFF_FFFF]]
            value = m.lookup(b"\0\0\0\0", 0)
            return replace(insn, src=PseudoSrc.IMM64, imm=(value + (insn.imm >> 32)) & (2**64 - 1))
        return insn

    def _extern(self, pspec: ProgramSpec, pc: int, insn: Instruction) -> Instruction:
        """A kfunc call gets the kfunc's registry id; a ``lddw`` of a ``__ksym`` variable the
        address of the variable (zeros: pybpf models no kernel variables), of a kfunc a
        non-zero constant (``bpf_ksym_exists``). An unresolved weak extern stays 0, as libbpf
        leaves it; an unresolved strong one fails the load, naming it."""
        name = pspec.externs[pc]
        extern = self.spec.externs[name]
        if extern.kind == ExternKind.KFUNC:
            proto = kfunc_proto(name)
            missing = "is unknown to pybpf"
            if proto is not None and not self.rt.release.offers(proto.release):
                missing = f"is not in Linux {self.rt.kernel} (it appeared in {proto.release})"
                proto = None
            if proto is None and not extern.weak:
                raise NotSupportedError(
                    f"load: program '{pspec.name}': kfunc '{name}' {missing}"
                    " (libbpf: extern (func ksym) not found in kernel or module BTFs)"
                )
            if insn.opcode == 0x18:
                value = 0 if proto is None else KSYM_BASE | proto.id
                return replace(insn, src=PseudoSrc.IMM64, imm=value)
            return replace(insn, imm=0 if proto is None else proto.id)
        percpu = percpu_var(self.rt, self.spec.btf, extern) is not None
        return replace(insn, src=PseudoSrc.IMM64, imm=ksym_address(self.rt, extern, percpu))

    def _percpu_vars(self, pspec: ProgramSpec) -> dict[int, PercpuVar]:
        """The typed ``__ksym`` variables the program's ``lddw`` instructions load, by PC."""
        found = {pc: percpu_var(self.rt, self.spec.btf, self.spec.externs[name]) for pc, name in pspec.externs.items()}
        return {pc: var for pc, var in found.items() if var is not None}

    def _check(self, pspec: ProgramSpec, relocated: Sequence[Instruction], insns: list[Instruction]) -> Facts:
        """The kernel's order: the structure, then every path, then the call chains.

        The verifier reads the program after CO-RE and extern relocation but before map
        references become addresses (``relocated``): a poisoned CO-RE relocation is the call of
        an unknown helper, which the kernel refuses only where a path reaches it.
        """
        began = time.perf_counter()
        structure = check_structure(pspec.instructions)
        depths = estimate_stack_depths(structure)
        offered = frozenset(self._offered(pspec))
        checked = [self._extern(pspec, pc, insn) if pc in pspec.externs else insn for pc, insn in iter_pcs(relocated)]
        infos: dict[str, MapInfo] = {}
        inp = VerifyInput(
            pspec.type,
            maps=tuple(self._map_info(name, infos) for name in pspec.map_refs),
            license_gpl=license_is_gpl_compatible(pspec.license),
            offered=offered,
            attach_type=pspec.attach_type,
            sleepable=pspec.sleepable,
            global_funcs=self._global_prototypes(pspec),
            func_info=self._func_info(pspec),
            ncpus=self.rt.ncpus,
            release=self.rt.release,
            kernel_btf=self.rt._core_targets()[0][0],
            attach_to=pspec.attach_to,
            prog_btf=self.spec.btf,
            ksyms=self._percpu_vars(pspec),
        )
        if pspec.type == ProgType.STRUCT_OPS:
            inp = struct_ops_input(inp, self._struct_ops_target(pspec))
        try:
            exception_cb = self._exception_callback(pspec)
            self._check_abnormal_returns(pspec, structure)
            facts = verify(checked, inp)
            self._check_map_compatibility(pspec)
            check_format_strings(insns, self._read_string)
            depths = [facts.stack_depth.get(sub.start, 0) for sub in structure.subprograms]
            throws = [pc for pc, insn in iter_pcs(relocated) if insn.opcode == 0x85 and pspec.externs.get(pc) == "bpf_throw"]
            check_throw_sites(structure, throws, exception_cb)
            check_stack_depth(
                structure, depths, prog_type=pspec.type, attach_type=pspec.attach_type,
                async_roots=self.rt.release.has(Behaviour.ASYNC_CALLBACK_STACK_ROOT),
                async_calls=self.rt.release.has(Behaviour.ASYNC_CALLBACK_CALL_STACK),
                jit_rounding=self.rt.release.has(Behaviour.STACK_JIT_ROUNDING),
            )
        except VerifierError as err:
            complete_log(err, structure, depths, began)
            raise
        elapsed = int((time.perf_counter() - began) * 1e6)
        starts = [sub.start for sub in structure.subprograms]
        facts.verbose_source = lambda lines: verbose_lines(lines, starts, depths, elapsed)
        return facts

    def _exception_callback(self, pspec: ProgramSpec) -> int | None:
        """The entry PC of the exception callback the program's main function names (by a
        ``exception_callback:`` declaration tag), None for none; checked first, as the kernel
        does."""
        btf = self.spec.btf
        if btf is None or not self._func_info(pspec):
            return None
        main = btf.types_by_name(pspec.name, Func)
        return find_exception_callback(btf, main[0] if main else None, self._subprogram_funcs(pspec))

    def _check_abnormal_returns(self, pspec: ProgramSpec, structure: Structure) -> None:
        """LD_ABS and tail calls only in subprograms that return an integer (by BTF)."""
        btf = self.spec.btf
        funcs = self._subprogram_funcs(pspec)
        scalar = {start for start, func in funcs.items() if btf is not None and returns_scalar(btf, func)}
        check_abnormal_returns(structure, pspec.instructions, bool(self._func_info(pspec)), scalar)

    def _map_info(self, name: str, infos: dict[str, MapInfo]) -> MapInfo:
        """What the verifier needs to know of one map (one object per map, so that two
        references to a map are the same map)."""
        if name not in infos:
            infos[name] = self._describe(self.spec.maps[name], self.maps[name])
        return infos[name]

    def _describe(self, mspec: MapSpec, m: maps.Map | None) -> MapInfo:
        btf = self.spec.btf
        fields = self._special_fields(mspec.value_type_id)
        timer_off = field_offset([f.offset for f in fields if f.kind == "bpf_timer"])
        lock_off = field_offset([f.offset for f in fields if f.kind == "bpf_spin_lock"])
        if btf is not None and mspec.value_type_id and not self.rt.release.has(Behaviour.BTF_RECORD_MESSAGES):
            timer_off = legacy_field_offset(btf, mspec.value_type_id, "bpf_timer")
            lock_off = legacy_field_offset(btf, mspec.value_type_id, "bpf_spin_lock")
        frozen = None
        if m is not None and m.frozen and m.flags & maps.BPF_F_RDONLY_PROG and m.type == maps.MapType.ARRAY:
            frozen = self._read(m.lookup(b"\0\0\0\0", 0), m.value_size)
        return MapInfo(
            mspec.name, int(mspec.type), mspec.key_size, mspec.value_size, max_entries(mspec, self.rt.ncpus), mspec.flags,
            btf=bool(btf is not None and mspec.value_type_id),
            timer_off=timer_off,
            lock_off=lock_off,
            special=tuple((f.offset, f.size) for f in fields),
            frozen_value=frozen,
            inner=self._describe(mspec.inner, None) if mspec.inner is not None else None,
            readonly_prog=bool(mspec.flags & maps.BPF_F_RDONLY_PROG),
            value_type_id=mspec.value_type_id if btf is not None else 0,
        )

    def _read(self, address: int, size: int) -> bytes | None:
        """``size`` bytes of the runtime's memory at ``address`` (None when not mapped)."""
        region = self.rt.space.find(address, size)
        if region is None:
            return None
        return bytes(region.buf[address - region.base : address - region.base + size])

    def _global_functions(self, pspec: ProgramSpec) -> list[int]:
        """The start of each subprogram whose BTF says it is global: the kernel verifies those
        on their own, not in their callers' frames."""
        return [start for start, func in self._subprogram_funcs(pspec).items() if func.linkage == Linkage.GLOBAL]

    def _global_prototypes(self, pspec: ProgramSpec) -> dict[int, GlobalFunc]:
        """Each global subprogram's prototype as the verifier types its arguments."""
        btf = self.spec.btf
        targets, modelled = self.rt._core_targets()
        kernel = None if modelled else targets[0]  # a modelled BTF cannot say what the kernel lacks
        out: dict[int, GlobalFunc] = {}
        for start, func in self._subprogram_funcs(pspec).items():
            if func.linkage == Linkage.GLOBAL:
                assert btf is not None
                out[start] = prepare_global(btf, func, pspec.type, pspec.attach_type, kernel)
        return out

    def _func_info(self, pspec: ProgramSpec) -> frozenset[int]:
        """The entry PCs of the program's functions that have a ``.BTF.ext`` function record
        (none without BTF: the kernel then refuses callbacks)."""
        ext = self.spec.ext
        if self.spec.btf is None or ext is None or not ext.func_info:
            return frozenset()
        return frozenset({0, *self._subprogram_funcs(pspec)})

    def _subprogram_funcs(self, pspec: ProgramSpec) -> dict[int, Func]:
        """Each subprogram's BTF function, by entry PC: the one its ``.BTF.ext`` record at its
        offset names (as the kernel reads func_info), else the one of its name."""
        btf, ext = self.spec.btf, self.spec.ext
        if btf is None:
            return {}
        records = {r.insn_off: r.type_id for r in (ext.func_info.get(".text", ()) if ext is not None else ())}
        out: dict[int, Func] = {}
        for name, start in pspec.subprograms.items():
            type_id = records.get(pspec.subprogram_offsets.get(name, -1))
            found = btf.type_by_id(type_id) if type_id is not None and type_id < len(btf) else None
            if isinstance(found, Func):
                out[start] = found
            elif funcs := btf.types_by_name(name, Func):
                out[start] = funcs[0]
        return out

    def _check_map_compatibility(self, pspec: ProgramSpec) -> None:
        """Refuse, as the kernel's ``check_map_prog_compatibility`` does on the release the
        runtime reproduces, a tracing program using a map whose value holds a timer or a wq."""
        bans = {"bpf_timer": Behaviour.TRACING_TIMER_BAN, "bpf_wq": Behaviour.TRACING_WQ_BAN}
        if pspec.type not in TRACING_PROG_TYPES or self.spec.btf is None:
            return
        for name in pspec.map_refs:
            type_id = self.spec.maps[name].value_type_id
            kinds = {f.kind for f in self._special_fields(type_id)}
            for kind, ban in bans.items():
                if kind in kinds and self.rt.release.has(ban):
                    raise VerifierError([f"tracing progs cannot use {kind} yet"])

    def _read_string(self, address: int) -> str | None:
        """The NUL-terminated string at ``address`` of the runtime's memory (a constant in
        read-only data), or None when it is not there."""
        region = self.rt.space.find(address, 1)
        if region is None:
            return None
        data = bytes(region.buf[address - region.base :])
        return data.split(b"\0", 1)[0].decode("latin-1") if b"\0" in data else None

    def _initial_values(self, programs: Mapping[str, Program]) -> None:
        for name, mspec in self.spec.maps.items():
            m = self.maps[name]
            for index, target in mspec.init.items():
                key = index.to_bytes(m.key_size, "little")
                value = programs[target] if m.type == maps.MapType.PROG_ARRAY else self.maps[target]
                m.update_elem(key, value)


def _free_timer(timers: Any, m: maps.Map, slot: int, region: Any, offset: int) -> None:
    """A map's special-field hook: its element's timer is cancelled and freed."""
    timers.free_element(m, slot, region, offset)


#: the program types whose section names a BTF attach target (libbpf's ``SEC_ATTACH_BTF``)
_BTF_TARGETED = frozenset({ProgType.TRACING, ProgType.EXT, ProgType.LSM})


def _check_attach_target(pspec: ProgramSpec) -> None:
    """libbpf's load of a program that must name its attach target in BTF: one whose section
    names none has nothing the verifier could check it against, and a ``freplace`` one needs
    the program it replaces (``bpf_program__set_attach_target``, which pybpf has no call for).

    Raises:
        ElfError: either is missing (libbpf: EINVAL).
    """
    if pspec.type not in _BTF_TARGETED:
        return
    where = f"load: program '{pspec.name}'"
    if not pspec.attach_to:
        raise ElfError(f"{where}: no BTF-based attach target is specified (libbpf: EINVAL)")
    if pspec.type == ProgType.EXT:
        raise ElfError(f"{where}: attach program FD is not set (libbpf: EINVAL)")
