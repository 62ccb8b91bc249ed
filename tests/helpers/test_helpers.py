"""Helper implementations, run from real programs against a fake runtime."""

from __future__ import annotations

import inspect
import re
import typing

import pytest

import pybpf
from pybpf import BpfRuntimeError
from pybpf.engine import AddressSpace, ExecContext, Interpreter, OutOfBoundsError, Region
from pybpf.maps import BPF_F_LOCK, ArrayMap, spin_lock_at
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
    assert privileged == TIMER_HELPERS | {209}  # and bpf_user_ringbuf_drain
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
    # With flags 0 the kernel inlines bpf_loop, and the inlined -E2BIG is a 32-bit move
    # (checked on Linux 6.18 by tests/kernel): 0xfffffff9, not -7 in 64 bits.
    assert run(base.format("lddw %r1, 0x800001\nmov %r4, 0")) == 0xFFFF_FFF9


def test_probe_read_kernel_copies_program_memory_or_zero_fills() -> None:
    ok = "stdw [%r10-16], 7\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\nmov %r3, %r10\nadd %r3, -16\ncall 113\nldxdw %r0, [%r10-8]\nexit"
    assert run(ok) == 7
    bad = "stdw [%r10-8], 7\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\nlddw %r3, {}\ncall 113\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit"
    assert run(bad.format(16)) == (-34) & (2**64 - 1)  # -ERANGE: a user-space address


@pytest.mark.parametrize(
    ("address", "errno"),
    [
        pytest.param(0, 34, id="null-is-a-user-address"),
        pytest.param(0x7FFF_FFFF_F000, 34, id="user-space"),
        pytest.param(0x8000_0000_0000_0000, 34, id="non-canonical"),
        pytest.param(0xFFFF_8880_0000_1000, 14, id="unmapped-kernel-address"),
    ],
)
def test_probe_read_kernel_fails_like_x86_64(address: int, errno: int) -> None:
    asm = "stdw [%r10-8], 7\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\nlddw %r3, {}\ncall 113\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit"
    assert run(asm.format(address)) == (-errno) & (2**64 - 1)  # and the destination is zeroed


def _locked_value() -> tuple[AddressSpace, ArrayMap, int]:
    """An array whose 8-byte value holds a bpf_spin_lock at offset 4; the lock's address."""
    space = AddressSpace()
    m = ArrayMap("locked", 4, 8, 1, space=space, special_fields=[(4, 4)])
    return space, m, m.lookup(b"\0\0\0\0", 0) + 4


def _lock_run(asm: str) -> tuple[Interpreter, int]:
    space, m, lock = _locked_value()
    vm = Interpreter(assemble(asm), helpers=linux_helpers(), space=space)
    vm.keep = m  # type: ignore[attr-defined]
    return vm, lock


LOCK_TWICE = "mov %r6, %r1\ncall 93\nmov %r1, %r6\ncall 94\nmov %r1, %r6\ncall 93\nmov %r1, %r6\ncall 94\nexit"


def test_spin_lock_is_a_real_lock() -> None:
    vm, lock = _lock_run(LOCK_TWICE)
    assert vm.run(lock, runtime=FakeHost()) == 0
    assert not spin_lock_at(lock).locked()


@pytest.mark.parametrize(
    ("asm", "message"),
    [
        pytest.param("mov %r6, %r1\ncall 93\nmov %r1, %r6\ncall 93\nexit", "the run already holds a bpf_spin_lock", id="twice"),
        pytest.param("call 93\nexit", "program exited holding a bpf_spin_lock", id="exit-holding"),
        pytest.param("call 94\nexit", "bpf_spin_unlock: the run does not hold this bpf_spin_lock", id="unlock-unheld"),
        pytest.param("call 93\nmov %r1, 0\ncall 2\nexit", "bpf_map_update_elem: function calls are not allowed while holding a lock", id="map-call-holding"),
        pytest.param("add %r1, -4\ncall 93\nexit", "bpf_spin_lock: 0x[0-9a-f]+ is not a bpf_spin_lock in a map value", id="not-the-field"),
    ],
)
def test_spin_lock_misuse_faults_and_releases_the_lock(asm: str, message: str) -> None:
    vm, lock = _lock_run(asm)
    with pytest.raises(BpfRuntimeError, match=message):
        vm.run(lock, runtime=FakeHost())
    assert not spin_lock_at(lock).locked()  # nobody waits on a lock a dead run left



def test_user_lock_flag_never_waits_on_a_failed_run() -> None:
    vm, lock = _lock_run("call 93\nexit")
    with pytest.raises(BpfRuntimeError):
        vm.run(lock, runtime=FakeHost())
    m = vm.keep  # type: ignore[attr-defined]
    m.update_elem(b"\0\0\0\0", b"\1" * 8, BPF_F_LOCK)
    assert m.lookup_elem(b"\0\0\0\0", BPF_F_LOCK) == b"\1" * 4 + bytes(4)


def test_lock_word_is_hidden_from_programs() -> None:
    vm, lock = _lock_run("ldxw %r0, [%r1]\nexit")
    with pytest.raises(OutOfBoundsError):
        vm.run(lock, runtime=FakeHost())


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
        pytest.param("%px|%-6px|%6px", [4096, 10, 10], "0000000000001000|a     |     a", id="raw-pointer"),
        pytest.param("%p|%pK", [0, 2**64 - 2], "0000000000000000|fffffffffffffffe", id="null-and-error-pointers"),
        pytest.param("%ps|%pS|%pB", [42, 42, 42], "0x2a|0x2a|0x2a", id="no-symbols"),
        pytest.param("%+x|% u|%+d|% d", [5, 5, 5, 5], "5|5|+5| 5", id="sign-flags-only-for-signed"),
        pytest.param("%-05d|%0-5d|%05d", [42, 42, -42], "42   |42   |-0042", id="left-beats-zero"),
        pytest.param("%pi4|%pI6|%pi6", [1, 2, 3], "000.000.000.000|" + ":".join(["0000"] * 8) + "|" + "0" * 32,
                     id="unreadable-ip-is-zeros"),
        pytest.param("%c|%3c|%-3c|", [42, 52, 7], "*|  4|\x07  |", id="chars-with-width"),
        pytest.param("tab\there\n", [], "tab\there\n", id="spaces-are-fine"),
    ],
)
def test_format_bpf(fmt: str, args: list[int], want: str) -> None:
    """What the kernel prints (checked on Linux 6.18 by tests/kernel)."""
    assert format_bpf(fmt, args, lambda address: "str") == want


def test_format_bpf_hashes_plain_pointers_like_the_kernel() -> None:
    """The kernel prints %p as a per-boot hash: 16 hex digits, the upper 8 zero."""
    text = format_bpf("%p|%pK|%20p|", [4096, 4096, 4096], lambda address: "")
    first, second, third, _ = text.split("|")
    assert re.fullmatch("00000000[0-9a-f]{8}", first) and first == second
    assert len(third) == 20 and third.strip() == first.lstrip("0")


def test_format_bpf_strings_and_addresses_from_memory() -> None:
    memory = {16: b"\x0a\x00\x00\x01"}
    text = format_bpf(
        "[%s] [%5s] [%pI4] [%20pI4]",
        [0, 0, 16, 16],
        lambda address: None,  # unreadable: prints nothing
        lambda address, size: memory.get(address),
    )
    assert text == "[] [     ] [10.0.0.1] [10.0.0.1]"  # IP addresses ignore the width


def test_format_bpf_copies_addresses_only_while_the_output_has_room() -> None:
    """bstr_printf copies a pre-formatted IP address only while the buffer is not full."""
    fmt = "%pi4|%pI6|%pI4|"
    assert len(format_bpf(fmt, [0, 0, 0], lambda a: "")) == 16 + 40 + 8
    assert len(format_bpf(fmt, [0, 0, 0], lambda a: "", size=48)) == 16 + 40 + 1


@pytest.mark.parametrize(
    "fmt",
    ["%f", "%d %d", "%n", "%.3d", "%#x", "%hd", "%zu", "%l", "%lllx", "%ls", "%sx", "%p5", "%pN", "bell\a", "caf\xe9"],
)
def test_format_bpf_refuses_what_the_kernel_refuses(fmt: str) -> None:
    with pytest.raises(FormatError):
        format_bpf(fmt, [1], lambda address: "")


@pytest.mark.parametrize("helper_id", sorted(linux_helpers()), ids=lambda i: BY_ID[i].name)
def test_helper_table_signature_matches_the_engine(helper_id: int) -> None:
    """The engine calls ``H<id>(ctx, r1, ..., r5)`` and masks the result to 64 bits: every
    implementation is declared that way and, called from a program with registers that hold
    nothing valid, returns an int or fails as a program fault."""
    fn = linux_helpers()[helper_id]
    hints = typing.get_type_hints(fn)
    params = list(inspect.signature(fn).parameters.values())
    assert hints.pop("return") is int
    assert hints[params[0].name] is ExecContext
    assert all(hint is int for name, hint in hints.items() if name != params[0].name)
    inspect.signature(fn).bind(ExecContext(AddressSpace()), 1, 2, 3, 4, 5)
    zeroed = "".join(f"mov %r{i}, 0\n" for i in range(1, 6))
    with pybpf.Runtime(clock="virtual") as rt:  # the real host: timers, maps, trace
        try:
            r0 = run(f"{zeroed}call {helper_id}\nexit", rt._host)  # type: ignore[arg-type]
        except BpfRuntimeError:
            return
    assert 0 <= r0 < 1 << 64


class QueueHost(FakeHost):
    """A fake runtime with one queue map, at address 0x1000."""

    def __init__(self) -> None:
        super().__init__()
        from pybpf.engine import AddressSpace
        from pybpf.maps import QueueMap

        self.queue = QueueMap("q", 0, 8, 2, space=AddressSpace())

    def map_at(self, address: int):  # type: ignore[no-untyped-def]
        return self.queue if address == 0x1000 else None


@pytest.mark.parametrize("helper", [88, 89], ids=["pop", "peek"])
def test_pop_and_peek_on_an_empty_queue_zero_the_buffer(helper: int) -> None:
    """__queue_map_get zeroes the caller's buffer when the map is empty (checked on 6.18)."""
    asm = f"stdw [%r10-8], -1\nlddw %r1, 0x1000\nmov %r2, %r10\nadd %r2, -8\ncall {helper}\nldxdw %r1, [%r10-8]\nlsh %r0, 32\nor %r0, %r1\nexit"
    assert run(asm, QueueHost()) == ((-2 << 32) | 0) & (2**64 - 1)
