"""What a path must give back before it leaves the program (the kernel's
``check_resource_leak``): the spin lock, acquired references, and the RCU and
non-preemptible sections a program opens with kfuncs.

Four ways out share the checks, each naming itself in the message: ``BPF_EXIT`` of the main
program, ``bpf_throw`` (an exception unwinds every frame, so it is checked from any frame and
counts every frame's references), a tail call and ``BPF_LD_[ABS|IND]`` (whose failure exits).
The kernel checks in a fixed order: lock, references, RCU, preemption.
"""

from __future__ import annotations

from ..helpers import KfFlag, KfuncProto
from ._env import Env, Refuse
from ._state import State

__all__ = ["check_resource_leak", "preempt_section"]

#: the prefix each way out gives its messages
EXIT, THROW, TAIL_CALL, LD_ABS = "BPF_EXIT instruction in main prog", "bpf_throw", "tail_call", "BPF_LD_[ABS|IND]"


def check_resource_leak(env: Env, st: State, way_out: str, check_lock: bool = True) -> None:
    """Refuse ``st`` leaving by ``way_out`` while it holds something. References count in the
    main program's frame only, except for ``bpf_throw``, which leaves every frame at once."""
    if check_lock and st.lock is not None:
        raise Refuse(f"{way_out} cannot be used inside bpf_spin_lock-ed region", 22)
    if st.refs and (way_out == THROW or len(st.frames) == 1):
        for ref in st.refs:
            env.log.add(f"Unreleased reference id={ref.id} alloc_insn={ref.insn}")
        raise Refuse(f"{way_out} would lead to reference leak", 22)
    if check_lock and st.rcu:
        raise Refuse(f"{way_out} cannot be used inside bpf_rcu_read_lock-ed region", 22)
    if check_lock and st.preempt:
        raise Refuse(f"{way_out} cannot be used inside bpf_preempt_disable-ed region", 22)


def preempt_section(st: State, proto: KfuncProto) -> None:
    """``bpf_preempt_disable`` and ``bpf_preempt_enable`` count the path's nesting of
    non-preemptible sections (they nest, unlike RCU's); no sleepable kfunc is called inside."""
    if proto.name == "bpf_preempt_disable":
        st.preempt += 1
    elif proto.name == "bpf_preempt_enable":
        if not st.preempt:
            raise Refuse(f"unmatched attempt to enable preemption (kernel function {proto.name})", 22)
        st.preempt -= 1
    elif st.preempt and proto.flags & KfFlag.SLEEPABLE:
        raise Refuse(f"kernel func {proto.name} is sleepable within non-preemptible region", 13)
