"""CO-RE: relocations applied against pybpf's modelled kernel, a given BTF, with libbpf's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.elf._file import read_object
from pybpf.runtime._kernel_btf import struct_offsets

PROGRAM = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct { int pid; int tgid; char comm[16]; struct task_struct *real_parent;
                     unsigned int flags: 3, more: 9; long gone; } __attribute__((preserve_access_index));
struct task_struct___old { long state; } __attribute__((preserve_access_index));
enum E { A = 1, B = 2 };
long out[16];
char name[16];

SEC("syscall")
int fields(void *ctx)
{
    struct task_struct *t = (void *)bpf_get_current_task();
    out[0] = bpf_core_field_offset(struct task_struct, tgid);
    out[1] = bpf_core_field_size(struct task_struct, comm);
    out[2] = bpf_core_field_exists(struct task_struct, gone);
    out[3] = bpf_core_field_exists(((struct task_struct___old *)0)->state);
    out[4] = BPF_CORE_READ(t, real_parent, tgid);
    if (bpf_core_field_exists(t->more))
        out[5] = BPF_CORE_READ_BITFIELD_PROBED(t, more);
    out[6] = bpf_core_type_exists(struct task_struct);
    out[7] = bpf_core_type_size(struct task_struct);
    out[8] = bpf_core_enum_value_exists(enum E, B);
    out[10] = __builtin_preserve_field_info(((struct task_struct *)0)->pid, BPF_FIELD_SIGNED);
    BPF_CORE_READ_STR_INTO(&name, t, real_parent, comm);
    if (bpf_core_field_exists(t->gone))
        out[11] = BPF_CORE_READ(t, gone);
    return 0;
}

SEC("syscall")
int enums(void *ctx)
{
    out[9] = bpf_core_enum_value(enum E, B);
    return 0;
}

SEC("kprobe/do_sys_open")
int BPF_KPROBE(probe, int dfd, const char *filename, int flags)
{
    out[12] = dfd + flags;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""

TARGET = r"""
struct task_struct { long pad; char comm[16]; unsigned int flags: 5, more: 9; struct task_struct *real_parent;
                     int tgid; int pid; };
enum E { B = 7, A = 1 };
struct task_struct t; enum E e;
"""


@pytest.fixture
def source(c_file) -> Path:  # type: ignore[no-untyped-def]
    return c_file(PROGRAM)  # type: ignore[no-any-return]


def test_modelled_kernel_is_the_default_target(source: Path) -> None:
    rt = pybpf.Runtime(clock="virtual", task=pybpf.Task(pid=7, tgid=70, comm="init"))
    obj = rt.load(source, programs=["fields"])
    obj.programs["fields"].test_run()
    out = obj.globals["out"]
    task_size, task_fields = struct_offsets("task_struct")
    assert out[0] == task_fields["tgid"]  # pybpf's own task layout
    assert out[1:4] == [16, 0, 0]  # no 'gone', no old 'state': __state replaced it
    assert out[4] == 70  # the task is its own parent
    assert out[5:8] == [0, 1, task_size]
    assert out[8] == 1 and out[10] == 1  # enum E is not modelled: the object's own stands in
    assert out[11] == 0
    assert obj.globals["name"] == b"init"


def test_a_target_btf_file_moves_every_relocation(source: Path, c_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from pybpf.runtime._compile import find_compiler

    compiler = find_compiler()
    assert compiler is not None
    target_c = tmp_path / "target.c"
    target_c.write_text(TARGET)
    target_o = tmp_path / "target.o"
    flags = ["-target", "bpfel-freestanding" if compiler[-1] == "cc" else "bpf", "-g", "-c"]
    subprocess.run([*compiler, *flags, str(target_c), "-o", str(target_o)], check=True)
    btf_path = tmp_path / "target.btf"
    section = read_object(target_o.read_bytes()).section(".BTF")
    assert section is not None
    btf_path.write_bytes(section.data)
    rt = pybpf.Runtime(clock="virtual", btf=btf_path)
    obj = rt.load(source, programs=["fields", "enums"])
    obj.programs["fields"].test_run()
    obj.programs["enums"].test_run()
    out = obj.globals["out"]
    assert out[0] == 40 and out[1] == 16 and out[2] == 0 and out[3] == 0
    assert out[6:11] == [1, 48, 1, 7, 1]


@pytest.mark.slow  # parses the host's whole BTF
def test_an_unresolved_relocation_is_poisoned_refused_where_reached(source: Path) -> None:
    own = pybpf.Runtime(clock="virtual").load(source, programs=["enums"])
    own.programs["enums"].test_run()
    assert own.globals["out"][9] == 2  # not modelled: the object's own enum stands in
    if not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("no host BTF")
    rt = pybpf.Runtime(clock="virtual", btf="host")
    # The host kernel has no 'enum E': the poisoned call is reachable, which the kernel's
    # verifier refuses as a call of an unknown helper; unverified, it fails when it runs.
    with pytest.raises(pybpf.VerifierError, match=r"^invalid func unknown#195896080$"):
        rt.load(source, programs=["enums"])
    obj = rt.load(source, programs=["enums"], verify=False)
    with pytest.raises(pybpf.BpfRuntimeError, match=r"^program 'enums': CO-RE relocation poisoned \(unresolved on the target BTF\) \(prog\.bpf\.c:\d+\) at PC \d+$"):
        obj.programs["enums"].test_run()


def test_bpf_kprobe_arguments_come_from_the_registers(source: Path) -> None:
    rt = pybpf.Runtime(clock="virtual")
    obj = rt.load(source, programs=["probe"])
    obj.programs["probe"].attach()
    rt.trigger("do_sys_open", 5, 0, 100)
    assert obj.globals["out"][12] == 105


TOOL_FIELDS = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
struct cfs_rq { unsigned int nr_running; } __attribute__((preserve_access_index));
struct sched_entity { struct cfs_rq *cfs_rq; } __attribute__((preserve_access_index));
struct fs_struct { int users; } __attribute__((preserve_access_index));
struct thread_info { unsigned int cpu; } __attribute__((preserve_access_index));
struct task_struct { struct sched_entity se; struct fs_struct *fs; void *thread_pid;
                     struct thread_info thread_info; int pid; } __attribute__((preserve_access_index));
__u64 out[4];

SEC("syscall")
int fields(void *ctx)
{
    struct task_struct *t = (void *)bpf_get_current_task();
    out[0] = bpf_core_field_exists(t->se.cfs_rq) + bpf_core_field_exists(t->fs)
             + bpf_core_field_exists(t->thread_pid) + bpf_core_field_exists(t->thread_info.cpu);
    out[1] = (__u64)BPF_CORE_READ(t, se.cfs_rq);  /* the modelled task runs on no runqueue */
    out[2] = BPF_CORE_READ(t, pid);
    out[3] = bpf_core_field_offset(struct task_struct, fs) != bpf_core_field_offset(struct task_struct, pid);
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_modelled_task_has_the_fields_tools_read(c_file) -> None:  # type: ignore[no-untyped-def]
    """libbpf-tools' filelife reads task->fs and runqlen task->se.cfs_rq: the modelled task
    has them (as Linux 6.18 does), so their relocations resolve instead of poisoning."""
    rt = pybpf.Runtime(clock="virtual", task=pybpf.Task(pid=9, tgid=9, comm="tool"))
    obj = rt.load(c_file(TOOL_FIELDS))
    obj.programs["fields"].test_run()
    assert obj.globals["out"] == [4, 0, 9, 1]
