"""What the kernel oracle found, kept as tests that need no kernel: each asserts the kernel's
behaviour (observed on Linux 6.18 by test_differential.py) on pybpf alone.

The runtime's own tests live in tests/runtime; these are here, beside the oracle that found
them, and run everywhere a BPF compiler is available.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.runtime import TestRunError
from pybpf.runtime._compile import compile_c, find_compiler

NEEDS_KERNEL = False  #: conftest: these tests do not get the kernel marker

TESTDATA = Path(__file__).parent / "testdata"
EINVAL = 22

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no clang to build BPF objects")


@pytest.fixture
def rt():  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as runtime:
        yield runtime


@pytest.mark.parametrize("size", [0, 4, 11])
def test_syscall_run_refuses_a_context_shorter_than_the_program_reads(rt, size: int) -> None:
    obj = rt.load(TESTDATA / "ctx_args.bpf.c")
    with pytest.raises(TestRunError) as err:
        obj.programs["read_args"].test_run(ctx=bytes(size) if size else None)
    assert err.value.errno == EINVAL
    assert obj.globals["got"] == 0  # refused before running


def test_syscall_run_with_enough_context(rt) -> None:
    obj = rt.load(TESTDATA / "ctx_args.bpf.c")
    ctx = (1).to_bytes(4, "little") + (2).to_bytes(4, "little") + (3).to_bytes(4, "little")
    assert obj.programs["read_args"].test_run(ctx=ctx).retval == 3
    assert obj.globals["got"] == 3
    out = obj.programs["write_args"].test_run(ctx=ctx + bytes(4)).ctx_out
    assert out == (2).to_bytes(4, "little") + (2).to_bytes(4, "little") + (0x77).to_bytes(4, "little") + bytes(4)


@pytest.mark.parametrize(("repeat", "size"), [(2, 12), (1, 65536)], ids=["repeat", "ctx-over-64k"])
def test_syscall_run_refuses_a_repeat_and_a_huge_context(rt, repeat: int, size: int) -> None:
    obj = rt.load(TESTDATA / "ctx_args.bpf.c")
    with pytest.raises(TestRunError) as err:
        obj.programs["read_args"].test_run(ctx=bytes(size), repeat=repeat)
    assert err.value.errno == EINVAL


def test_a_refused_snprintf_format_fails_the_load(rt) -> None:
    path = compile_c(TESTDATA / "snprintf.bpf.c", ['-DFMT="%d %d"', "-DLEN=8"])
    with pytest.raises(pybpf.VerifierError, match="^Invalid format string$"):
        rt.load(path)


def test_snprintf_prints_what_the_kernel_prints(rt) -> None:
    path = compile_c(TESTDATA / "snprintf.bpf.c", ['-DFMT="%px|%pI4|%s|%+x"', "-DLEN=32"])
    obj = rt.load(path)
    obj.programs["format_one"].test_run()
    text = obj.globals["out"][7].split(b"\0")[0]
    # args: 42, 0x1234 (an unreadable address: zeros), 7 (unreadable: nothing), 8
    assert text == b"000000000000002a|0.0.0.0||8"
    assert obj.globals["res"][15] == len(text) + 1


def test_bpf_loop_too_many_loops_is_a_32_bit_errno(rt) -> None:
    obj = rt.load(TESTDATA / "callbacks.bpf.c")
    obj.programs["loops"].test_run()
    assert obj.globals["res"][4] == 0xFFFF_FFF9  # the inlined bpf_loop's 32-bit -E2BIG


def test_queue_pop_on_empty_zeroes_the_value(rt) -> None:
    obj = rt.load(TESTDATA / "queue_stack.bpf.c")
    obj.programs["queue_ops"].test_run()
    got = obj.globals["got"]
    assert obj.globals["res"][11] == -2 and obj.globals["res"][12] == -2  # ENOENT: empty
    assert got[12] == 0 and got[13] == 0  # the failed pop, then the failed peek


def test_ring_buffer_sizes_are_rounded_up_as_libbpf_does(rt) -> None:
    path = compile_c(TESTDATA / "bad_maps.bpf.c", ["-DCASE=5"])  # a ring buffer of 5000 bytes
    assert rt.load(path).maps["m"].max_entries == 8192


@pytest.mark.parametrize(("size", "linear"), [(64, 64), (3520, 3520), (5000, 3520), (73152, 3520)])
def test_xdp_data_beyond_a_page_goes_to_fragments(rt, size: int, linear: int) -> None:
    obj = rt.load(TESTDATA / "packet.bpf.c")
    data = bytes(range(256)) * (size // 256 + 1)
    res = obj.programs["xdp_fields"].test_run(data=data[:size])
    assert obj.globals["seen"][0] == linear  # data_end - data: the linear part only
    assert res.data_out == data[:size]  # data_out has the fragments too


def test_xdp_data_needing_too_many_fragments_is_enomem(rt) -> None:
    obj = rt.load(TESTDATA / "packet.bpf.c")
    with pytest.raises(TestRunError) as err:
        obj.programs["xdp_fields"].test_run(data=bytes(73153))
    assert err.value.errno == 12
