"""The verification environment: the program, its maps and type, the log, id generation, and
the exception that stops a path with the kernel's message."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, final

from .._releases import DEFAULT_RELEASE, Release
from .._spec import AttachType, ProgType
from ..btf import Spec
from ..helpers import BY_ID, HelperProto
from ..isa import Instruction, iter_pcs
from ._errors import STATISTICS_PREFIXES
from ._log import Log
from ._state import T_NOT_INIT, MapInfo, Reg, State

if TYPE_CHECKING:
    from ._globals import GlobalFunc
    from ._ksyms import PercpuVar
    from ._struct_ops import StructOpsTarget

__all__ = ["Env", "Facts", "Refuse", "VerifyInput"]


class Refuse(Exception):
    """Raised inside the verifier to refuse the program; ``errno`` is the kernel's."""

    def __init__(self, message: str, errno: int = 13) -> None:
        super().__init__(message)
        self.message = message
        self.errno = errno


@final
@dataclass(frozen=True)
class VerifyInput:
    """What the verifier needs to know of a program beside its instructions.

    ``maps`` is the program's map table (``lddw`` map references index it); ``offered`` the
    helper ids this program may call; ``static_funcs``/``func_info`` the subprogram entry PCs
    that have BTF func_info (empty: the program has none, so callbacks are refused) and the
    ones that are static (None: unknown, not checked).
    """

    prog_type: ProgType
    maps: Sequence[MapInfo] = ()
    license_gpl: bool = True
    offered: frozenset[int] | None = None
    attach_type: AttachType = AttachType.NONE
    sleepable: bool = False
    func_info: frozenset[int] | None = None
    static_funcs: frozenset[int] | None = None
    kfuncs: Mapping[int, object] = field(default_factory=dict)
    #: BTF-global subprograms by entry PC, verified on their own from their prototypes
    global_funcs: Mapping[int, GlobalFunc] = field(default_factory=dict)
    ncpus: int = 1  #: the CPUs programs may run on (bounds ``bpf_get_smp_processor_id``)
    #: the kernel release whose rules and messages apply (the timer rules changed across them)
    release: Release = field(default_factory=lambda: Release(DEFAULT_RELEASE))
    #: the BTF of the kernel objects programs see (the runtime's CO-RE target), which types
    #: BTF pointers; None leaves them untyped
    kernel_btf: Spec | None = None
    attach_to: str = ""  #: the attach target the section names (``hrtimer_start``)
    prog_btf: Spec | None = None  #: the program's own BTF (the types of ``bpf_obj_new``)
    struct_ops: StructOpsTarget | None = None  #: the member a struct_ops program implements
    #: the per-CPU kernel variables ``lddw`` instructions load, by PC (typed ``__ksym`` externs)
    ksyms: Mapping[int, PercpuVar] = field(default_factory=dict)


@final
@dataclass
class Facts:
    """What verification proved, for the engines.

    ``safe_accesses``: PCs of loads, stores and atomics proven within their region on every
    path that reaches them; ``frame_accesses``: those among them that every path makes to the
    running function's own 512-byte stack frame, at an offset from the frame pointer that is a
    multiple of the access size (what lets a JIT confine the access to the frame without a
    check, see :mod:`pybpf.engine`); ``max_ctx_offset``: the end of the furthest context access;
    ``stack_depth``: each subprogram's stack use (by entry PC); ``processed``: instructions
    the verifier processed. ``log`` and ``verbose_log`` are the accepted program's log at
    log level 1 and at the level ``bpftool -d`` asks for, as :class:`VerifierError` holds a
    refused one's. At level 1 the kernel keeps only the statistics of a program it accepts;
    the instruction trace is in ``verbose_log``, formatted when read, since almost nobody
    reads the log of a program that loads.
    """

    safe_accesses: frozenset[int] = frozenset()
    frame_accesses: frozenset[int] = frozenset()
    max_ctx_offset: int = 0
    stack_depth: Mapping[int, int] = field(default_factory=dict)
    processed: int = 0
    reachable: frozenset[int] = frozenset()
    #: builds the log's lines (the statistics line last); the loader may wrap it to add the
    #: lines ``bpftool -d`` shows as ``verbose_source``
    log_source: Callable[[], list[str]] = field(default=list, repr=False, compare=False)
    verbose_source: Callable[[list[str]], list[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def log(self) -> str:
        return "\n".join(line for line in self.log_source() if line.startswith(STATISTICS_PREFIXES))

    @property
    def verbose_log(self) -> str:
        lines = self.log_source()
        return "\n".join(self.verbose_source(lines) if self.verbose_source else lines)


class Env:
    """Everything one verification shares across paths."""

    def __init__(self, insns: Sequence[Instruction], inp: VerifyInput) -> None:
        self.insns: dict[int, Instruction] = dict(iter_pcs(insns))
        self.inp = inp
        self.log = Log(self.helper_name)
        self.id_gen = 0
        self.processed = 0
        self.max_ctx = 0
        #: the base type each load or store instruction first accessed memory through
        self.access_type: dict[int, int] = {}
        self.safe: set[int] = set()
        self.unsafe: set[int] = set()
        self.framed: set[int] = set()
        self.unframed: set[int] = set()
        self.reached: set[int] = set()
        self.stack_depth: dict[int, int] = {}
        self.cur_pc = 0
        self.scratched: set[int] = set()
        self.subprogs: list[int] = [0]
        self.async_callbacks: list[tuple[int, State]] = []
        self.pending_callbacks: set[int] = set()
        self.ret_hooks: dict[int, Callable[[State], None]] = {}
        #: global functions a path reached, in the order the kernel verifies them after main
        self.called_globals: set[int] = set()

    def helper_name(self, helper_id: int) -> str | None:
        proto: HelperProto | None = BY_ID.get(helper_id)
        return proto.name if proto is not None else None

    def new_id(self) -> int:
        self.id_gen += 1
        return self.id_gen

    def map_at(self, index: int) -> MapInfo:
        if not 0 <= index < len(self.inp.maps):
            raise Refuse(f"fd {index} is not pointing to valid bpf_map", 9)
        return self.inp.maps[index]

    def subprog_of(self, pc: int) -> int:
        """The entry PC of the subprogram holding ``pc``."""
        entry = 0
        for start in self.subprogs:
            if start <= pc:
                entry = start
        return entry

    def proved(self, pc: int, ok: bool, own_frame: bool = False) -> None:
        """Record what one path proved of the access at ``pc``: within its region (``ok``),
        and within the running function's frame (``own_frame``)."""
        (self.safe if ok else self.unsafe).add(pc)
        (self.framed if ok and own_frame else self.unframed).add(pc)

    def facts(self) -> Facts:
        log = self.log
        return Facts(frozenset(self.safe - self.unsafe), frozenset(self.framed - self.unframed), self.max_ctx,
                     dict(self.stack_depth),
                     self.processed, frozenset(self.reached), log_source=lambda: log.trace)


def reg_read(st: State, regno: int) -> Reg:
    """A register an instruction reads: refused when nothing wrote it on this path."""
    r = st.cur.regs[regno]
    if r.type == T_NOT_INIT:
        raise Refuse(f"R{regno} !read_ok")
    return r


def check_dst(regno: int) -> None:
    if regno == 10:
        raise Refuse("frame pointer is read only")
