"""Helper implementations, run from real programs against a fake runtime."""

from __future__ import annotations

import re

import pytest

from pybpf.engine import ExecContext, Interpreter, Region
from pybpf.helpers import BY_ID, HELPERS, format_bpf, linux_helpers
from pybpf.helpers._format import FormatError
from pybpf.isa import assemble

TIMER_HELPERS = {169, 170, 171, 172}  # implemented with the timer system


class FakeHost:
    """The runtime interface helpers need, with fixed answers."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self.random = iter(range(100, 200))

    def map_at(self, address: int) -> None:
        return None

    def now_ns(self, clock_id: int) -> int:
        return 1_000_000_000 + clock_id

    def trace(self, cpu: int, message: str) -> None:
        self.lines.append((cpu, message))

    def prandom_u32(self) -> int:
        return next(self.random)

    def pid_tgid(self) -> int:
        return (42 << 32) | 43

    def ringbuf_of(self, record: int) -> int:
        return 0


def run(asm: str, host: FakeHost | None = None, **kwargs: object) -> int:
    vm = Interpreter(assemble(asm), helpers=linux_helpers())
    return vm.run(runtime=host or FakeHost(), **kwargs)  # type: ignore[arg-type]


def test_every_declared_helper_is_implemented() -> None:
    assert {h.id for h in HELPERS} == set(linux_helpers())


def test_declarations_are_consistent() -> None:
    assert len({h.name for h in HELPERS}) == len(HELPERS)
    for h in HELPERS:
        assert h.name.startswith("bpf_")
        params = [p for p in h.c_params.split(",") if p.strip() not in ("void", "...")]
        assert len(h.args) >= len(params), h.name
        assert h.doc.endswith(".")


def test_unprivileged_table_hides_cap_bpf_helpers() -> None:
    privileged = {id_ for id_, h in BY_ID.items() if h.privileged}
    assert privileged == TIMER_HELPERS
    assert not privileged & set(linux_helpers(privileged=False))


@pytest.mark.parametrize(
    ("helper", "want"),
    [
        pytest.param(5, 1_000_000_001, id="ktime_get_ns-is-monotonic"),
        pytest.param(125, 1_000_000_007, id="ktime_get_boot_ns-is-boottime"),
        pytest.param(208, 1_000_000_011, id="ktime_get_tai_ns-is-tai"),
        pytest.param(160, 1_000_000_001, id="ktime_get_coarse_ns"),
        pytest.param(7, 100, id="prandom-comes-from-the-runtime"),
        pytest.param(14, (42 << 32) | 43, id="pid_tgid"),
    ],
)
def test_simple_helpers_return_the_runtime_answer(helper: int, want: int) -> None:
    assert run(f"call {helper}\nexit") == want


def test_smp_processor_id_is_the_run_cpu() -> None:
    assert run("call 8\nexit", cpu=1) == 1


def test_trace_printk_formats_and_records_a_line() -> None:
    host = FakeHost()
    # "v=%d %s\n\0" on the stack, then the string "ok"
    asm = """
    lddw %r1, 0x0a73252064253d76
    stxdw [%r10-16], %r1
    mov %r1, 0
    stxb [%r10-8], %r1
    mov %r1, 0x6b6f
    stxw [%r10-24], %r1
    mov %r1, %r10
    add %r1, -16
    mov %r2, 9
    mov %r3, -7
    mov %r4, %r10
    add %r4, -24
    call 6
    exit
    """
    assert run(asm, host) == len("v=-7 ok\n")
    assert host.lines == [(0, "v=-7 ok")]


def test_loop_calls_back_until_told_to_stop() -> None:
    asm = """
    stdw [%r10-8], 0
    mov %r1, 100
    lddw %r2, func cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r1, [%r10-8]
    lsh %r0, 32
    or %r0, %r1
    exit
    cb:
    ldxdw %r3, [%r2]
    add %r3, %r1
    stxdw [%r2], %r3
    mov %r0, 0
    jlt %r1, 9, +1
    mov %r0, 1
    exit
    """
    # ten iterations (0..9) summed into the caller's stack, through the pointer argument
    assert run(asm) == (10 << 32) | 45


def test_loop_refuses_flags_and_too_many_loops() -> None:
    base = "lddw %r2, func cb\nmov %r3, 0\n{}\ncall 181\nexit\ncb:\nmov %r0, 0\nexit"
    assert run(base.format("mov %r1, 1\nmov %r4, 1")) == (-22) & (2**64 - 1)
    assert run(base.format("lddw %r1, 0x800001\nmov %r4, 0")) == (-7) & (2**64 - 1)


def test_probe_read_kernel_copies_program_memory_or_zero_fills() -> None:
    ok = "stdw [%r10-16], 7\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\nmov %r3, %r10\nadd %r3, -16\ncall 113\nldxdw %r0, [%r10-8]\nexit"
    assert run(ok) == 7
    bad = "stdw [%r10-8], 7\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\nmov %r3, 16\ncall 113\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit"
    assert run(bad) == (-14) & (2**64 - 1)


def test_spin_lock_is_a_real_lock() -> None:
    value = Region(8, "value")
    asm = "mov %r6, %r1\ncall 93\nmov %r1, %r6\ncall 94\nmov %r1, %r6\ncall 93\nmov %r1, %r6\ncall 94\nexit"
    vm = Interpreter(assemble(asm), helpers=linux_helpers())
    assert vm.run(value.base, regions=[value], runtime=FakeHost()) == 0


def test_helper_without_runtime_fails_cleanly() -> None:
    with pytest.raises(Exception, match=r"^helper needs a runtime, and this run has none$"):
        Interpreter(assemble("call 5\nexit"), helpers=linux_helpers()).run()


@pytest.mark.parametrize(
    ("fmt", "args", "want"),
    [
        pytest.param("%d|%i", [2**64 - 1, 5], "-1|5", id="signed-32"),
        pytest.param("%u", [2**32 + 3], "3", id="u32-truncates"),
        pytest.param("%lu %llx %lld", [2**64 - 1, 255, 2**64 - 2], "18446744073709551615 ff -2", id="64-bit"),
        pytest.param("%5d|%-3x|%08x", [42, 10, 255], "   42|a  |000000ff", id="width-and-flags"),
        pytest.param("%s!", [0], "str!", id="string"),
        pytest.param("%c%c", [72, 105], "Hi", id="chars"),
        pytest.param("100%%", [], "100%", id="percent"),
        pytest.param("%p", [4096], "0x1000", id="pointer"),
    ],
)
def test_format_bpf(fmt: str, args: list[int], want: str) -> None:
    assert format_bpf(fmt, args, lambda address: "str") == want


@pytest.mark.parametrize("fmt", ["%f", "%d %d", "%n"], ids=["float", "missing-arg", "n"])
def test_format_bpf_refuses_what_the_kernel_refuses(fmt: str) -> None:
    with pytest.raises(FormatError):
        format_bpf(fmt, [1], lambda address: "")


def test_helper_table_signature_matches_the_engine() -> None:
    for fn in linux_helpers().values():
        assert callable(fn)
    assert re.match(r"bpf_\w+", BY_ID[1].name)
    ExecContext  # the type helpers receive
