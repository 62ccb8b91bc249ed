"""The legacy packet loads ``BPF_LD_[ABS|IND]`` and what they ask of the code around them.

Such a load ends the program, returning 0, when the packet is too short; in a subprogram
that hidden exit returns 0 to the caller instead. So the kernel lets only subprograms that
return an integer use them (a tail call, which may also return from a subprogram early, is
held to the same rule), refuses them in callbacks, where an early return means something
else, and while references or a lock are held, which the hidden exit would leak.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from errno import EINVAL

from .._spec import ProgType
from ..btf import Enum, Enum64, Func, FuncProto, Int
from ..btf import Spec as BtfSpec
from ..isa import Instruction, iter_pcs
from ._cfg import Structure
from ._env import Env, Refuse, reg_read
from ._errors import VerifierError
from ._leaks import LD_ABS, check_resource_leak
from ._memory import check_ptr_off_reg
from ._state import RegType, State

__all__ = ["check_abnormal_returns", "check_ld_abs", "returns_scalar"]

_SKB_TYPES = frozenset({ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT})
_TAIL_CALL = 12
_LD_ABS, _LD_IND = 0x20, 0x40


def _abnormal_exit(insn: Instruction) -> str | None:
    """What may return early from the subprogram holding ``insn``, as the kernel names it."""
    if insn.cls == 0x00 and insn.opcode & 0xE0 in (_LD_ABS, _LD_IND):
        return "LD_ABS"
    if insn.opcode == 0x85 and insn.src == 0 and insn.imm == _TAIL_CALL:
        return "tail_call"
    return None


def returns_scalar(btf: BtfSpec, func: Func) -> bool:
    """Whether a function's BTF prototype returns an integer of at most 8 bytes or an enum."""
    proto = btf.type_by_id(func.type)
    if not isinstance(proto, FuncProto):
        return False
    ret = btf.type_by_id(btf.skip_modifiers(proto.return_type))
    return isinstance(ret, (Enum, Enum64)) or isinstance(ret, Int) and ret.size <= 8


def check_abnormal_returns(structure: Structure, insns: Sequence[Instruction], has_btf: bool,
                           scalar_returns: Collection[int]) -> None:
    """The load-time rule (``check_btf_func``, ``check_abnormal_return``): a subprogram other
    than the main program that uses LD_ABS/LD_IND or makes a tail call must return an integer
    by its BTF prototype, and must have BTF at all.

    Args:
        structure: the program's subprograms (:func:`check_structure`).
        insns: the program's instructions, subprograms appended.
        has_btf: whether the program comes with BTF function records.
        scalar_returns: the entry PCs whose BTF prototype returns an integer or an enum
            (:func:`returns_scalar`).

    Raises:
        VerifierError: with the kernel's message.
    """
    found: dict[int, set[str]] = {}
    for pc, insn in iter_pcs(insns):
        kind = _abnormal_exit(insn)
        if kind is not None:
            found.setdefault(structure.subprogram_at(pc).start, set()).add(kind)
    for sub in structure.subprograms[1:]:
        for kind in ("LD_ABS", "tail_call"):
            if kind not in found.get(sub.start, ()):
                continue
            if not has_btf:
                raise VerifierError([f"{kind} is not allowed in subprogs without BTF"], errno=EINVAL)
            if sub.start not in scalar_returns:
                raise VerifierError([f"{kind} is only allowed in functions that return 'int'."], errno=EINVAL)


def check_ld_abs(env: Env, st: State, insn: Instruction) -> None:
    """The checks of one ``BPF_LD_[ABS|IND]``, in the kernel's order (``check_ld_abs``)."""
    if env.inp.prog_type not in _SKB_TYPES:
        raise Refuse("BPF_LD_[ABS|IND] instructions not allowed for this program type", 22)
    ctx = reg_read(st, 6)
    if any(frame.callback is not None for frame in st.frames):
        raise Refuse("cannot use BPF_LD_[ABS|IND] within callback", 22)
    check_resource_leak(env, st, LD_ABS)
    if ctx.type != RegType.CTX:
        raise Refuse("at the time of BPF_LD_ABS|IND R6 != pointer to skb", 22)
    if insn.opcode & 0xE0 == _LD_IND:
        reg_read(st, insn.src)
    check_ptr_off_reg(ctx, 6)
