"""Running programs: memory checks, calls and frames, helpers, budgets, packet loads, threads."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest

from pybpf import BpfRuntimeError, InstructionError, InstructionLimitError, OutOfBoundsError
from pybpf.engine import AddressSpace, ExecContext, Region, Visibility
from pybpf.isa import Instruction, assemble

Make = Callable[..., Any]


@pytest.fixture
def vm(engine: Any) -> Make:
    """Builds a program of ``engine`` from assembly."""

    def make(asm: str, **kwargs: object) -> Any:
        return engine(assemble(asm), **kwargs)

    return make


def test_program_is_validated_before_it_runs(engine: Any) -> None:
    with pytest.raises(InstructionError, match=r"^last insn is not an exit or jmp at PC 0$"):
        engine([Instruction(0xB7)])


def test_an_option_no_engine_takes_is_a_type_error(vm: Make) -> None:
    with pytest.raises(TypeError, match=r"^unexpected engine option 'helper'$"):
        vm("exit", helper={})


def test_load_outside_every_region_names_operation_address_size_and_pc(vm: Make) -> None:
    with pytest.raises(OutOfBoundsError) as info:
        vm("mov %r1, 4096\nldxw %r0, [%r1+8]\nexit").run()
    err = info.value
    assert (err.operation, err.pc, err.address, err.size) == ("load", 1, 4104, 4)
    assert re.fullmatch(r"load of 4 bytes at 0x1008 in out-of-bounds memory at PC 1", str(err))


def test_store_past_the_end_of_a_region_is_refused_and_writes_nothing(vm: Make) -> None:
    mem = Region(8, "mem")
    with pytest.raises(OutOfBoundsError, match=r"^store of 8 bytes at 0x[0-9a-f]+ in out-of-bounds memory at PC 0$"):
        vm("stxdw [%r1+4], %r1\nexit").run(mem.base, regions=[mem])
    assert bytes(mem.buf) == bytes(8)


def test_store_into_a_read_only_region_names_it(vm: Make) -> None:
    ro = Region.from_bytes(b"\x01" * 8, ".rodata", writable=False)
    space = AddressSpace([ro])
    prog = vm("stw [%r1+0], 5\nexit", space=space)
    with pytest.raises(OutOfBoundsError, match=r"^store of 4 bytes at 0x[0-9a-f]+ in read-only region '\.rodata' at PC 0$"):
        prog.run(ro.base)
    assert vm("ldxb %r0, [%r1+7]\nexit", space=space).run(ro.base) == 1


def test_reading_below_the_stack_is_out_of_bounds(vm: Make) -> None:
    with pytest.raises(OutOfBoundsError):
        vm("ldxdw %r0, [%r10-4100]\nexit").run()


def test_stack_is_zeroed_for_every_run(vm: Make) -> None:
    prog = vm("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 99\nexit")
    assert prog.run() == 0
    assert prog.run() == 0


def test_private_regions_of_one_run_are_gone_in_the_next(vm: Make) -> None:
    mem = Region.from_bytes(b"\x2a", "mem")
    prog = vm("ldxb %r0, [%r1]\nexit")
    assert prog.run(mem.base, regions=[mem]) == 42
    with pytest.raises(OutOfBoundsError):
        prog.run(mem.base)


def test_shared_regions_are_visible_to_every_run(vm: Make) -> None:
    value = Region(8, "map value")
    space = AddressSpace([value])
    vm("lock add [%r1+0], %r2\nexit", space=space).run(value.base, 5)
    vm("lock add [%r1+0], %r2\nexit", space=space).run(value.base, 6)
    assert int.from_bytes(value.buf, "little") == 11


def test_a_first_window_serves_the_run_only_if_its_program_may_see_it(vm: Make) -> None:
    """run(window=...) spares the lookup of the window a run starts on (a timer callback's
    value); the window of a map the program may not see is no way in, and the next run
    starts without it."""
    mine, theirs = Region(8, "mine", owner="mine"), Region(8, "theirs", owner="theirs")
    space = AddressSpace([mine, theirs])
    prog = vm("stdw [%r1+0], 7\nldxdw %r0, [%r1+0]\nexit", space=space, visible=Visibility(["mine"]))
    assert prog.run(mine.base, window=mine) == 7
    with pytest.raises(OutOfBoundsError, match=r"^store of 8 bytes at 0x[0-9a-f]+ in out-of-bounds memory at PC 0$"):
        prog.run(theirs.base, window=theirs)
    assert bytes(theirs.buf) == bytes(8)
    assert prog.run(mine.base) == 7


def test_each_call_gets_its_own_frame_and_keeps_callee_saved_registers(vm: Make) -> None:
    prog = vm(
        """
        stdw [%r10-8], 1
        mov %r6, 6
        call local f
        ldxdw %r1, [%r10-8]
        add %r0, %r1
        add %r0, %r6
        exit
        f:
        stdw [%r10-8], 100
        ldxdw %r0, [%r10-8]
        mov %r6, 0
        exit
        """
    )
    assert prog.run() == 107


def test_calls_nest_at_most_eight_frames(vm: Make) -> None:
    def chain(depth: int) -> str:
        lines = [f"call local f{1}" if depth > 1 else "mov %r0, 1", "exit"]
        for i in range(1, depth):
            nxt = f"call local f{i + 1}" if i + 1 < depth else "mov %r0, 1"
            lines += [f"f{i}:", nxt, "exit"]
        return "\n".join(lines)

    assert vm(chain(8)).run() == 1
    with pytest.raises(BpfRuntimeError, match=r"^call stack deeper than 8 frames at PC \d+$"):
        vm(chain(9)).run()


def test_runaway_loop_hits_the_instruction_budget(vm: Make) -> None:
    with pytest.raises(InstructionLimitError, match=r"^instruction limit of 1000 exceeded at PC 0$") as info:
        vm("ja -1\nexit", max_instructions=1000).run()
    assert info.value.limit == 1000


def test_instruction_count_spans_subprogram_calls(vm: Make) -> None:
    prog = vm("call local f\nexit\nf:\nmov %r0, 3\nexit")
    assert prog.run() == 3
    assert prog.last_instruction_count == 4


def test_helpers_come_from_the_table_given_to_the_engine(vm: Make) -> None:
    seen: list[tuple[int, ...]] = []

    def helper(ctx: ExecContext, *args: int) -> int:
        seen.append(args)
        return -1  # helpers may return negative numbers; r0 holds them as u64

    prog = vm("mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 7\nexit", helpers={7: helper})
    assert prog.run() == (1 << 64) - 1
    assert seen == [(1, 2, 3, 4, 5)]


def test_unknown_helper_faults_when_called_not_at_load(vm: Make) -> None:
    prog = vm("ja +1\ncall 99\nmov %r0, 1\nexit")
    assert prog.run() == 1
    with pytest.raises(BpfRuntimeError, match=r"^unknown helper 99 at PC 0$"):
        vm("call 99\nexit").run()


def test_callx_calls_the_helper_whose_id_is_in_the_register(vm: Make) -> None:
    prog = vm("mov %r1, 41\nmov %r2, 5\ncall %r2\nexit", helpers={5: lambda ctx, a, *_: a + 1})
    assert prog.run() == 42
    with pytest.raises(BpfRuntimeError, match=r"^unknown helper 6 at PC 1$"):
        vm("mov %r2, 6\ncall %r2\nexit").run()


def test_kfunc_calls_without_an_implementation_are_refused_at_run_time(engine: Any) -> None:
    prog = engine([Instruction(0x85, src=2, imm=1), Instruction(0x95)])
    with pytest.raises(BpfRuntimeError, match=r"^call of kfunc 1 is not supported at PC 0$"):
        prog.run()


def test_kfunc_calls_go_to_the_kfunc_table(engine: Any) -> None:
    prog = engine(
        [Instruction(0xB7, dst=1, imm=20), Instruction(0x85, src=2, imm=3), Instruction(0x95)],
        kfuncs={3: lambda ctx, a, *_: a * 2},
    )
    assert prog.run() == 40


def test_a_poisoned_relocation_says_so_when_called(engine: Any) -> None:
    prog = engine([Instruction(0x85, imm=0xBAD2310), Instruction(0x95)])
    with pytest.raises(BpfRuntimeError, match=r"^CO-RE relocation poisoned \(unresolved on the target BTF\) at PC 0$"):
        prog.run()


def test_subprogram_address_maps_back_to_its_entry(engine: Any) -> None:
    # lddw r1, <address of the subprogram at PC 4>: src 4 is PSEUDO_FUNC, and the kernel counts
    # the immediate from the lddw's own PC plus one (its second slot included in the offset).
    insns = [
        Instruction(0x18, dst=1, src=4, imm=3),
        Instruction(0xBF, dst=0, src=1),
        Instruction(0x95),
        Instruction(0xB7, dst=0, imm=9),
        Instruction(0x95),
    ]
    prog = engine(insns)
    address = prog.run()
    assert prog.function_at(address) == 4
    assert prog.function_at(address + 8) is None
    assert prog.run(entry=4) == 9
    with pytest.raises(BpfRuntimeError, match=r"^no subprogram starts at PC 3$"):
        prog.run(entry=3)


def test_subprogram_code_is_not_addressable_memory(engine: Any) -> None:
    insns = [
        Instruction(0x18, dst=1, src=4, imm=3),
        Instruction(0x79, dst=0, src=1),
        Instruction(0x95),
        Instruction(0x95),
    ]
    with pytest.raises(OutOfBoundsError):
        engine(insns).run()


@pytest.mark.parametrize(
    ("asm", "want"),
    [
        pytest.param("ldabsh 2", 0x0304, id="abs-is-big-endian"),
        pytest.param("mov %r6, 1\nldindw %r6, 1", 0x03040506, id="ind-adds-the-register"),
        pytest.param("ldabsw 6", 0, id="past-the-end-ends-the-run-with-zero"),
        pytest.param("mov %r6, -1\nldindb %r6, 0", 0, id="negative-offset-ends-the-run"),
    ],
)
def test_legacy_packet_loads(asm: str, want: int, vm: Make) -> None:
    pkt = Region.from_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8]), "packet")
    prog = vm(f"mov %r0, 99\n{asm}\nexit")
    assert prog.run(regions=[pkt], packet=pkt) == want


_NET, _LL = -0x100000, -0x200000  # SKF_NET_OFF and SKF_LL_OFF


@pytest.mark.parametrize("head", [0, 14])
@pytest.mark.parametrize(
    ("asm", "want"),
    [
        pytest.param(f"ldabsb {_NET + 2}", 17, id="net-off-counts-from-the-network-header"),
        pytest.param(f"ldabsb {_LL + 3}", 4, id="ll-off-counts-from-the-mac-header"),
        pytest.param(f"ldabsw {_LL + 16}", 0x11121314, id="ll-off-last-word"),
        pytest.param(f"ldabsw {_NET + 3}", 0, id="net-off-past-the-end"),
        pytest.param(f"ldabsb {_LL - 1}", 0, id="before-the-mac-header"),
        pytest.param("ldabsb -1", 0, id="minus-one-is-far-past-the-network-header"),
        pytest.param("ldabsb -3145728", 0, id="below-ll-off"),
        pytest.param(f"mov %r6, {_LL}\nldindh %r6, 12", 0x0D0E, id="ind-from-the-mac-header"),
        pytest.param(f"mov %r6, {_NET}\nldindb %r6, 1", 16, id="ind-from-the-network-header"),
    ],
)
def test_legacy_packet_loads_at_negative_offsets(asm: str, want: int, head: int, vm: Make) -> None:
    """The kernel's SKF_NET_OFF/SKF_LL_OFF areas: the frame starts at the MAC header and the
    network header is 14 bytes in, whether the program's packet starts there or not."""
    frame = Region.from_bytes(bytes(range(1, 21)), "frame")
    prog = vm(f"mov %r0, 99\n{asm}\nexit")
    assert prog.run(regions=[frame], packet=frame, packet_head=head) == want


@pytest.mark.parametrize("head", [0, 14])
def test_positive_legacy_offsets_count_from_the_programs_packet_start(head: int, vm: Make) -> None:
    frame = Region.from_bytes(bytes(range(1, 21)), "frame")
    assert vm("ldabsb 1\nexit").run(regions=[frame], packet=frame, packet_head=head) == head + 2
    assert vm("ldabsb 19\nexit").run(regions=[frame], packet=frame, packet_head=head) == (20 if head == 0 else 0)


@pytest.mark.parametrize(
    ("asm", "memory", "r0"),
    [
        pytest.param("mov %r2, 5\nlock fetch add [%r1+0], %r2\nmov %r0, %r2", 10, 15, id="fetch-add"),
        pytest.param("mov %r2, 5\nlock xchg [%r1+0], %r2\nmov %r0, %r2", 10, 5, id="xchg"),
        pytest.param("mov %r0, 10\nmov %r2, 7\nlock cmpxchg [%r1+0], %r2", 10, 7, id="cmpxchg-hit"),
        pytest.param("mov %r0, 3\nmov %r2, 7\nlock cmpxchg [%r1+0], %r2", 10, 10, id="cmpxchg-miss"),
        pytest.param("mov %r2, -1\nlock fetch and32 [%r1+0], %r2\nmov %r0, %r2", 10, 10, id="fetch-and32-zero-extends"),
    ],
)
def test_atomics_return_the_old_value_and_update_memory(asm: str, memory: int, r0: int, vm: Make) -> None:
    mem = Region.from_bytes(memory.to_bytes(8, "little"), "mem")
    got = vm(f"{asm}\nexit").run(mem.base, regions=[mem])
    assert got == 10
    assert int.from_bytes(mem.buf, "little") == r0


def test_concurrent_runs_on_threads_have_separate_stacks(vm: Make) -> None:
    prog = vm(
        """
        stxdw [%r10-8], %r1
        mov %r0, 0
        loop:
        add %r0, 1
        jlt %r0, 20000, loop
        ldxdw %r0, [%r10-8]
        exit
        """
    )
    results: dict[int, int] = {}

    def worker(i: int) -> None:
        results[i] = prog.run(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: i for i in range(4)}
