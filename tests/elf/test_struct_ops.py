"""struct_ops objects read as libbpf reads them: each ``.struct_ops`` variable is a one-element
``BPF_MAP_TYPE_STRUCT_OPS`` map, the relocations of its function pointers name the programs
that implement its members, and the programs learn the member they implement."""

from __future__ import annotations

import pytest

import pybpf
from pybpf._spec import ProgType
from pybpf.elf import load_collection

OPS = """
struct sock;
struct my_ops { int (*run)(struct sock *sk); int (*stop)(struct sock *sk); unsigned int flags; char name[16]; };
"""

SOURCE = OPS + """
SEC("struct_ops/run")
int run(unsigned long long *ctx) { return 0; }
SEC("struct_ops/spare")
int spare(unsigned long long *ctx) { return 1; }
SEC("?struct_ops/hidden")
int hidden(unsigned long long *ctx) { return 2; }

SEC(".struct_ops")
struct my_ops ops = { .run = (void *)run, .flags = 3, .name = "mine" };
SEC(".struct_ops.link")
struct my_ops linked = { .run = (void *)run };  /* one program may serve the same member twice */
SEC("?.struct_ops")
struct my_ops off = { .run = (void *)hidden };

char LICENSE[] SEC("license") = "GPL";
"""


def test_each_variable_is_a_one_element_struct_ops_map(c_file) -> None:  # type: ignore[no-untyped-def]
    from pybpf.runtime._compile import compile_c

    spec = load_collection(compile_c(c_file(SOURCE), []))
    ops, linked = spec.maps["ops"], spec.maps["linked"]
    assert (ops.type, ops.key_size, ops.max_entries, ops.flags) == (26, 4, 1, 0)
    assert linked.flags == 0x2000  # BPF_F_LINK: the section is .struct_ops.link
    assert ops.struct_ops is not None and ops.struct_ops.type_name == "my_ops"
    assert dict(ops.struct_ops.programs) == {"run": "run"}
    assert ops.data is not None and ops.data[16:20] == (3).to_bytes(4, "little")
    assert "off" not in spec.maps  # a ?.struct_ops map is not created


def test_programs_learn_their_member_and_unused_ones_keep_their_autoload(c_file) -> None:  # type: ignore[no-untyped-def]
    from pybpf.runtime._compile import compile_c

    programs = load_collection(compile_c(c_file(SOURCE), [])).programs
    assert programs["run"].type == ProgType.STRUCT_OPS
    assert programs["run"].struct_ops == ("my_ops", "run")  # the first map that uses it
    assert programs["spare"].struct_ops is None and programs["spare"].autoload
    assert not programs["hidden"].autoload  # only a map that is not created uses it


def test_one_program_for_two_members_is_refused(c_file) -> None:  # type: ignore[no-untyped-def]
    source = OPS + """
SEC("struct_ops/run") int run(unsigned long long *ctx) { return 0; }
SEC(".struct_ops") struct my_ops ops = { .run = (void *)run, .stop = (void *)run };
char LICENSE[] SEC("license") = "GPL";
"""
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.ElfError, match=r"^struct_ops init_kern ops func ptr stop: invalid reuse of prog run: it implements my_ops\.run$"
    ):
        rt.load(c_file(source))


def test_a_function_pointer_to_a_non_struct_ops_program_is_refused(c_file) -> None:  # type: ignore[no-untyped-def]
    source = OPS + """
SEC("tc") int run(void *ctx) { return 0; }
SEC(".struct_ops") struct my_ops ops = { .run = (void *)run };
char LICENSE[] SEC("license") = "GPL";
"""
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.ElfError, match=r"^struct_ops reloc ops: prog run is not struct_ops BPF program$"
    ):
        rt.load(c_file(source))


def test_a_struct_ops_type_the_kernel_lacks_fails_as_libbpf_fails(c_file) -> None:  # type: ignore[no-untyped-def]
    """Linux 6.18 registers tcp_congestion_ops and bpf_dummy_ops; sched_ext_ops needs
    CONFIG_SCHED_CLASS_EXT, which the modelled kernel (like the one here) lacks."""
    source = """
struct sched_ext_ops { char name[128]; };
SEC(".struct_ops.link")
struct sched_ext_ops minimal = { .name = "minimal" };
char LICENSE[] SEC("license") = "Dual MIT/GPL";
"""
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.NotSupportedError, match=r"^struct_ops init_kern: struct sched_ext_ops is not found in kernel BTF"
    ):
        rt.load(c_file(source))
