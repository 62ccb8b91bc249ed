"""The verifier log in the kernel's shape: each processed instruction with its index and text,
the registers it touched after a ``;``, "from A to B:" with the state when a saved branch is
resumed, the message of a refusal, and the statistics line."""

from __future__ import annotations

from collections.abc import Callable

from ..isa import Instruction, format_instruction
from ._state import ADD_CONST, TYPE_NAMES, Frame, Reg, RegType, State, base_id
from ._tnum import MASK32, MASK64

__all__ = ["Log", "frame_state_str", "reg_str", "state_str", "type_str"]

_S64_MIN, _S64_MAX = -(1 << 63), (1 << 63) - 1
_S32_MIN, _S32_MAX = -(1 << 31), (1 << 31) - 1


def type_str(r: Reg) -> str:
    """The kernel's name of a register's type (``reg_type_str``): ``map_value_or_null``..."""
    if r.type == RegType.NOT_INIT:
        return "?"
    if r.type == RegType.BTF_ID:  # messages name no struct: trusted_ptr_, ptr_or_null_
        # an allocated object prints as ptr_, a refcounted one's non-owning reference as rcu_ptr_
        shown = "rcu" if r.trust.endswith("_rcu") else "" if r.trust.startswith("alloc") else r.trust
        return (f"{shown}_" if shown else "") + ("ptr_or_null_" if r.null else "ptr_")
    name = TYPE_NAMES[r.type]
    if r.type == RegType.MEM:
        name = ("ringbuf_" if r.ringbuf else "rdonly_" if r.rdonly else "") + (f"{r.trust}_" if r.trust else "") + name
    return name + ("_or_null" if r.null else "")


def _num(v: int) -> str:
    """A signed number as the kernel prints one (``verbose_snum``): decimal within the s16
    range, else the 64-bit pattern in hex."""
    return str(v) if -(1 << 15) <= v < 1 << 15 else hex(v & MASK64)


def _unum(v: int) -> str:
    """An unsigned number as the kernel prints one (``verbose_unum``): decimal up to U16_MAX."""
    return str(v) if v < 1 << 16 else hex(v)


def _scalar_fields(r: Reg) -> list[str]:
    """The ranges as ``print_scalar_ranges`` prints them: bounds at their defaults are left
    out, and a bound equal to a later one of the same kind (signed or unsigned) and sign
    shares its value (``smin=smin32=0``)."""
    s32min = r.s32min if -(1 << 15) <= r.s32min < 1 << 15 else r.s32min & MASK32
    s32max = r.s32max if -(1 << 15) <= r.s32max < 1 << 15 else r.s32max & MASK32
    bounds = [
        ("smin", r.smin, r.smin == _S64_MIN), ("smax", r.smax, r.smax == _S64_MAX),
        ("umin", r.umin, r.umin == 0), ("umax", r.umax, r.umax == MASK64),
        ("smin32", s32min, r.s32min == _S32_MIN), ("smax32", s32max, r.s32max == _S32_MAX),
        ("umin32", r.u32min, r.u32min == 0), ("umax32", r.u32max, r.u32max == MASK32),
    ]
    omit = [b[2] for b in bounds]
    out = []
    for i, (name, value, _) in enumerate(bounds):
        if omit[i]:
            continue
        names = [name]
        for k in range(i + 2, len(bounds), 2):
            other, other_value, _ = bounds[k]
            if omit[k] or other_value != value or (other[0] == "s" and other_value < 0) != (name[0] == "s" and value < 0):
                continue
            omit[k] = True
            names.append(other)
        out.append("=".join(names) + "=" + (_num(value) if name[0] == "s" else _unum(value)))
    if not r.var_off.is_unknown:
        out.append(f"var_off=({r.var_off.value:#x}; {r.var_off.mask:#x})")
    return out


def reg_str(r: Reg, frameno: int | None = None) -> str:
    """One register as the kernel's state lines print it (``ctx()``, ``fp-8``, ``scalar(...)``):
    a scalar a checkpoint holds precise reads ``P...``, and a pointer into the stack of another
    frame than ``frameno`` (the frame printed) names its frame, ``fp[0]-16``."""
    if r.type == RegType.SCALAR:
        mark = "P" if r.precise else ""  # only a checkpoint's scalars are ever precise
        if r.is_const and not r.id:
            v = r.const
            return mark + _num(v - (1 << 64) if v >> 63 else v)
        link = f"id={base_id(r.id)}" + (f"{r.off:+d}" if r.id & ADD_CONST else "")
        fields = ([link] if r.id else []) + _scalar_fields(r)
        return f"{mark}scalar({','.join(fields)})"
    if r.type == RegType.STACK and r.is_const:
        if frameno is not None and r.frameno != frameno:
            return f"fp[{r.frameno}]{r.off + r.const}"
        return f"fp{r.off + r.const}" if r.off + r.const else "fp0"
    fields = []
    if r.id:
        fields.append(f"id={r.id}")
    if r.ref_obj_id:
        fields.append(f"ref_obj_id={r.ref_obj_id}")
    if r.map is not None:
        fields.append(f"map={r.map.name},ks={r.map.key_size},vs={r.map.value_size}")
    if r.off:
        fields.append(f"off={r.off}")
    if r.type in (RegType.PACKET, RegType.PACKET_META):
        fields.append(f"r={r.range}" if 0 <= r.range else f"r={r.range & MASK64:#x}")
    if r.type == RegType.MEM and r.mem_size:
        fields.append(f"sz={r.mem_size}")
    if not r.is_const:
        fields += _scalar_fields(r)
    name = r.btf_name if r.type == RegType.BTF_ID else ""  # the state names the struct
    return f"{type_str(r)}{name}({','.join(fields)})"


def _slot_str(frame: Frame, spi: int) -> str | None:
    slot = frame.stack[spi]
    off = -(spi + 1) * 8
    kinds = slot.kinds[::-1]  # lowest byte first, as the kernel prints them
    if slot.spilled is not None and kinds[-1] == "r":
        # a spill of fewer than 8 bytes: the bytes above it, then the register
        return f"fp{off}={kinds[:kinds.index('r')]}{reg_str(slot.spilled, frame.frameno)}"
    if all(k == "?" for k in kinds):
        return None
    return f"fp{off}={kinds}"


def state_str(st: State, regs: set[int] | None = None, all_frames: bool = True) -> str:
    """The state line: registers (all, or those in ``regs``), then stack slots."""
    parts: list[str] = []
    frames = st.frames if all_frames else st.frames[-1:]
    for frame in frames:
        if len(st.frames) > 1 and all_frames:
            parts.append(f"frame{frame.frameno}:")
        for i, r in enumerate(frame.regs):
            if r.type != RegType.NOT_INIT and (regs is None or i in regs):
                parts.append(f"R{i}={reg_str(r, frame.frameno)}")
        if regs is None:
            for spi in sorted(frame.stack):
                text = _slot_str(frame, spi)
                if text:
                    parts.append(text)
    if st.refs and regs is None:
        parts.append("refs=" + ",".join(str(ref.id) for ref in st.refs))
    return " ".join(parts)


def frame_state_str(st: State) -> str:
    """The innermost frame of ``st`` as the kernel prints one frame (``print_verifier_state``
    of a ``bpf_func_state``: the frame number first, unless it is the main program's, and
    ``cb`` or ``async_cb`` last for a callback's frame)."""
    text = state_str(st, all_frames=False)
    frame = st.frames[-1]
    if frame.callback is not None:
        text += " async_cb" if frame.callback.is_async else " cb"
    return f"frame{frame.frameno}: {text}" if frame.frameno else text


def _comment_column(line: str) -> int:
    """Where the kernel puts the ``;`` of a comment after an instruction line
    (``vlog_alignment``): column 38, or for a long line the next multiple of 8 past it, less 2."""
    return max(38, -(-(len(line) + 5) // 8) * 8 - 2)


class Log:
    """Lines of the verifier log, recorded as the verifier goes and formatted only when read
    (most programs load, and then nobody reads their log).

    Two renderings: :attr:`lines` is log level 1, where the kernel takes back what a path that
    ended safely logged when it resumes a saved branch (so a refusal's log shows only the path
    that failed), and :attr:`trace` log level 2, where every path stays, each resumed branch
    opening with ``from A to B:`` and the whole state.
    """

    def __init__(self, helper_name: Callable[[int], str | None]) -> None:
        self._entries: list[tuple[object, ...]] = []
        self.helper_name = helper_name

    def insn(self, pc: int, insn: Instruction) -> None:
        self._entries.append(("insn", pc, insn))

    def comment(self, regs: tuple[tuple[int, Reg], ...]) -> None:
        """Append ``; R1=... R2=...`` (registers as they are now, in any order: the line
        sorts them) to the line just logged."""
        if regs:
            self._entries.append(("comment", regs))

    def state(self, prefix: str, st: State) -> None:
        """A line of ``prefix`` and a whole state (``st`` must not change afterwards)."""
        self._entries.append(("state", prefix, st))

    def add(self, line: str) -> None:
        self._entries.append(("line", line))

    def mark(self) -> int:
        """Where the log is now: a branch saved here takes the log back to this point when it
        is resumed, at level 1."""
        return len(self._entries)

    def resume(self, mark: int, prev: int, pc: int, st: State) -> None:
        """A saved branch from ``prev`` to ``pc`` is resumed in state ``st`` (which must not
        change afterwards); ``mark`` is what :meth:`mark` said when it was saved."""
        self._entries.append(("resume", mark, prev, pc, st))

    def safe(self, pc: int) -> None:
        """The path is pruned at ``pc``: a state verified before covers it."""
        self._entries.append(("safe", pc))

    @property
    def lines(self) -> list[str]:
        return self._render(level2=False)

    @property
    def trace(self) -> list[str]:
        return self._render(level2=True)

    def _render(self, *, level2: bool) -> list[str]:
        entries = self._entries
        marks = {int(str(e[1])) for e in entries if e[0] == "resume"} if not level2 else set()
        saved: dict[int, tuple[int, str]] = {}
        out: list[str] = []
        for idx, entry in enumerate(entries):
            if idx in marks:
                saved[idx] = (len(out), out[-1] if out else "")
            kind = entry[0]
            if kind == "insn":
                pc, insn = entry[1], entry[2]
                assert isinstance(pc, int) and isinstance(insn, Instruction)
                out.append(f"{pc}: ({insn.opcode:02x}) {format_instruction(insn, helper_name=self.helper_name)}")
            elif kind == "comment" and out:
                regs = entry[1]
                assert isinstance(regs, tuple)
                text = " ".join(f"R{i}={reg_str(r)}" for i, r in sorted(dict(regs).items())
                                if r.type != RegType.NOT_INIT)
                if text:
                    out[-1] = f"{out[-1]:<{_comment_column(out[-1])}}; {text}"
            elif kind == "state":
                st = entry[2]
                assert isinstance(st, State)
                out.append(f"{entry[1]}{state_str(st)}")
            elif kind == "resume":
                self._resume(out, entry, saved, idx + 1 < len(entries) and entries[idx + 1][0] == "safe", level2)
            elif kind == "safe":
                if entries[idx - 1][0] != "resume":
                    out.append(f"{entry[1]}: safe")
            else:
                out.append(str(entry[1]))
        return out

    @staticmethod
    def _resume(out: list[str], entry: tuple[object, ...], saved: dict[int, tuple[int, str]],
                pruned: bool, level2: bool) -> None:
        """Log a resumed branch. At level 1 the kernel cuts its log back to where the branch was
        saved, just after the jump's text: the newline there is gone if a comment was written
        after it (its first padding space stays), so the state follows on the jump's line."""
        _, mark, prev, pc, st = entry
        assert isinstance(mark, int) and isinstance(st, State)
        if level2:
            out += ["", f"from {prev} to {pc}: safe"] if pruned else \
                ["", f"from {prev} to {pc}: {state_str(st)}", f"{pc}: {state_str(st)}"]
            return
        n, line = saved[mark]
        joined = bool(n) and out[n - 1] != line
        del out[n:]
        if n:
            out[n - 1] = line + (" " if joined else "")
        if pruned:
            out += ([] if joined else [""]) + [f"from {prev} to {pc}: safe"]
        elif joined:
            out[n - 1] += f"{pc}: {state_str(st)}"
        else:
            out.append(f"{pc}: {state_str(st)}")
