"""The kfunc registry: declarations as the kernel's kfunc sets give them."""

from __future__ import annotations

import pytest

from pybpf._releases import RELEASES
from pybpf.helpers import KFUNCS, KFUNCS_BY_NAME, KfArg, KfFlag, KfRet, kfunc_proto


def test_ids_are_unique_and_count_from_one() -> None:
    assert [k.id for k in KFUNCS] == list(range(1, len(KFUNCS) + 1))
    assert len(KFUNCS_BY_NAME) == len(KFUNCS)


def test_iterator_kfuncs_carry_the_kernel_flags_and_kinds() -> None:
    new, nxt, destroy = (KFUNCS_BY_NAME[f"bpf_iter_num_{m}"] for m in ("new", "next", "destroy"))
    assert new.flags == KfFlag.ITER_NEW and [a.kind for a in new.args] == [KfArg.PTR_TO_ITER, KfArg.SCALAR, KfArg.SCALAR]
    assert nxt.flags == KfFlag.ITER_NEXT | KfFlag.RET_NULL and nxt.ret == KfRet.PTR_TO_MEM and nxt.ret_null
    assert destroy.flags == KfFlag.ITER_DESTROY and destroy.ret == KfRet.VOID


def test_acquire_release_pairs() -> None:
    acquire, release = KFUNCS_BY_NAME["bpf_task_acquire"], KFUNCS_BY_NAME["bpf_task_release"]
    assert acquire.flags == KfFlag.ACQUIRE | KfFlag.RCU | KfFlag.RET_NULL
    assert release.flags == KfFlag.RELEASE
    assert acquire.args[0].kind == KfArg.PTR_TO_BTF_ID and acquire.args[0].c_type == "struct task_struct *"


def test_parameter_name_suffixes_give_the_scalar_and_nullable_kinds() -> None:
    slice_ = KFUNCS_BY_NAME["bpf_dynptr_slice"]
    assert [a.kind for a in slice_.args] == [KfArg.PTR_TO_DYNPTR, KfArg.SCALAR, KfArg.PTR_TO_MEM_SIZE, KfArg.MEM_SIZE]
    assert slice_.args[2].nullable
    assert [a.kind for a in KFUNCS_BY_NAME["bpf_obj_new_impl"].args] == [KfArg.SCALAR_CONST, KfArg.IGNORED]


@pytest.mark.parametrize(
    ("name", "prog_type", "offered"),
    [
        ("bpf_iter_num_new", "KPROBE", True),  # common_kfunc_set: every type
        ("bpf_task_acquire", "TRACING", True),  # generic_kfunc_set
        ("bpf_task_acquire", "KPROBE", False),
        ("bpf_dynptr_from_xdp", "XDP", True),
        ("bpf_dynptr_from_xdp", "SCHED_CLS", False),
    ],
)
def test_program_types(name: str, prog_type: str, offered: bool) -> None:
    assert KFUNCS_BY_NAME[name].offered_to(prog_type) is offered


def test_every_entry_names_the_release_it_appeared_in() -> None:
    for k in KFUNCS:
        assert k.release in RELEASES, k.name  # the release table knows it: "5.15" to "7.0"


def test_unknown_names_are_none() -> None:
    assert kfunc_proto("bpf_no_such_kfunc") is None

