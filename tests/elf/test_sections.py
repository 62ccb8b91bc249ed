"""SEC() names become program types, attach types and targets as libbpf's table says."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pybpf._spec import AttachType, CollectionSpec, ProgType
from pybpf.elf import ElfError, SectionType, section_program_type

P, A = ProgType, AttachType

# name → (prog type, attach type, attach_to, sleepable)
CASES: dict[str, tuple[ProgType, AttachType, str, bool]] = {
    "socket": (P.SOCKET_FILTER, A.NONE, "", False),
    "kprobe/do_unlinkat": (P.KPROBE, A.NONE, "do_unlinkat", False),
    "kprobe": (P.KPROBE, A.NONE, "", False),
    "kretprobe/do_unlinkat": (P.KPROBE, A.NONE, "do_unlinkat", False),
    "uprobe//bin/sh:main": (P.KPROBE, A.NONE, "/bin/sh:main", False),
    "uprobe.s/lib.so:f": (P.KPROBE, A.NONE, "lib.so:f", True),
    "tracepoint/syscalls/x": (P.TRACEPOINT, A.NONE, "syscalls/x", False),
    "tp/sched/sched_switch": (P.TRACEPOINT, A.NONE, "sched/sched_switch", False),
    "raw_tracepoint/sys_enter": (P.RAW_TRACEPOINT, A.NONE, "sys_enter", False),
    "raw_tp/sys_exit": (P.RAW_TRACEPOINT, A.NONE, "sys_exit", False),
    "raw_tp.w/bpf_test_finish": (P.RAW_TRACEPOINT_WRITABLE, A.NONE, "bpf_test_finish", False),
    "tp_btf/sched_switch": (P.TRACING, A.TRACE_RAW_TP, "sched_switch", False),
    "fentry/bpf_fentry_test1": (P.TRACING, A.TRACE_FENTRY, "bpf_fentry_test1", False),
    "fexit/bpf_fentry_test1": (P.TRACING, A.TRACE_FEXIT, "bpf_fentry_test1", False),
    "fmod_ret/bpf_modify_return": (P.TRACING, A.MODIFY_RETURN, "bpf_modify_return", False),
    "fentry.s/bpf_fentry_test1": (P.TRACING, A.TRACE_FENTRY, "bpf_fentry_test1", True),
    "fexit.s/f": (P.TRACING, A.TRACE_FEXIT, "f", True),
    "freplace/handler": (P.EXT, A.NONE, "handler", False),
    "lsm/file_open": (P.LSM, A.LSM_MAC, "file_open", False),
    "lsm.s/file_open": (P.LSM, A.LSM_MAC, "file_open", True),
    "iter/task": (P.TRACING, A.TRACE_ITER, "task", False),
    "iter.s/task": (P.TRACING, A.TRACE_ITER, "task", True),
    "xdp": (P.XDP, A.XDP, "", False),
    "xdp.frags": (P.XDP, A.XDP, "", False),
    "tc": (P.SCHED_CLS, A.NONE, "", False),
    "tc/ingress": (P.SCHED_CLS, A.TCX_INGRESS, "", False),
    "tc/egress": (P.SCHED_CLS, A.TCX_EGRESS, "", False),
    "tcx/ingress": (P.SCHED_CLS, A.TCX_INGRESS, "", False),
    "tcx/egress": (P.SCHED_CLS, A.TCX_EGRESS, "", False),
    "classifier": (P.SCHED_CLS, A.NONE, "", False),
    "action": (P.SCHED_ACT, A.NONE, "", False),
    "syscall": (P.SYSCALL, A.NONE, "", True),
    "cgroup_skb/ingress": (P.CGROUP_SKB, A.CGROUP_INET_INGRESS, "", False),
    "cgroup_skb/egress": (P.CGROUP_SKB, A.CGROUP_INET_EGRESS, "", False),
    "sk_lookup": (P.SK_LOOKUP, A.SK_LOOKUP, "", False),
    "perf_event": (P.PERF_EVENT, A.NONE, "", False),
    "struct_ops/test_1": (P.STRUCT_OPS, A.NONE, "test_1", False),
    "struct_ops.s/test_2": (P.STRUCT_OPS, A.NONE, "test_2", True),
}


@pytest.mark.parametrize("name", CASES)
def test_section_name_gives_type_attach_type_and_target(name: str) -> None:
    prog_type, attach_type, attach_to, sleepable = CASES[name]
    assert section_program_type(name) == SectionType(
        section=name,
        prog_type=prog_type,
        attach_type=attach_type,
        attach_to=attach_to,
        sleepable=sleepable,
        autoload=True,
    )


def test_leading_question_mark_only_turns_autoload_off() -> None:
    found = section_program_type("?fentry/bpf_fentry_test1")
    assert found == SectionType(
        "fentry/bpf_fentry_test1", P.TRACING, A.TRACE_FENTRY, "bpf_fentry_test1", False, False
    )


@pytest.mark.parametrize(
    "name",
    [
        "foo",
        "kprobeX",  # "kprobe+" needs the bare name or a slash after it
        "xdp/",  # "xdp" is an exact name
        "tc/ingress/x",
        "socket/x",
        "",
        "?",
    ],
)
def test_unknown_section_names_are_refused(name: str) -> None:
    with pytest.raises(ElfError, match=rf"^section '{re.escape(name)}': unknown program type$"):
        section_program_type(name)


def test_specific_patterns_win_over_general_ones() -> None:
    assert section_program_type("xdp.frags/devmap").prog_type == P.XDP
    assert section_program_type("kprobe.multi/f*").attach_to == "f*"
    assert section_program_type("uprobe.multi.s/x").sleepable
    assert section_program_type("cgroup/sock_create").prog_type == P.CGROUP_SOCK


def test_every_program_of_a_compiled_object_gets_its_section_type(
    load: Callable[..., CollectionSpec],
) -> None:
    spec = load("sections")
    assert len(spec.programs) == 34
    assert {p.section for p in spec.programs.values() if p.name.startswith("xdp_")} == {
        "xdp",
        "xdp.frags",
    }
    assert spec.programs["xdp_prog"].section == spec.programs["xdp_second_prog"].section
    for program in spec.programs.values():
        expected = section_program_type(("" if program.autoload else "?") + program.section)
        assert (program.type, program.attach_type, program.attach_to, program.sleepable) == (
            expected.prog_type,
            expected.attach_type,
            expected.attach_to,
            expected.sleepable,
        )
    not_autoloaded = spec.programs["not_autoloaded_prog"]
    assert (not_autoloaded.section, not_autoloaded.autoload) == ("tc", False)
    assert spec.programs["fentry_sleepable_prog"].sleepable
    assert spec.programs["tracepoint_prog"].attach_to == "syscalls/sys_enter_openat"
    assert spec.license == "Dual BSD/GPL"
    assert spec.kernel_version == 0x060100
    assert all(p.license == "Dual BSD/GPL" for p in spec.programs.values())
