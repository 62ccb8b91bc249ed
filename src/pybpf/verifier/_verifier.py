"""The verifier's main loop: depth-first exploration of every path with state pruning, as the
kernel's ``do_check`` does, dispatching each instruction to its check family.

Paths fork at conditional jumps the ranges do not decide: the fall-through side continues, the
taken side waits on a stack. At prune points the current state is compared with the states
already verified there (:mod:`._prune`); a covered state ends its path. A state that equals an
ancestor still being explored is an infinite loop. One million processed instructions end
the verification, as in the kernel.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from .._releases import Behaviour
from .._spec import AttachType, ProgType
from ..btf import Func, Var
from ..helpers import BY_ID, KFUNCS, Arg, KfArg
from ..isa import LDDW, Instruction, InstructionError, check_instruction, iter_pcs
from ._alu import check_alu, link_source
from ._bounds import s64
from ._btf_ptr import rcu_section
from ._calls import (
    check_helper_call,
    check_ret_range,
    check_stack_depth,
    check_subprog_call,
    new_frame,
    return_from_frame,
)
from ._env import Env, Facts, Refuse, VerifyInput, check_dst, reg_read
from ._errors import VerifierError
from ._fields import check_fields_reached
from ._globals import check_global_args, global_entry_state
from ._graph import GRAPH_KFUNCS, less_callback_args
from ._jumps import check_cond_jmp
from ._kfuncs import SCALAR_KINDS, KfuncCall, check_kfunc_call
from ._ksyms import check_percpu_addresses, percpu_pointer
from ._ldabs import check_ld_abs
from ._leaks import EXIT, THROW, check_resource_leak, preempt_section
from ._liveness import frame_bits, note_read, note_write, propagate_reads
from ._log import frame_state_str, type_str
from ._mapfuncs import check_map_prog
from ._memory import check_mem_access, coerce, same_pointer_kind
from ._packets import clear_packet_pointers, packet_changing_subprogs
from ._precision import FALLBACK, linked_info, mark_precise, propagate_precision, stack_info
from ._prune import (
    EXACT,
    NOT_EXACT,
    RANGE_WITHIN,
    compute_liveness,
    live_per_frame,
    states_equal,
    states_maybe_looping,
    widen,
)
from ._state import (
    NOT_INIT,
    T_NOT_INIT,
    T_SCALAR,
    T_STACK,
    Checkpoint,
    Frame,
    Reg,
    RegType,
    State,
    scalar_known,
    scalar_unknown,
)
from ._struct_ops import check_struct_ops_attach
from ._timers import check_async_return, check_map_use, timer_callback_state
from ._tnum import MASK64

__all__ = ["sanitize_dead_code", "verify"]

COMPLEXITY_LIMIT = 1_000_000
KFUNCS_BY_ID = {k.id: k for k in KFUNCS}


#: the kfuncs that set a bpf_wq's callback (6.10's name and 7.0's)
_WQ_SET_CALLBACK = frozenset({"bpf_wq_set_callback_impl", "bpf_wq_set_callback"})
#: kfuncs the kernel registers for tracing programs but filters down to socket iterators
#: (``bpf_sk_iter_kfunc_set`` behind ``tracing_iter_filter``): an fentry may not destroy a socket
_ITERATOR_ONLY = frozenset({"bpf_sock_destroy"})

def _is_iterator_next(kfunc_id: int) -> bool:
    proto = KFUNCS_BY_ID.get(kfunc_id)
    return proto is not None and proto.name.startswith("bpf_iter_") and proto.name.endswith("_next")


def _loops_kfunc(kfunc_id: int) -> bool:
    """Whether a kfunc call is a loop head: an iterator's next, or a call back into the
    program (``bpf_rbtree_add``'s ``less``)."""
    proto = KFUNCS_BY_ID.get(kfunc_id)
    return _is_iterator_next(kfunc_id) or proto is not None and proto.name == "bpf_rbtree_add_impl"
#: how many states pybpf keeps at one instruction (a bound on comparison work per visit)
MAX_STATES_PER_INSN = 64
#: the longest history a state keeps before a checkpoint (see :meth:`_Verifier.run`)
_MAX_HISTORY = 32
#: the kernel's history entries past which a prune point always stores a checkpoint
_MAX_MARKS = 40
_MAY_GOTO = 0xE5
_TAIL_CALL = 12
_LOAD_ACQ, _STORE_REL = 0x100, 0x110
#: what atomics may not access, whatever the offset (the kernel's atomic_ptr_type_ok): the
#: context, packets, flow keys and sockets, whose fields are converted on load and store (a
#: socket that may be null is refused later, as any pointer that may be)
_NO_ATOMIC = frozenset({RegType.CTX, RegType.PACKET, RegType.PACKET_META, RegType.FLOW_KEYS,
                        RegType.SOCKET, RegType.SOCK_COMMON, RegType.TCP_SOCK})
#: helpers that call a callback synchronously, maybe many times (the call is a loop head)
_CALLBACK_HELPERS = frozenset({164, 180, 181, 209})
_BPF_LOOP = 181


#: sock_addr hooks whose programs may not refuse (they must return exactly 1)
_SOCK_ADDR_RET_ONE = frozenset({
    AttachType.CGROUP_UDP4_RECVMSG, AttachType.CGROUP_UDP6_RECVMSG, AttachType.CGROUP_UNIX_RECVMSG,
    AttachType.CGROUP_INET4_GETPEERNAME, AttachType.CGROUP_INET6_GETPEERNAME,
    AttachType.CGROUP_UNIX_GETPEERNAME, AttachType.CGROUP_INET4_GETSOCKNAME,
    AttachType.CGROUP_INET6_GETSOCKNAME, AttachType.CGROUP_UNIX_GETSOCKNAME,
})


def _ret_range(inp: VerifyInput) -> tuple[int, int] | None:
    """The range R0 must be in at the main program's exit (``check_return_code``)."""
    t = inp.prog_type
    if t in (ProgType.CGROUP_SKB,):
        return (0, 3) if inp.attach_type == AttachType.CGROUP_INET_EGRESS else (0, 1)
    if t == ProgType.CGROUP_SOCK_ADDR:
        if inp.attach_type in _SOCK_ADDR_RET_ONE:
            return 1, 1
        return (0, 3) if inp.attach_type in (AttachType.CGROUP_INET4_BIND, AttachType.CGROUP_INET6_BIND) else (0, 1)
    if t in (ProgType.CGROUP_SOCK, ProgType.SOCK_OPS, ProgType.CGROUP_DEVICE, ProgType.CGROUP_SYSCTL,
             ProgType.CGROUP_SOCKOPT, ProgType.SK_LOOKUP, ProgType.NETFILTER):
        return 0, 1
    if t == ProgType.RAW_TRACEPOINT:
        return None
    if t == ProgType.TRACING:
        if inp.attach_type in (AttachType.TRACE_FENTRY, AttachType.TRACE_FEXIT):
            return 0, 0
        if inp.attach_type == AttachType.TRACE_ITER:
            return 0, 1
        return None
    if t == ProgType.LSM:  # a hook's errno, or a cgroup LSM program's verdict
        return (0, 1) if inp.attach_type == AttachType.LSM_CGROUP else (-4095, 0)
    return None


#: how many runs of a callback keep precise scalars before they are widened like the others
#: (well below MAX_STATES_PER_INSN)
_CALLBACK_PRECISE_RUNS = 16


class _Verifier:
    def __init__(self, insns: Sequence[Instruction], inp: VerifyInput) -> None:
        self.env = Env(insns, inp)
        env = self.env
        self.live = compute_liveness(env.insns)
        self.explored: dict[int, list[Checkpoint]] = {}
        #: checkpoints by (pc, fingerprint): where an exactly equal state may be
        self.by_fingerprint: dict[tuple[int, tuple[object, ...]], list[Checkpoint]] = {}
        self.prune_points: set[int] = set()
        #: where the kernel's history takes an entry (``mark_jmp_point``): jump targets,
        #: after calls, at calls of synchronous callbacks
        self.jmp_points: set[int] = set()
        self.loop_points: set[int] = set()
        entries = {0}
        for pc, insn in env.insns.items():
            target = insn.jump_target(pc)
            cls = insn.cls
            # the kernel's prune points (visit_insn): after a call and at a subprogram's call
            # (or callback's ldimm64) itself; at a conditional jump itself and its target; at
            # an unconditional jump's target; at a call of a synchronous callback or iterator
            if insn.opcode == 0x85 and insn.src == 1 or insn.opcode == 0x18 and insn.src == 4:
                if target is not None:
                    entries.add(target)
                self.prune_points.update((pc, pc + insn.width))
                self.jmp_points.update((pc + insn.width, target) if target is not None else (pc + insn.width,))
                continue
            if insn.opcode == 0x85:
                self.prune_points.add(pc + 1)
                self.jmp_points.add(pc + 1)
                if insn.src == 2 and _loops_kfunc(insn.imm) or insn.src == 0 and insn.imm in _CALLBACK_HELPERS:
                    self.loop_points.add(pc)
                    self.prune_points.add(pc)
                    self.jmp_points.add(pc)
            elif cls in (0x05, 0x06) and target is not None:
                self.prune_points.add(target)
                self.jmp_points.add(target)
                if insn.opcode & 0xF0 != 0x00:
                    self.prune_points.add(pc)
            if insn.opcode == _MAY_GOTO:
                self.loop_points.add(pc)
                self.prune_points.add(pc)
        env.subprogs = sorted(entries)
        #: global functions after whose call packet pointers are stale
        self.packet_changers = packet_changing_subprogs(env)
        self.stack: list[tuple[int, int, State, int]] = []  # pc, prev, state, log mark
        self.jmps = 0
        self.prev_jmps = 0
        self.prev_insns = 0
        self.total_states = 0
        self.peak_states = 0
        self.cur_states = 0
        self.max_per_insn = 0

    # -- states ---------------------------------------------------------------------------------

    def initial(self) -> State:
        regs = [NOT_INIT] * 11
        regs[1] = Reg(RegType.CTX)
        regs[10] = Reg(RegType.STACK)
        return State([Frame(regs, {}, 0, 0)])

    def start(self, st: State, pc: int) -> None:
        """Verify from ``pc``: the entry of the program or of an asynchronous callback."""
        self.env.log.state(f"{pc}: ", st.copy())
        self.run(st, pc)

    def push(self, pc: int, prev: int, st: State) -> None:
        if st.parent is not None:
            st.parent.branches += 1
        self.stack.append((pc, prev, st, self.env.log.mark()))
        if len(self.stack) > 8192:
            raise Refuse("The sequence of 8193 jumps is too complex.", 7)

    def path_done(self, st: State) -> None:
        cp = st.parent
        while cp is not None:
            cp.branches -= 1
            if cp.branches > 0:
                break
            cp = cp.parent

    def visited(self, pc: int, st: State) -> bool:
        """Whether a state verified at ``pc`` covers ``st`` (the path can stop); may store
        ``st`` as a new checkpoint. Refuses a state equal to one still being explored."""
        env = self.env
        cps = self.explored.setdefault(pc, [])
        may_goto = env.insns[pc].opcode == _MAY_GOTO
        loop = pc in self.loop_points
        fp = _fingerprint(st, self.live, pc)
        if may_goto:
            # a state back at its may_goto a level deeper went round the loop: covered if equal
            for cp in cps:
                if cp.branches > 0 and cp.state.goto_depth != st.goto_depth and (
                        states_equal(cp.state, st, self.live, pc, RANGE_WITHIN)
                        or widen(cp.state, st, True) and states_equal(cp.state, st, self.live, pc, RANGE_WITHIN)):
                    self._pruned_by(cp, st, cp)
                    return True
        if not loop or may_goto:  # iterators and callbacks skip the infinite loop check
            for cp in self.by_fingerprint.get((pc, fp), ()):
                if cp.branches > 0 and cp.state.unroll == st.unroll and cp.state.goto_depth == st.goto_depth \
                        and states_maybe_looping(cp.state, st) and states_equal(cp.state, st, self.live, pc, EXACT):
                    env.log.add(f"infinite loop detected at insn {pc}")
                    env.log.add(f"cur state: {frame_state_str(st)}")
                    raise Refuse(f"old state: {frame_state_str(cp.state)}", 22)
        # a checkpoint here still being explored: the path is going round a loop, whose
        # iterations differ; it stores a state only now and then (as the kernel's)
        looping = False
        # a callback's runs keep precise scalars, as the kernel's do; past _CALLBACK_PRECISE_RUNS
        # runs pybpf widens them too: its precision can be wider than the kernel's (a bpf_loop
        # the kernel proves in a few runs would otherwise run to its count), and the widened
        # state must still find room among the MAX_STATES_PER_INSN checkpoints to converge on
        callback = env.insns[pc].opcode == 0x85 and env.insns[pc].src == 0 \
            and st.frames[-1].callback_depth < _CALLBACK_PRECISE_RUNS
        for cp in list(cps):
            if cp.branches > 0:
                looping = True
                if loop and not may_goto and (
                        states_equal(cp.state, st, self.live, pc, RANGE_WITHIN)
                        or widen(cp.state, st, callback) and states_equal(cp.state, st, self.live, pc, RANGE_WITHIN)):
                    self._pruned_by(cp, st, cp)
                    return True
                continue
            if states_equal(cp.state, st, self.live, pc, RANGE_WITHIN if cp.in_loop else NOT_EXACT, cp.reads):
                self._pruned_by(cp, st, cp if cp.in_loop else None)
                cp.hits += 1
                return True
            cp.misses += 1
            if cp.misses > cp.hits * 3 + 3:  # a state that never prunes is dropped, as in the kernel
                cps.remove(cp)
                self.cur_states -= 1
        jmps, insns = self.jmps - self.prev_jmps, env.processed - self.prev_insns
        force = loop or st.hist_marks > _MAX_MARKS
        if not force and (jmps < 2 or insns < 8 or looping and jmps < 20 and insns < 100):
            return False
        if len(cps) >= MAX_STATES_PER_INSN:
            return False
        self.prev_jmps, self.prev_insns = self.jmps, env.processed
        cp = Checkpoint(pc, st.copy(), st.parent, fingerprint=fp, written=st.written)
        cps.append(cp)
        self.by_fingerprint.setdefault((pc, fp), []).append(cp)
        self._begin_segment(st, cp)
        self.total_states += 1
        self.cur_states += 1
        self.peak_states = max(self.peak_states, self.cur_states)
        self.max_per_insn = max(self.max_per_insn, len(cps))
        return False

    def _begin_segment(self, st: State, cp: Checkpoint) -> None:
        """``cp``, a copy of ``st``, is where ``st``'s history now starts."""
        st.parent = cp
        st.hist = None
        st.written = 0
        st.hist_len = 0
        st.hist_marks = 0

    def _pruned_by(self, cp: Checkpoint, st: State, loop: Checkpoint | None) -> None:
        """``st`` ends, covered by ``cp``: what matters below ``cp`` matters to ``st``'s path.
        When ``cp``'s marks may not be final (a loop's checkpoint still being explored, or one
        compared by range for that reason), the checkpoints of this path up to ``loop`` will
        not learn what the rest of the loop reads and needs precise: they compare by range
        from now on (the kernel's ``loop_entry``, kept for good)."""
        propagate_reads(cp, st)
        propagate_precision(self.env, cp.state, st, live_per_frame(st, self.live, cp.pc))
        up = st.parent
        while loop is not None and up is not None and up is not loop:
            up.in_loop = True
            up = up.parent

    def stats(self) -> str:
        """The kernel's statistics line."""
        return (f"processed {self.env.processed} insns (limit {COMPLEXITY_LIMIT}) max_states_per_insn "
                f"{self.max_per_insn} total_states {self.total_states} peak_states {self.peak_states} mark_read 0")

    # -- the loop -------------------------------------------------------------------------------

    def run(self, st: State, pc: int) -> None:
        env = self.env
        while True:
            # the kernel counts an instruction as processed before it looks for a state that
            # covers it: a pruned one counts too, and the checkpoint heuristics see it
            env.processed += 1
            if env.processed > COMPLEXITY_LIMIT:
                raise Refuse(f"BPF program is too large. Processed {env.processed} insn", 7)
            if pc in self.prune_points and self.visited(pc, st):
                env.log.safe(pc)
                self.path_done(st)
                if not self._pop_into():
                    return
                pc, _prev, st = self._cur
                continue
            insn = env.insns.get(pc)
            if insn is None:
                raise Refuse(f"invalid insn idx {pc} insn_cnt {len(env.insns)}", 22)
            env.cur_pc = pc
            if st.hist_len >= _MAX_HISTORY:
                # a path that stores no checkpoint for long (a loop whose every iteration
                # differs, past MAX_STATES_PER_INSN): a checkpoint used for nothing but
                # cutting the history short keeps each backtracking walk short
                self._begin_segment(st, Checkpoint(pc, st.copy(), st.parent, written=st.written))
            st.hist = (pc, 0, st.hist)
            st.hist_len += 1
            env.log.insn(pc, insn)
            if pc not in env.reached:
                env.reached.add(pc)
                check_fields_reached(insn)
            self._state = st
            nxt = self.step(st, pc, insn)
            if pc in self.jmp_points or st.hist is not None and st.hist[1]:
                st.hist_marks += 1
            if nxt is None:
                self.path_done(st)
                if not self._pop_into():
                    return
                pc, _prev, st = self._cur
                continue
            pc = nxt

    def _pop_into(self) -> bool:
        if not self.stack:
            return False
        pc, prev, st, mark = self.stack.pop()
        self.env.log.resume(mark, prev, pc, st.copy())
        self._cur = (pc, prev, st)
        return True

    def step(self, st: State, pc: int, insn: Instruction) -> int | None:
        """Apply one instruction; return the next PC, or None when the path ends."""
        env = self.env
        cls = insn.cls
        op = insn.opcode
        if cls in (0x04, 0x07):
            if op & 0x08 and op & 0xF0 != 0xB0:
                self._pointer_offset(st, insn)
            check_alu(env, st, insn)
            self._comment(st, insn.dst, insn.src) if op & 0x08 else self._comment(st, insn.dst)
            return pc + 1
        if cls == 0x01:  # LDX
            mode = op & 0xE0
            if mode not in (0x60, 0x80):
                raise Refuse(f"unknown opcode {op:02x}", 22)
            reg_read(st, insn.src)
            check_dst(insn.dst)
            size = _SIZE[op & 0x18]
            base_reg = st.cur.regs[insn.src]
            base = base_reg.type
            loaded = check_mem_access(env, st, pc, insn.src, insn.offset, size, False, sign=mode == 0x80)
            same_pointer_kind(env, pc, base)
            _note_stack(st, base_reg, insn.offset, size)
            st.cur.regs[insn.dst] = loaded if loaded is not None else scalar_unknown()
            self._comment(st, insn.dst, insn.src)
            return pc + 1
        if cls in (0x02, 0x03):
            return self._store(st, pc, insn)
        if cls == 0x00:
            return self._ld(st, pc, insn)
        return self._jmp(st, pc, insn)

    def _pointer_offset(self, st: State, insn: Instruction) -> None:
        """A scalar added to or subtracted from a pointer is its offset: its value matters."""
        regs = st.cur.regs
        dst, src = regs[insn.dst], regs[insn.src]
        if dst.is_pointer != src.is_pointer and T_NOT_INIT not in (dst.type, src.type):
            mark_precise(self.env, st, (insn.src if dst.is_pointer else insn.dst,))

    def _comment(self, st: State, dst: int, src: int = 11) -> None:
        """Log the registers an instruction wrote and read (the same one twice is fine)."""
        regs = st.frames[-1].regs
        if src <= 10:
            self.env.log.comment(((dst, regs[dst]), (src, regs[src])) if dst <= 10 else ((src, regs[src]),))
        elif dst <= 10:
            self.env.log.comment(((dst, regs[dst]),))

    def _store(self, st: State, pc: int, insn: Instruction) -> int:
        env = self.env
        op = insn.opcode
        mode = op & 0xE0
        size = _SIZE[op & 0x18]
        if mode == 0xC0 and insn.cls == 0x03:
            return self._atomic(st, pc, insn, size)
        if mode != 0x60:
            raise Refuse(f"unknown opcode {op:02x}", 22)
        if insn.cls == 0x03:
            value = reg_read(st, insn.src)
            dst = st.cur.regs[insn.dst]
            if dst.type == RegType.STACK and dst.is_const and value.type == RegType.SCALAR \
                    and (dst.off + s64(dst.const) + insn.offset) % 8 == 0:
                # a spill to a slot's start keeps the link with the register it came from,
                # unless the slot is too narrow for the value
                if value.umax.bit_length() <= size * 8:
                    value = link_source(env, st, insn.src)
                elif value.id:
                    value = value.copy()
                    value.id = value.off = 0
        else:
            value = scalar_known(insn.imm & MASK64)
        base = reg_read(st, insn.dst)
        check_mem_access(env, st, pc, insn.dst, insn.offset, size, True, value=value, st_imm=insn.cls == 0x02)
        same_pointer_kind(env, pc, st.cur.regs[insn.dst].type)
        if _note_stack(st, base, insn.offset, size, write=True) and insn.cls == 0x03 and value.is_null_scalar() \
                and (base.off + _s64(base.const) + insn.offset) % 8:
            # zero bytes on the stack stand for this register (at a slot's start it is spilled)
            mark_precise(env, st, (insn.src,))
        self._comment(st, insn.dst, insn.src) if insn.cls == 0x03 else self._comment(st, insn.dst)
        return pc + 1

    def _atomic(self, st: State, pc: int, insn: Instruction, size: int) -> int:
        env = self.env
        imm = insn.imm
        if imm in (_LOAD_ACQ, _STORE_REL):
            ptr = reg_read(st, insn.src if imm == _LOAD_ACQ else insn.dst)
            if imm == _LOAD_ACQ and ptr.type in _NO_ATOMIC and not ptr.null:
                what = "loads from" if imm == _LOAD_ACQ else "stores into"
                regno = insn.src if imm == _LOAD_ACQ else insn.dst
                raise Refuse(f"BPF_ATOMIC {what} R{regno} {type_str(ptr)} is not allowed")
        if imm == _LOAD_ACQ:
            reg_read(st, insn.src)
            check_dst(insn.dst)
            loaded = check_mem_access(env, st, pc, insn.src, insn.offset, size, False)
            st.cur.regs[insn.dst] = loaded if loaded is not None else scalar_unknown()
            return pc + 1
        if imm == _STORE_REL:
            value = reg_read(st, insn.src)
            reg_read(st, insn.dst)
            check_mem_access(env, st, pc, insn.dst, insn.offset, size, True, value=value)
            return pc + 1
        if imm not in _ATOMIC_OPS:
            raise Refuse(f"BPF_ATOMIC uses invalid atomic opcode {imm & 0xFFFF_FFFF:02x}", 22)
        if size not in (4, 8):
            raise Refuse("invalid atomic operand size", 22)
        reg_read(st, insn.src)
        dst = reg_read(st, insn.dst)
        if imm == 0xF1:
            reg_read(st, 0)
        if dst.type in _NO_ATOMIC and not dst.null:
            raise Refuse(f"BPF_ATOMIC stores into R{insn.dst} {type_str(dst)} is not allowed")
        check_mem_access(env, st, pc, insn.dst, insn.offset, size, False, atomic=True)
        check_mem_access(env, st, pc, insn.dst, insn.offset, size, True, value=scalar_unknown(), atomic=True)
        same_pointer_kind(env, pc, dst.type)
        if imm == 0xF1:
            st.cur.regs[0] = _sized(size)
        elif imm & 0x01:
            if insn.src == 10:
                raise Refuse("frame pointer is read only")
            st.cur.regs[insn.src] = _sized(size)
        return pc + 1

    def _ld(self, st: State, pc: int, insn: Instruction) -> int:
        env = self.env
        regs = st.cur.regs
        if insn.opcode == 0x18:
            check_dst(insn.dst)
            regs[insn.dst] = self._lddw(st, pc, insn)
            self._comment(st, insn.dst)
            return pc + 2
        mode = insn.opcode & 0xE0
        if mode not in (0x20, 0x40):
            raise Refuse(f"unknown opcode {insn.opcode:02x}", 22)
        check_ld_abs(env, st, insn)
        for r in range(1, 6):
            regs[r] = NOT_INIT
        regs[0] = _sized(_SIZE[insn.opcode & 0x18])
        if len(st.frames) > 1:
            # a packet too short ends a subprogram early, returning 0 to its caller
            self.push(pc + 1, pc, st.copy())
            regs[0] = scalar_known(0)
            return return_from_frame(env, st)
        return pc + 1

    def _lddw(self, st: State, pc: int, insn: Instruction) -> Reg:
        env = self.env
        src = insn.src
        if src == 0:
            var = env.inp.ksyms.get(pc)
            return scalar_known(insn.imm & MASK64) if var is None else percpu_pointer(var)
        if src == 4:  # a callback: it needs BTF, and must be static (``check_ld_imm``)
            r = Reg(RegType.FUNC)
            r.subprog = pc + 1 + _s32(insn.imm & 0xFFFF_FFFF)
            if env.inp.func_info is not None and not env.inp.func_info:
                raise Refuse("missing btf func_info", 22)
            if r.subprog in env.inp.global_funcs:
                raise Refuse("callback function not static", 22)
            return r
        if src in (1, 2):  # a file descriptor: pybpf's objects name maps by index instead
            raise Refuse(f"fd {insn.imm & 0xFFFF_FFFF} is not pointing to valid bpf_map", 9)
        if src == 3:
            if insn.imm >> 32 & 0xFFFF_FFFF:  # the second half names a module's BTF by fd: none here
                raise Refuse("invalid module BTF object FD specified.", 22)
            _check_pseudo_btf_id(env, insn.imm & 0xFFFF_FFFF)
        if src == 5:
            m = env.map_at(insn.imm & 0xFFFF_FFFF)
            check_map_use(env, m)
            check_map_prog(env, m)
            r = Reg(RegType.CONST_MAP)
            r.map = m
            return r
        if src == 6:
            m = env.map_at(insn.imm & 0xFFFF_FFFF)
            check_map_use(env, m)
            check_map_prog(env, m)
            off = insn.imm >> 32
            if off >= m.value_size:
                raise Refuse(f"invalid access to map value pointer, value_size={m.value_size} off={off}", 13)
            r = Reg(RegType.MAP_VALUE)
            r.map = m
            r.off = off
            return r
        if src == 3:
            return Reg(RegType.BTF_ID)
        raise Refuse("invalid bpf_ld_imm64 insn", 22)

    def _jmp(self, st: State, pc: int, insn: Instruction) -> int | None:
        env = self.env
        op = insn.opcode
        jop = op & 0xF0
        self.jmps += 1  # every instruction of the jump classes counts, calls and exits too
        if op == 0x05:
            return pc + 1 + insn.offset
        if op == 0x06:
            return pc + 1 + insn.imm
        if op == 0x85:
            return self._call(st, pc, insn)
        if op == 0x95:
            return self._exit(st, pc)
        if op == _MAY_GOTO:
            if insn.src or insn.dst or insn.imm:
                raise Refuse("invalid may_goto imm", 22)
            # as the kernel: the jump (the budget spent) is followed now, the fall-through
            # (one more iteration) waits, a level deeper
            deeper = st.copy()
            deeper.goto_depth += 1
            self.push(pc + 1, pc, deeper)
            return pc + 1 + insn.offset
        if jop in (0x80, 0x90) or jop == 0xE0 or jop == 0xF0 or op & 0x07 == 0x06 and jop == 0:
            raise Refuse(f"unknown opcode {op:02x}", 22)
        regs = st.cur.regs
        x = bool(op & 0x08)
        ids = (regs[insn.dst].id, regs[insn.src].id if x else 0)
        if any(ids):
            linked = linked_info(st, ids)
            if linked:
                st.hist = (pc, linked, st.hist[2] if st.hist is not None else None)
        taken, fall = check_cond_jmp(env, st, pc, insn)
        if taken is None or fall is None:  # the ranges decided the branch: they matter
            decided = taken if taken is not None else fall
            assert decided is not None
            regs = decided.cur.regs
            mark_precise(env, decided, [r for r in ((insn.dst, insn.src) if x else (insn.dst,))
                                        if regs[r].type == T_SCALAR])
        target = pc + 1 + insn.offset
        if taken is not None and fall is not None:
            self.push(target, pc, taken)
            self._comment(fall, insn.dst, insn.src) if op & 0x08 else self._comment(fall, insn.dst)
            return pc + 1
        if taken is not None:
            return target
        return pc + 1

    def _call(self, st: State, pc: int, insn: Instruction) -> int | None:
        env = self.env
        if insn.src == 1:
            if pc + 1 + insn.imm in env.inp.global_funcs:
                return self._global_call(st, pc, pc + 1 + insn.imm)
            callee = check_subprog_call(env, st, pc, insn)
            st.frames.append(callee)
            return callee.subprog
        if insn.src == 2:
            return self._kfunc(st, pc, insn)
        if insn.src != 0:
            raise Refuse(f"unknown opcode {insn.opcode:02x}", 22)
        self._helper_precision(st, insn.imm)
        pre = list(st.cur.regs)
        frame = check_helper_call(env, st, pc, insn)
        self._comment(st, 0)
        if insn.imm == _TAIL_CALL and len(st.frames) > 1:
            # a tail call in a subprogram: the failed call goes on; the one that succeeds
            # returns to the caller with R0 unknown and the packet maybe moved
            self.push(pc + 1, pc, st.copy())
            clear_packet_pointers(st)
            st.cur.regs[0] = scalar_unknown()  # the helper itself returns nothing
            return return_from_frame(env, st)
        if frame is not None:
            self._schedule_callback(st, pc, pre, frame)
        return pc + 1

    def _schedule_callback(self, st: State, pc: int, pre: list[Reg], frame: Frame) -> None:
        """A synchronous callback's helper (``push_callback_call``): the path goes on after the
        call as if the callback had not run (yet), and one running the callback waits on the
        stack, its caller still at the call with the arguments, so that the callback's exit
        comes back to the call and schedules another run. Runs stop when a state at the call
        is covered by an earlier one of the same loop, or, for ``bpf_loop``, once as many runs
        as its count's maximum are stacked up (``callback_depth``)."""
        caller = st.cur
        if self.env.insns[pc].imm == _BPF_LOOP and caller.callback_depth >= pre[1].umax:
            caller.callback_depth = 0
            return
        cb = st.copy()
        cb.cur.regs[:] = pre
        cb.cur.callback_depth += 1
        cb.frames.append(frame)
        cb.unroll += 1
        if cb.hist is not None:
            cb.hist = (pc, FALLBACK, cb.hist[2])
        caller.callback_depth = 0
        self.push(frame.subprog, pc, cb)

    def _helper_precision(self, st: State, helper_id: int) -> None:
        """The scalar arguments a helper's checks look at (sizes, constants, NULL for a
        pointer) and a constant array key on the stack, whose value decides whether the
        lookup may return NULL."""
        proto = BY_ID.get(helper_id)
        if proto is None:
            return
        regs = st.cur.regs
        for i, kind in enumerate(proto.args):
            reg = regs[i + 1]
            if reg.type == T_STACK and not _sized_by_checks(proto.args, i):
                note_read(st, frame_bits(reg.frameno))  # what it reads is not checked byte by byte
        # bpf_loop's count decides when its callback's iteration ends
        wanted = [i + 1 for i, kind in enumerate(proto.args) if kind != Arg.DONTCARE
                  and regs[i + 1].type == T_SCALAR
                  and (kind != Arg.ANYTHING or regs[i + 1].is_const or helper_id == _BPF_LOOP and i == 0)]
        slots: list[tuple[int, int]] = []
        if Arg.PTR_TO_MAP_KEY in proto.args and regs[1].type == RegType.CONST_MAP and regs[1].map is not None:
            key = regs[proto.args.index(Arg.PTR_TO_MAP_KEY) + 1]
            if key.type == T_STACK and key.is_const and regs[1].map.type in _ARRAY_TYPES:
                lo = key.off + _s64(key.const)
                fr, first, last, _ = stack_info(key.frameno, lo, regs[1].map.key_size)
                slots = [(fr, spi) for spi in range(first, last + 1)]
        if wanted or slots:
            mark_precise(self.env, st, wanted, slots)

    def _global_call(self, st: State, pc: int, entry: int) -> int:
        """A call of a global function (``check_func_call``): the arguments are checked against
        its prototype, the function itself is verified later on its own, and the caller goes
        on with an unknown scalar in R0."""
        env = self.env
        func = env.inp.global_funcs[entry]
        index = env.subprogs.index(entry)
        bad = False
        for r in range(1, 6):
            if st.cur.regs[r].type == RegType.STACK:
                note_read(st, frame_bits(st.cur.regs[r].frameno))
        mark_precise(env, st, [r for r in range(1, 6) if st.cur.regs[r].type == RegType.SCALAR and st.cur.regs[r].is_const])
        try:
            check_global_args(env, st, pc, func)
        except Refuse as err:
            env.log.add(err.message)
            bad = True
        if st.lock is not None:
            env.log.add("global function calls are not allowed while holding a lock,")
            raise Refuse("use static function instead", 22)
        if bad:
            raise Refuse(f"Caller passes invalid args into func#{index} ('{func.name}')", 22)
        env.log.add(f"Func#{index} ('{func.name}') is global and assumed valid.")
        env.called_globals.add(entry)
        if entry in self.packet_changers:
            clear_packet_pointers(st)
        regs = st.cur.regs
        for regno in range(1, 6):
            regs[regno] = NOT_INIT
        regs[0] = scalar_unknown()
        return pc + 1

    def verify_globals(self) -> None:
        """Each global function a verified path called, on its own, in the kernel's order
        (``do_check_subprogs``): by index, again while verifying them reaches new ones."""
        env = self.env
        done: set[int] = set()
        while True:
            todo = sorted(env.called_globals - done)
            if not todo:
                return
            for entry in todo:
                done.add(entry)
                func = env.inp.global_funcs[entry]
                index = env.subprogs.index(entry)
                self.explored.clear()
                self.by_fingerprint.clear()
                env.log.add(f"Validating {func.name}() func#{index}...")
                self.start(global_entry_state(env, entry, func), entry)
                env.log.add(f"Func#{index} ('{func.name}') is safe for any args that match its prototype")

    def _kfunc(self, st: State, pc: int, insn: Instruction) -> int | None:
        """A kfunc call. The seam for kfunc rules: a declared kfunc's arguments must be set and
        its result is typed by its declaration (pointers become untyped kernel pointers, which
        pybpf never proves in bounds); an undeclared one is refused as the kernel refuses it.
        Acquire/release pairs are not tracked yet."""
        if insn.imm == 0:  # an unresolved weak kfunc: fine only where no path reaches it
            raise Refuse("invalid kernel function call not eliminated in verifier pass", 22)
        proto = KFUNCS_BY_ID.get(insn.imm)
        if proto is None:
            raise Refuse(f"kernel btf_id {insn.imm} is not a function", 22)
        if not proto.offered_to(self.env.inp.prog_type.name) or (
            proto.name in _ITERATOR_ONLY and self.env.inp.attach_type != AttachType.TRACE_ITER
        ):
            raise Refuse(f"calling kernel function {proto.name} is not allowed", 13)
        if st.lock is not None and proto.name not in GRAPH_KFUNCS:
            raise Refuse("function calls are not allowed while holding a lock", 22)
        regs = st.cur.regs
        for regno, param in enumerate(proto.args, 1):
            # the kernel does not read an ``__ign`` argument, and finds an unset scalar one is
            # no scalar (check_kfunc_call_arg below)
            if param.kind != KfArg.IGNORED and (param.kind not in SCALAR_KINDS or regs[regno].type != RegType.NOT_INIT):
                reg_read(st, regno)
        mark_precise(self.env, st, [r for r in range(1, len(proto.args) + 1) if regs[r].type == RegType.SCALAR])
        for r in range(1, len(proto.args) + 1):
            if regs[r].type == RegType.STACK:  # iterators and dynptrs live on the stack
                note_read(st, frame_bits(regs[r].frameno))
        if proto.name in _WQ_SET_CALLBACK:
            self._wq_callback(regs[1], regs[2], proto.name)
        before = st.copy() if proto.name == "bpf_rbtree_add_impl" else None
        call = check_kfunc_call(self.env, st, pc, proto)
        if before is not None and call.graph is not None:
            return self._less_callback(st, before, pc, call)
        rcu_section(st, proto)
        preempt_section(st, proto)
        if proto.name == "bpf_throw":  # an exception: the program unwinds, the path ends here
            check_resource_leak(self.env, st, THROW)
            return None
        regs = st.cur.regs
        for regno in range(1, 6):
            regs[regno] = NOT_INIT
        regs[0] = call.r0
        if _is_iterator_next(insn.imm):
            st.unroll += 1  # an iterator's next call is a loop head, like a callback's helper
        if call.active_r0 is not None:  # the iterator yields: that path waits its turn
            active = st.copy()
            active.cur.regs[0] = call.active_r0
            self.push(pc + 1, pc, active)
        return pc + 1

    def _less_callback(self, st: State, before: State, pc: int, call: KfuncCall) -> int:
        """``bpf_rbtree_add``: the path goes on after the call, and its ``less`` callback is
        verified from the state before it (a synchronous callback, called again and again
        until its states converge, as ``bpf_loop``'s)."""
        less = before.cur.regs[3]
        if less.type != RegType.FUNC:
            raise Refuse("arg2 expected pointer to func", 22)
        after = st.copy()
        for regno in range(1, 6):
            after.cur.regs[regno] = NOT_INIT
        after.cur.regs[0] = call.r0
        self.push(pc + 1, pc, after)
        assert call.graph is not None
        args, cb = less_callback_args(self.env, call.graph)
        st.frames[:] = before.frames
        st.refs = before.refs
        st.frames.append(new_frame(self.env, st, less.subprog, pc, args, cb))
        st.unroll += 1
        if st.hist is not None:
            st.hist = (pc, FALLBACK, st.hist[2])
        return less.subprog

    def _wq_callback(self, wq: Reg, func: Reg, setter: str) -> None:
        """``bpf_wq_set_callback``: the callback is verified as an async root, called with
        (map, key, value) of the map the wq lives in, as a timer callback is."""
        if func.type != RegType.FUNC:
            raise Refuse(f"R2 type={type_str(func)} expected=func", 22)
        if func.subprog in self.env.inp.global_funcs:
            raise Refuse("callback function not static", 22)
        if wq.type != RegType.MAP_VALUE or wq.map is None:
            raise Refuse("arg#0 doesn't point to a map value", 22)
        self.env.async_callbacks.append((func.subprog, timer_callback_state(self.env, func.subprog, wq.map, setter)))

    def _exit(self, st: State, pc: int) -> int | None:
        env = self.env
        if len(st.frames) > 1:  # a subprogram may return nothing (a void function)
            if st.cur.callback is not None:  # its R0 is checked; the walk stops at callbacks
                mark_precise(env, st, (0,))
                if st.hist is not None:
                    st.hist = (pc, FALLBACK, st.hist[2])
            return return_from_frame(env, st)
        frame = st.frames[0]
        check_stack_depth(env, frame)
        check_resource_leak(env, st, EXIT)
        ops = env.inp.struct_ops
        if ops is not None and not ops.returns and frame.callback is None and frame.subprog not in env.inp.global_funcs:
            return None  # the main program of a void struct_ops member: R0 is not looked at
        r0 = reg_read(st, 0)
        cb = frame.callback
        if cb is not None or _ret_range(env.inp) is not None:
            mark_precise(env, st, (0,))
        if cb is not None and cb.is_async and not env.inp.release.has(Behaviour.ASYNC_RETURN_MESSAGE):
            check_async_return(env.inp.release, r0)
            return None
        if cb is not None:
            check_ret_range(r0, cb.ret_min, cb.ret_max,
                            "At async callback return" if cb.is_async else "At callback return")
            return None
        if frame.subprog in env.inp.global_funcs:
            if r0.type != RegType.SCALAR:
                raise Refuse(f"At subprogram exit the register R0 is not a scalar value ({type_str(r0)})", 22)
            return None
        rng = _ret_range(env.inp)
        if rng is not None:
            low32 = env.inp.prog_type == ProgType.LSM and env.inp.attach_type == AttachType.LSM_MAC
            check_ret_range(r0, rng[0], rng[1], "At program exit", low32)
        return None


_ARRAY_TYPES = frozenset({2, 6})  # BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY
_MAP_MEM = frozenset({Arg.PTR_TO_MAP_KEY, Arg.PTR_TO_MAP_VALUE, Arg.PTR_TO_UNINIT_MAP_VALUE})
_SIZED_MEM = frozenset({Arg.PTR_TO_MEM, Arg.PTR_TO_UNINIT_MEM, Arg.PTR_TO_MEM_OR_NULL, Arg.PTR_TO_UNINIT_MEM_OR_NULL})


def _sized_by_checks(args: Sequence[Arg], i: int) -> bool:
    """Whether the checks of a helper's stack argument ``i`` go through the stack range
    check (which marks the bytes read): map keys and values, memory with a size argument."""
    if args[i] in _MAP_MEM:
        return True
    return args[i] in _SIZED_MEM and i + 1 < len(args) and args[i + 1] in (Arg.CONST_SIZE, Arg.CONST_SIZE_OR_ZERO)


def _note_stack(st: State, base: Reg, off: int, size: int, write: bool = False) -> bool:
    """Note in the history which stack slots a load or store at a constant offset touched (the
    walk follows spills and fills through them), and what a store wrote whole. Returns
    whether it was such an access."""
    if base.type != T_STACK or not base.is_const or st.hist is None:
        return False
    lo = base.off + _s64(base.const) + off
    st.hist = (st.hist[0], stack_info(base.frameno, lo, size), st.hist[2])
    if write:
        note_write(st, base.frameno, lo, size)
    return True


def _s64(u: int) -> int:
    return u - (1 << 64) if u >> 63 else u


def _check_pseudo_btf_id(env: Env, type_id: int) -> None:
    """A ``lddw`` of a kernel variable or function by BTF id (left raw: libbpf resolves its
    ``__ksym`` externs to such ids, pybpf's loader to constants) must name a ``var`` or a
    ``func`` of the kernel's BTF (``check_pseudo_btf_id``)."""
    spec = env.inp.kernel_btf
    if spec is None or type_id >= len(spec):
        raise Refuse(f"ldimm64 insn specifies invalid btf_id {_s32(type_id)}.", 2)
    if not isinstance(spec.type_by_id(type_id), (Var, Func)):
        raise Refuse(f"pseudo btf_id {_s32(type_id)} in ldimm64 isn't KIND_VAR or KIND_FUNC", 22)


def _fingerprint(st: State, live: dict[int, frozenset[int]], pc: int) -> tuple[object, ...]:
    """A summary two exactly equal states share: the frames and their live registers."""
    parts: list[object] = [len(st.frames)]
    for i, frame in enumerate(st.frames):
        at = pc if i == len(st.frames) - 1 else st.frames[i + 1].callsite + 1
        regs = frame.regs
        for r in live.get(at, _ALL_REGS):
            reg = regs[r]
            parts.append(reg.type)
            parts.append(reg.off)
            parts.append(reg.var_off.value)
            parts.append(reg.var_off.mask)
    return tuple(parts)


_ALL_REGS = frozenset(range(10))


def _s32(u: int) -> int:
    return u - (1 << 32) if u >> 31 else u


def _sized(size: int) -> Reg:
    """An unknown value of ``size`` bytes, zero-extended."""
    return coerce(scalar_unknown(), size)


_SIZE = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}
_ATOMIC_OPS = frozenset({0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xA0, 0xA1, 0xE1, 0xF1})


def sanitize_dead_code(insns: Sequence[Instruction], reachable: Collection[int]) -> list[Instruction]:
    """The program with every instruction no path reaches replaced by a jump to itself, as the
    kernel does after verification, so that engines never meet what the verifier never judged.

    Raises:
        VerifierError: a reached instruction the kernel runs but pybpf's engines cannot.
    """
    out = []
    for pc, insn in iter_pcs(insns):
        if pc in reachable:
            if insn.opcode == 0x95 and insn.offset:  # the kernel ignores exit's offset
                insn = Instruction(0x95)
            try:
                check_instruction(insn, pc)
            except InstructionError as err:  # what the kernel runs but pybpf's engines cannot
                raise VerifierError([str(err)], pc=pc) from None
            out.append(insn)
        elif insn.opcode == LDDW:
            out.append(Instruction(LDDW))
        else:
            out.append(Instruction(0x05, offset=-1))
    return out


def verify(insns: Sequence[Instruction], inp: VerifyInput) -> Facts:
    """Verify a program (its subprograms appended) as the kernel would load it.

    Returns:
        What verification proved (:class:`Facts`).

    Raises:
        VerifierError: the program is refused; ``str()`` is the kernel's message, ``.log``
            the log up to it.
    """
    with _collector_paused():
        return _verify(insns, inp)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while verifying. Verification allocates objects
    by the million (registers, history, log entries) and frees them all by reference counting
    (it makes no cycles), while the collector, which scans the survivors again and again as
    they pile up, would otherwise take a third of the time of a long verification."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _verify(insns: Sequence[Instruction], inp: VerifyInput) -> Facts:
    v = _Verifier(insns, inp)
    env = v.env
    try:
        if inp.struct_ops is not None:
            check_struct_ops_attach(inp)
        check_percpu_addresses(inp)
        v.start(v.initial(), 0)
        done: set[int] = set()
        while env.async_callbacks:
            entry, cb_state = env.async_callbacks.pop()
            if entry in done:
                continue
            done.add(entry)
            env.log.add(f"func#{env.subprogs.index(entry) if entry in env.subprogs else 0} @{entry}")
            v.start(cb_state, entry)
        v.verify_globals()
    except Refuse as err:
        env.log.add(err.message)
        env.log.add(v.stats())
        refusal = VerifierError(env.log.lines, pc=env.cur_pc, errno=err.errno)
        refusal.verbose_log = "\n".join(env.log.trace)
        raise refusal from None
    env.log.add(v.stats())
    return env.facts()

