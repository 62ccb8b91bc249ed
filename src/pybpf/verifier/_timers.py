"""The ``bpf_timer`` rules of the kernel's verifier: which maps may hold timers, a timer
pointer exactly at the value's one timer field at a constant offset, ``bpf_timer_init``'s map
the timer's own map (the same lookup for inner maps), and timer callbacks verified as
asynchronous entry points that must return 0."""

from __future__ import annotations

from .._releases import Behaviour, Release
from ._env import Env, Refuse
from ._graph_fields import record_of
from ._log import type_str
from ._state import NOT_INIT, Callback, Frame, MapInfo, Reg, RegType, State
from ._tnum import Tnum

__all__ = ["check_async_return", "check_timer_arg", "check_timer_init_map", "timer_callback_state"]

_TRACING_TYPES = frozenset({2, 5, 7, 17, 24})  # kprobe, tracepoint, perf_event, raw_tp(_writable)


def check_field_pointer(release: Release, regno: int, reg: Reg, name: str, expected: str) -> int:
    """A pointer to a map value's special field (``name``: ``bpf_timer``, ``bpf_spin_lock``)
    at a constant offset exactly at the field; returns that offset. Before 6.2 the kernel kept
    one offset per field kind, negative for why there is none, and said which."""
    if reg.type != RegType.MAP_VALUE or reg.null:
        raise Refuse(f"R{regno} type={type_str(reg)} expected={expected}")
    m = reg.map
    assert m is not None
    if not reg.is_const:
        raise Refuse(f"R{regno} doesn't have constant offset. {name} has to be at the constant offset")
    if not m.btf:
        raise Refuse(f"map '{m.name}' has to have BTF in order to use {name}")
    field = m.timer_off if name == "bpf_timer" else m.lock_off
    record = release.has(Behaviour.BTF_RECORD_MESSAGES)
    if field < 0 and record:
        raise Refuse(f"map '{m.name}' has no valid {name}")
    if field < 0:
        raise Refuse(_LEGACY_NO_FIELD.get(field, "map '{map}' is not a struct type or {name} is mangled")
                     .format(map=m.name, name=name))
    off = reg.off + reg.const
    if off != field and (record or name == "bpf_timer"):
        raise Refuse(f"off {off} doesn't point to 'struct {name}' that is at {field}")
    if off != field:
        raise Refuse(f"off {off} doesn't point to 'struct {name}'")
    return off


#: Why a value has no usable field, as releases before 6.2 said it (by the offset they kept)
_LEGACY_NO_FIELD = {
    -1: "map '{map}' doesn't have 'struct {name}'",
    -2: "map '{map}' has more than one 'struct {name}'",
}


def check_timer_arg(env: Env, st: State, regno: int, reg: Reg) -> None:
    """The timer argument of a timer helper (``process_timer_func``)."""
    check_field_pointer(env.inp.release, regno, reg, "bpf_timer", "map_value")


def check_async_return(release: Release, r0: Reg) -> None:
    """An async callback's R0 at exit as releases before 6.8 checked it (``check_return_code``):
    a scalar whose tnum is the constant 0. Their message prints tnums, and until a later fix
    (backported to some) the range it printed was [0, 1] although only 0 passes."""
    if r0.type != RegType.SCALAR:
        raise Refuse(f"In async callback the register R0 is not a known value ({type_str(r0)})", 22)
    if r0.var_off.is_const and r0.var_off.value == 0:
        return
    shown = "has unknown scalar value" if r0.var_off.is_unknown else f"has value {_c_tnum(r0.var_off)}"
    allowed = Tnum(0, 0 if release.has(Behaviour.ASYNC_RETURN_RANGE_ZERO) else 1)
    raise Refuse(f"At async callback the register R0 {shown} should have been in {_c_tnum(allowed)}", 22)


def _c_tnum(t: Tnum) -> str:
    """A tnum as the kernel's ``tnum_strn`` prints it: C's ``%#llx``, which writes 0 bare."""
    def hex_(v: int) -> str:
        return f"{v:#x}" if v else "0"

    return f"({hex_(t.value)}; {hex_(t.mask)})"


def check_timer_init_map(timer: Reg, map_reg: Reg) -> None:
    """``bpf_timer_init``'s map must be the map (and lookup, for inner maps) of the timer."""
    if timer.map is not map_reg.map and not _same_map(timer.map, map_reg.map) or timer.map_uid != map_reg.map_uid:
        raise Refuse(f"timer pointer in R1 map_uid={timer.map_uid} doesn't match map pointer in R2 "
                     f"map_uid={map_reg.map_uid}")


def _same_map(a: MapInfo | None, b: MapInfo | None) -> bool:
    return a is not None and a is b


def check_map_use(env: Env, m: MapInfo) -> None:
    """A map with a timer, spin lock, list head or tree root referenced by a tracing program."""
    ptype = int(env.inp.prog_type)
    spec = env.inp.prog_btf
    if ptype in _TRACING_TYPES and spec is not None and record_of(spec, m.value_type_id).roots:
        raise Refuse("tracing progs cannot use bpf_{list_head,rb_root} yet", 22)
    if m.lock_off >= 0 and ptype == 1:
        raise Refuse("socket filter progs cannot use bpf_spin_lock yet", 22)
    if ptype in _TRACING_TYPES:
        if m.timer_off >= 0 and env.inp.release.has(Behaviour.TRACING_TIMER_BAN):
            raise Refuse("tracing progs cannot use bpf_timer yet", 22)
        if m.lock_off >= 0:
            raise Refuse("tracing progs cannot use bpf_spin_lock yet", 22)


def timer_callback_state(env: Env, entry: int, m: MapInfo, setter: str = "bpf_timer_set_callback") -> State:
    """The state a timer (or wq) callback starts in: (map, key, value) of its map."""
    regs = [NOT_INIT] * 11
    cm = Reg(RegType.CONST_MAP)
    cm.map = m
    key = Reg(RegType.MAP_KEY)
    key.map = m
    val = Reg(RegType.MAP_VALUE)
    val.map = m
    fp = Reg(RegType.STACK)
    regs[1], regs[2], regs[3], regs[10] = cm, key, val, fp
    cb = Callback(0, 0, True, setter)
    return State([Frame(regs, {}, 0, entry, -1, cb)])
