"""struct_ops objects: refused at load with the reason, since pybpf models no kernel struct_ops
type (the kernel creates the map only for one it registered)."""

from __future__ import annotations

import pytest

import pybpf

SOURCE = """
struct my_ops { int (*run)(int); char name[16]; };

SEC("struct_ops/run")
int run(unsigned long long *ctx) { return 0; }

SEC(".struct_ops")
struct my_ops ops = { .run = (void *)run, .name = "mine" };

char LICENSE[] SEC("license") = "GPL";
"""


def test_a_struct_ops_object_is_refused_naming_its_map(c_file) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.ElfError, match=r"struct_ops map 'ops' in section \.struct_ops: pybpf models no kernel struct_ops type"
    ):
        rt.load(c_file(SOURCE))


NO_PROGRAMS = """
struct sched_ext_ops { char name[128]; };

SEC(".struct_ops.link")
struct sched_ext_ops minimal = { .name = "minimal" };

char LICENSE[] SEC("license") = "Dual MIT/GPL";
"""


def test_a_struct_ops_variable_naming_no_program_loads(c_file) -> None:  # type: ignore[no-untyped-def]
    """As with libbpf on Linux 6.18 (observed, for a type the kernel lacks too): nothing to
    create, nothing refused."""
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(c_file(NO_PROGRAMS))
        assert dict(obj.programs) == {}
