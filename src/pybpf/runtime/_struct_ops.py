"""struct_ops maps from Python: calling the programs behind a kernel struct of function
pointers, and registering the struct (``obj.struct_ops["name"]``).

pybpf has no TCP stack and no scheduler: nothing calls a congestion-control or sched_ext
member by itself. :meth:`StructOps.call` is how a test plays the kernel's part: it calls the
member's program with the member's arguments, typed by its BTF prototype as
``rt.trigger`` types fentry arguments (an int for a scalar; bytes or a dict laid out as the
pointed-to struct for a pointer), in writable memory, and returns what the program returned
and what the arguments hold afterwards (a congestion-control program writes ``snd_cwnd``
through its socket pointer). :meth:`StructOps.attach` registers the struct as
``bpf_map__attach_struct_ops`` does, with the kernel's checks (required members, a unique
``tcp_congestion_ops`` name); registration changes nothing else here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

from .._spec import CollectionSpec
from ..btf import Int, IntEncoding, Ptr, Spec, Struct, from_python, to_python
from ..engine import BpfRuntimeError, Region
from ..maps import EEXIST, EINVAL, EOPNOTSUPP, MapError
from ..maps._struct_ops import STRUCT_OPS_DATA_OFFSET
from ..verifier._struct_ops import REGISTERED, StructOpsTarget, promoted_struct
from ._checks import expect
from ._contexts import ARGS_COUNT_SIZE, args_context
from ._faults import trimmed
from ._map import Map
from ._names import missing
from ._program import Program
from ._struct_ops_load import ops_btf, ops_struct, struct_ops_target
from ._task import Task

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["StructOps", "StructOpsCall", "StructOpsLink", "struct_ops_view"]

_NAME_MEMBER = "name"  #: the member that names a tcp_congestion_ops (its key in the kernel's list)


@final
@dataclass(frozen=True)
class StructOpsCall:
    """What one :meth:`StructOps.call` saw: ``retval``, the program's return value as the
    member's return type reads it (None for a ``void`` member), and ``args``, each argument after the call: ints as given, bytes and
    dicts as the memory they were placed in holds them then."""

    retval: int | None
    args: tuple[Any, ...]


@final
class StructOps:
    """A struct_ops map of a loaded object and the programs that implement its members.

    Attributes:
        name: the map's (the variable's) name.
        type_name: the struct it implements (``tcp_congestion_ops``).
        map: the map handle (its value is the kernel's ``bpf_struct_ops_<type_name>``).
        programs: the program of each member the object set, by member name.
    """

    def __init__(self, runtime: Runtime, name: str, handle: Map, programs: Mapping[str, Program],
                 targets: Mapping[str, StructOpsTarget], btf: Spec, type_name: str) -> None:
        self._runtime = runtime
        self._targets = dict(targets)
        self._btf = btf
        self.name = name
        self.type_name = type_name
        self.map = handle
        self.programs = dict(programs)
        self.link: StructOpsLink | None = None

    def __repr__(self) -> str:
        return f"<StructOps '{self.name}' {self.type_name} members={sorted(self.programs)}>"

    @property
    def registered(self) -> bool:
        """Whether the struct is registered (attached and not detached)."""
        return self.link is not None and self.link.attached

    def call(self, member: str, *args: int | bytes | Mapping[str, Any], cpu: int | None = None,
             task: Task | None = None) -> StructOpsCall:
        """Call the program implementing ``member`` as the kernel would call the member.

        Args:
            member: the member's name (``"cong_avoid"``).
            args: one per parameter of the member's prototype: an int for a scalar (or a
                pointer's raw value); bytes, or a dict laid out as the struct the parameter
                points to, for a pointer, placed in writable memory.
            cpu: the CPU it runs on; task: the current task meanwhile.

        Raises:
            ValueError: ``member`` has no program, or ``args`` do not match its parameters.
            TypeError: an argument of another type, or a dict for a non-pointer parameter.
            BpfRuntimeError: the program faulted.
        """
        expect(member, str, "call: member", "a str")
        if member not in self.programs:
            raise ValueError(f"call: {missing('member', member, self.programs, f'struct_ops {self.name!r}').args[0]}")
        program = self.programs[member]
        target = self._targets[member]
        if len(args) != len(target.params):
            raise ValueError(f"call {member}: takes {len(target.params)} arguments, got {len(args)}")
        values, placed = self._place(target, args)
        context = args_context(values, len(values), f"{member} args")
        with self._runtime._host.running_as(task):
            try:
                r0 = program._execute(context.base + ARGS_COUNT_SIZE, (context, *(r for r in placed if r)),
                                      None, self._runtime._cpu_for(cpu))
            except BpfRuntimeError as err:
                raise trimmed(err) from None
        after = tuple(self._read_back(target, i, a, r) for i, (a, r) in enumerate(zip(args, placed)))
        return StructOpsCall(_typed_return(target, r0), after)

    def _pointee(self, target: StructOpsTarget, index: int) -> int:
        """What parameter ``index`` points to, as the program sees it (a ``struct sock *`` of
        congestion control is a ``struct tcp_sock *``)."""
        btf = target.btf
        param = btf.type_by_id(btf.skip_modifiers(target.params[index]))
        if not isinstance(param, Ptr):
            raise TypeError(f"call {target.member}: parameter {index} is not a pointer; pass an int")
        pointee = btf.type_by_id(btf.skip_modifiers(param.type))
        promoted = btf.types_by_name(promoted_struct(target, pointee.name), Struct) if pointee.name else ()
        return promoted[0].id if promoted else param.type

    def _place(self, target: StructOpsTarget, args: tuple[Any, ...]) -> tuple[list[int], list[Region | None]]:
        values: list[int] = []
        placed: list[Region | None] = []
        for index, arg in enumerate(args):
            if isinstance(arg, bool) or not isinstance(arg, (int, bytes, bytearray, Mapping)):
                raise TypeError(f"call {target.member}: argument {index} must be an int, bytes or a dict,"
                                f" not {type(arg).__name__}")
            if isinstance(arg, int):
                values.append(arg)
                placed.append(None)
                continue
            if isinstance(arg, Mapping):
                data = from_python(target.btf, self._pointee(target, index), dict(arg), what=f"argument {index}")
            else:
                data = bytes(arg)
            region = Region.from_bytes(data, f"{target.member} argument {index}", writable=True)
            values.append(region.base)
            placed.append(region)
        return values, placed

    def _read_back(self, target: StructOpsTarget, index: int, arg: Any, region: Region | None) -> Any:
        if region is None:
            return arg
        data = bytes(region.buf)
        return to_python(target.btf, self._pointee(target, index), data) if isinstance(arg, Mapping) else data

    def attach(self) -> StructOpsLink:
        """Register the struct with its kernel subsystem (``bpf_map__attach_struct_ops``).

        Raises:
            MapError: the kernel's refusal: a required member without a program, an invalid
                or already registered ``tcp_congestion_ops`` name (EINVAL, EEXIST), the struct
                registered already (EBUSY), a type that cannot be registered (EOPNOTSUPP).
        """
        if self.registered:
            raise MapError("update", 16, f"struct_ops '{self.name}' is registered already")
        rules = REGISTERED[self.type_name]
        if not rules.registrable:
            raise MapError("update", EOPNOTSUPP, f"struct_ops '{self.name}': {self.type_name} cannot be registered")
        struct = ops_struct(self._btf, self.type_name)
        for m in struct.members:
            func = isinstance(self._btf.type_by_id(self._btf.skip_modifiers(m.type)), Ptr)
            if func and m.name in rules.supported and m.name not in rules.optional and m.name not in self.programs:
                raise MapError("update", EINVAL, f"struct_ops '{self.name}': member {m.name} needs a program")
        key = self._key()
        if key is not None:
            if key in self._runtime._struct_ops_names:
                raise MapError("update", EEXIST, f"struct_ops '{self.name}': {self.type_name} '{key}' is registered")
            self._runtime._struct_ops_names.add(key)
        self.link = StructOpsLink(self, key)
        return self.link

    def _key(self) -> str | None:
        """The name a ``tcp_congestion_ops`` registers under (None for other types).

        Raises:
            MapError: an empty name, or one without its terminating NUL (EINVAL).
        """
        if self.type_name != "tcp_congestion_ops":
            return None
        value = self._runtime_value()
        raw = value.get(_NAME_MEMBER, b"")
        text = raw if isinstance(raw, str) else bytes(raw).split(b"\0", 1)[0].decode("latin-1")
        size = self._btf.resolve_size(self._btf.field(ops_struct(self._btf, self.type_name).id, _NAME_MEMBER).type)
        if not text or len(text) >= size:
            raise MapError("update", EINVAL, f"struct_ops '{self.name}': tcp_congestion_ops name {text!r} is invalid")
        return text

    def _runtime_value(self) -> dict[str, Any]:
        struct = ops_struct(self._btf, self.type_name)
        raw = self.map.internal.lookup_elem(b"\0\0\0\0")
        assert isinstance(raw, bytes)
        data = raw[STRUCT_OPS_DATA_OFFSET : STRUCT_OPS_DATA_OFFSET + struct.size]
        out = to_python(self._btf, struct.id, data)
        assert isinstance(out, dict)
        return out


def _typed_return(target: StructOpsTarget, r0: int) -> int | None:
    """R0 as the member's return type reads it: None for ``void``, the low bytes of an
    integer (sign-extended when it is signed), the whole register otherwise."""
    if not target.returns:
        return None
    t = target.btf.type_by_id(target.btf.skip_modifiers(target.returns))
    if not isinstance(t, Int):
        return r0
    bits = t.size * 8
    value = r0 & ((1 << bits) - 1)
    signed = bool(t.encoding & IntEncoding.SIGNED)
    return value - (1 << bits) if signed and value >> (bits - 1) else value


@final
class StructOpsLink:
    """A registration of a struct_ops map; :meth:`detach` unregisters it."""

    def __init__(self, ops: StructOps, key: str | None) -> None:
        self.struct_ops = ops
        self._key = key
        self.attached = True
        #: nothing in pybpf calls the members by itself: only :meth:`StructOps.call` does
        self.fired_by = "StructOps.call only"

    def detach(self) -> None:
        """Unregister (idempotent): the name is free again."""
        if self.attached:
            self.attached = False
            if self._key is not None:
                self.struct_ops._runtime._struct_ops_names.discard(self._key)

    def __repr__(self) -> str:
        state = "attached" if self.attached else "detached"
        return f"<StructOpsLink {self.struct_ops.name} ({state})>"


def struct_ops_view(runtime: Runtime, spec: CollectionSpec, handles: Mapping[str, Map],
                    programs: Mapping[str, Program]) -> dict[str, StructOps]:
    """The struct_ops of a loaded object, by map name."""
    targets = runtime._core_targets()[0]
    out = {}
    for name, mspec in spec.maps.items():
        ops = mspec.struct_ops
        if ops is None:
            continue
        members = {m: programs[p] for m, p in ops.programs.items() if p in programs}
        typed = {m: struct_ops_target(targets, spec, p.spec) for m, p in members.items()}
        btf = ops_btf(targets, spec, ops.type_name)
        out[name] = StructOps(runtime, name, handles[name], members, typed, btf, ops.type_name)
    return out
