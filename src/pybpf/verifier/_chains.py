"""Call chains, after the abstract interpreter: the kernel's ``check_max_stack_depth``, which
bounds the frames and the combined stack of every chain of calls, and, until pybpf's
interpreter measures what they need, the stack depths read from the code.

A chain starts at the main program or at an async callback (a timer's, which runs later on a
stack of its own) and follows local calls and the addresses of synchronous callbacks (bpf_loop's,
which run on their caller's stack). Messages are the kernel's, verbatim.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from errno import E2BIG, EACCES

from .._spec import AttachType, ProgType
from ..helpers import BY_NAME
from ..isa import LDDW, AluOp, CallSrc, Class, JmpOp, Mode, Source
from ._cfg import (
    CallbackKind,
    CallSite,
    Structure,
    attach_verbose_log,
    refuse,
)
from ._errors import VerifierError

__all__ = [
    "MAX_BPF_STACK",
    "MAX_CALL_FRAMES",
    "check_stack_depth",
    "estimate_stack_depths",
]

MAX_CALL_FRAMES = 8  #: frames one call chain may hold (``MAX_CALL_FRAMES``)
MAX_BPF_STACK = 512  #: bytes of stack one call chain may use (``MAX_BPF_STACK``)
PRIV_STACK_MIN_SIZE = 64  #: a subprogram gets a private stack from this depth on
TAIL_CALL_STACK_LIMIT = 256  #: callers' stack a subprogram with a tail call may sit on

_CALL = Class.JMP | JmpOp.CALL
_MOV64_X = Class.ALU64 | Source.X | AluOp.MOV
_ADD64_K = Class.ALU64 | Source.K | AluOp.ADD
_TAIL_CALL = BY_NAME["bpf_tail_call"].id


def _round_up_depth(depth: int, jit: bool = True) -> int:
    """A subprogram's stack as the chain check counts it (``round_up_stack_depth``): as the JIT
    reserves it, or, before 6.9, in the interpreter's 32-byte granules (at least one)."""
    if jit:
        return (depth + 15) // 16 * 16
    return (max(depth, 1) + 31) // 32 * 32


def _private_stack(prog_type: ProgType | None, attach_type: AttachType) -> bool:
    """Whether the main program's call tree may use private stacks (``bpf_enable_priv_stack``
    on an x86-64 JIT), for programs that may nest on one CPU. Measured on 6.18: perf_event
    programs get them, kprobe, tracepoint and raw tracepoint programs do not (although the
    source names them too); tracing programs (other than iterators) get them by the source, as
    no fentry program can be loaded here to measure."""
    if prog_type == ProgType.PERF_EVENT:
        return True
    return prog_type == ProgType.TRACING and attach_type != AttachType.TRACE_ITER


def check_stack_depth(
    structure: Structure,
    depths: Sequence[int],
    *,
    prog_type: ProgType | None = None,
    attach_type: AttachType = AttachType.NONE,
    async_callbacks: Collection[int] | None = None,
    async_roots: bool = True,
    async_calls: bool = True,
    jit_rounding: bool = True,
) -> None:
    """Bound every call chain's frames and combined stack (``check_max_stack_depth``).

    The main program and every async callback root a chain. A chain follows local calls and
    the addresses of synchronous callbacks (a callback runs on its caller's stack), not those
    of async ones. Each subprogram adds its depth, rounded up to 16 bytes as the JIT reserves it;
    where the program type has private stacks, a subprogram of the main program's tree (and of
    no async callback's) with 64 bytes or more gets its own and adds nothing.

    Args:
        structure: from :func:`check_structure`.
        depths: the stack depth of each subprogram, as the interpreter found it.
        prog_type, attach_type: the program's, which decide private stacks.
        async_callbacks: the indices of the subprograms the interpreter saw passed to an async
            helper; by default those :attr:`Subprogram.callback` marks async.
        async_roots: whether each async callback roots a chain of its own (the kernel's from
            6.1.y and 6.4 on); before, nothing bounds the stack of what only a timer calls.
        async_calls: whether a direct call of an async callback enters it (from 5.15.y, 6.1.y
            and 6.4 on); before, the walk skipped async callbacks however they were reached.
        jit_rounding: whether depths round to the JIT's 16 bytes (6.9 on) or to 32.

    Raises:
        VerifierError: ``the call stack of N frames is too deep !``, ``combined stack size of N
            calls is M. Too large``, ``stack size of subprog N is M. Too large`` or
            ``tail_calls are not allowed when call stack of previous frames is N bytes. Too
            large``.
    """
    began = time.perf_counter()
    if async_callbacks is None:
        async_callbacks = {s.index for s in structure.subprograms if s.callback == CallbackKind.ASYNC}
    slots = structure.slots
    tail_calls = frozenset(
        structure.subprogram_at(pc).index
        for pc, s in enumerate(slots)
        if s.opcode == _CALL and s.src == CallSrc.HELPER and s.imm == _TAIL_CALL
    )
    edges = [
        tuple(
            c for c in structure.callees(sub.index)
            if c.callee not in async_callbacks or not c.is_address and async_calls
        )
        for sub in structure.subprograms
    ]
    own = [_round_up_depth(d, jit_rounding) for d in depths]
    roots = [
        s.index for s in reversed(structure.subprograms) if s.index == 0 or async_roots and s.index in async_callbacks
    ]
    adaptive: frozenset[int] = frozenset()
    if not tail_calls and _private_stack(prog_type, attach_type):
        shared = _reach(edges, [r for r in roots if r])
        adaptive = frozenset(i for i in _reach(edges, [0]) - shared if own[i] >= PRIV_STACK_MIN_SIZE)
    chain = _Chains(edges, [0 if i in adaptive else d for i, d in enumerate(own)], tail_calls)
    try:
        for root in roots:
            _walk_chain(chain, root, own, adaptive)
    except VerifierError as err:
        attach_verbose_log(err, [sub.start for sub in structure.subprograms], depths, began)
        raise


def _reach(edges: Sequence[Sequence[CallSite]], roots: Sequence[int]) -> set[int]:
    seen, todo = set(roots), list(roots)
    while todo:
        for site in edges[todo.pop()]:
            if site.callee not in seen:
                seen.add(site.callee)
                todo.append(site.callee)
    return seen


class _Chains:
    """Bounds over every chain below a subprogram, so that a walk enters only the subtrees
    where a limit can be broken (the kernel's walk visits every chain; a hostile program could
    make that exponential here, before any interpreter limit stops it). A cycle has no bound."""

    _NONE = 1 << 40

    def __init__(self, edges: Sequence[Sequence[CallSite]], cost: Sequence[int], tail_calls: Collection[int]) -> None:
        self.edges, self.cost, self.tail_calls = edges, cost, tail_calls
        self.height: dict[int, int] = {}  # frames of the longest chain
        self.stack: dict[int, int] = {}  # stack of the deepest chain
        self.tail: dict[int, int] = {}  # most stack above a tail call, -1 for none

    def bounds(self, root: int) -> tuple[int, int, int]:
        if root not in self.height:
            self._fill(root)
        return self.height[root], self.stack[root], self.tail[root]

    def _fill(self, root: int) -> None:
        open_ = {root}
        todo: list[tuple[int, Iterator[CallSite]]] = [(root, iter(self.edges[root]))]
        while todo:
            node, sites = todo[-1]
            site = next(sites, None)
            if site is not None:
                if site.callee not in self.height and site.callee not in open_:
                    open_.add(site.callee)
                    todo.append((site.callee, iter(self.edges[site.callee])))
                continue
            todo.pop()
            below = [(self._NONE,) * 3 if s.callee in open_ else self.bounds(s.callee) for s in self.edges[node]]
            open_.discard(node)
            self.height[node] = 1 + max((b[0] for b in below), default=0)
            self.stack[node] = self.cost[node] + max((b[1] for b in below), default=0)
            tails = [self.cost[node] + b[2] for b in below if b[2] >= 0]
            self.tail[node] = max([0] * (node in self.tail_calls) + tails, default=-1)

    def harmless(self, callee: int, frames: int, depth: int) -> bool:
        """Whether no chain below ``callee``, entered with ``frames`` frames above it and
        ``depth`` bytes of stack, breaks a limit."""
        height, stack, tail = self.bounds(callee)
        return frames + height <= MAX_CALL_FRAMES and depth + stack <= MAX_BPF_STACK and depth + tail < TAIL_CALL_STACK_LIMIT


def _walk_chain(chains: _Chains, root: int, own: Sequence[int], adaptive: Collection[int]) -> None:
    """One ``check_max_stack_depth_subprog``: the chains from ``root``, depth first in PC
    order, with an explicit stack of (subprogram, its remaining call sites)."""
    frames: list[tuple[int, Iterator[CallSite]]] = []
    depth = 0
    sub = root
    while True:
        if sub and sub in chains.tail_calls and depth >= TAIL_CALL_STACK_LIMIT:
            raise refuse(
                f"tail_calls are not allowed when call stack of previous frames is {depth} bytes. Too large",
                errno=EACCES,
            )
        if sub in adaptive:
            if own[sub] > MAX_BPF_STACK:
                raise refuse(f"stack size of subprog {sub} is {own[sub]}. Too large", errno=EACCES)
        else:
            depth += own[sub]
            if depth > MAX_BPF_STACK:
                raise refuse(f"combined stack size of {len(frames) + 1} calls is {depth}. Too large", errno=EACCES)
        frames.append((sub, iter(chains.edges[sub])))
        site = None
        while frames:
            sites = frames[-1][1]
            site = next((s for s in sites if not chains.harmless(s.callee, len(frames), depth)), None)
            if site is not None:
                break
            depth -= chains.cost[frames.pop()[0]]
        if site is None:
            return
        if len(frames) >= MAX_CALL_FRAMES:
            raise refuse(f"the call stack of {len(frames)} frames is too deep !", pc=site.pc, errno=E2BIG)
        sub = site.callee


# -- until the interpreter measures them ----------------------------------------------------


def estimate_stack_depths(structure: Structure) -> list[int]:
    """Each subprogram's stack depth read from its code: the lowest offset from ``r10`` that it
    accesses or takes the address of, following copies of ``r10`` and constant adds in PC
    order. The interpreter measures what is accessed, path by path; compilers form addresses
    only of the slots they use, so the two agree on compiled code."""
    slots = structure.slots
    out = []
    for sub in structure.subprograms:
        lowest = 0
        frame: dict[int, int] = {10: 0}  # register -> its offset from r10
        for pc in range(sub.start, sub.end):
            s = slots[pc]
            cls, mode = s.opcode & 0x07, s.opcode & 0xE0
            if cls == Class.LDX and s.src in frame:
                lowest = min(lowest, frame[s.src] + s.off)
            if cls in (Class.ST, Class.STX) and mode in (Mode.MEM, Mode.ATOMIC) and s.dst in frame:
                lowest = min(lowest, frame[s.dst] + s.off)
            if s.opcode == _MOV64_X and s.src in frame and s.off == 0:
                frame[s.dst] = frame[s.src]
            elif s.opcode == _ADD64_K and s.dst in frame and s.dst != 10:
                frame[s.dst] += s.imm
                lowest = min(lowest, frame[s.dst])
            elif s.dst != 10 and (cls in (Class.ALU, Class.ALU64, Class.LDX) or s.opcode == LDDW):
                frame.pop(s.dst, None)
            clobbers = s.opcode == _CALL or cls == Class.LD and mode in (Mode.ABS, Mode.IND)
            if clobbers:  # r0-r5 hold something else afterwards
                frame = {r: o for r, o in frame.items() if r > 5}
        out.append(min(-lowest, MAX_BPF_STACK) if lowest < 0 else 0)
    return out
