"""Run-time faults a developer can act on: the program or callback, the timer, the source line
(BTF line info) and the PC, in the message and as attributes; a traceback that starts in the
caller's code; an instruction budget set on the runtime and named in its error."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import pytest

import pybpf
from pybpf import SECOND

SOURCE = """\
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct elem { struct bpf_timer t; __u64 *p; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, struct elem); }
    flows SEC(".maps");

static int expire(void *map, __u32 *key, struct elem *e)
{
	__u64 *p = e->p;
	return *(volatile __u64 *)(p + 1);                 /* line 10: reads address 8 */
}

static int spin_cb(void *map, __u32 *key, struct elem *e)
{
	volatile int i = 0;
	for (;;)
		i++;                                        /* line 17 */
	return 0;
}

static int arm_with(__u32 key, void *cb)
{
	struct elem zero = {}, *e;
	bpf_map_update_elem(&flows, &key, &zero, 0);
	e = bpf_map_lookup_elem(&flows, &key);
	if (!e)
		return 1;
	bpf_timer_init(&e->t, &flows, 1);
	bpf_timer_set_callback(&e->t, cb);
	return bpf_timer_start(&e->t, 1000, 0);
}

SEC("syscall") int arm(void *ctx) { return arm_with(7, expire); }
SEC("syscall") int arm_spin(void *ctx) { return arm_with(3, spin_cb); }

SEC("syscall")
int crash(void *ctx)
{
	return *(volatile int *)(long)16;                  /* line 39 */
}

SEC("syscall")
int spin(void *ctx)
{
	volatile int i = 0;
	for (;;)
		i++;                                        /* line 47 */
	return 0;
}

SEC("syscall") int nothing(void *ctx) { return 0; }
"""


@pytest.fixture(autouse=True)
def unverified(monkeypatch: pytest.MonkeyPatch) -> None:
    """These programs fault on purpose (a load from a constant address, an endless loop), so the
    verifier, which refuses them as the kernel does, is replaced by one that proves nothing."""
    from pybpf.isa import iter_pcs
    from pybpf.verifier import Facts

    def proves_nothing(insns, inp):  # type: ignore[no-untyped-def]
        return Facts(max_ctx_offset=0, reachable=frozenset(pc for pc, _ in iter_pcs(insns)))

    monkeypatch.setattr("pybpf.runtime._loader.verify", proves_nothing)


@pytest.fixture
def prog(c_file) -> Path:  # type: ignore[no-untyped-def]
    path: Path = c_file(SOURCE, "faults.bpf.c")
    return path


def pybpf_frames(err: BaseException) -> list[str]:
    src = str(Path(pybpf.__file__).parent)
    return [f"{f.filename}:{f.name}" for f in traceback.extract_tb(err.__traceback__) if f.filename.startswith(src)]


def test_a_fault_in_a_timer_callback_names_the_callback_timer_program_and_line(prog: Path) -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        rt.load(prog).programs["arm"].test_run()
        with pytest.raises(pybpf.OutOfBoundsError) as info:
            rt.advance(SECOND)
    err = info.value
    assert re.fullmatch(
        r"callback 'expire' of timer flows\[7\] \(program 'arm'\): load of 8 bytes at 0x8 in out-of-bounds memory "
        r"\(faults\.bpf\.c:10\) at PC \d+",
        str(err),
    ), str(err)
    assert (err.program, err.callback, err.timer, err.source_line) == ("arm", "expire", "flows[7]", "faults.bpf.c:10")
    assert str(err).endswith(f"at PC {err.pc}")
    # The traceback is the caller's: one frame of pybpf (the call that was made), no chain.
    assert [frame.rsplit(":", 1)[1] for frame in pybpf_frames(err)] == ["advance"]
    assert err.__suppress_context__ and err.__cause__ is None


def test_a_fault_in_a_program_names_the_program_and_line(prog: Path) -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        with pytest.raises(pybpf.OutOfBoundsError) as info:
            rt.load(prog).programs["crash"].test_run()
    err = info.value
    assert re.fullmatch(r"program 'crash': load of 4 bytes at 0x10 in out-of-bounds memory \(faults\.bpf\.c:39\) "
                        r"at PC \d+", str(err)), str(err)
    assert (err.program, err.callback, err.timer, err.source_line) == ("crash", None, None, "faults.bpf.c:39")
    assert [frame.rsplit(":", 1)[1] for frame in pybpf_frames(err)] == ["test_run"]


def test_the_instruction_budget_is_the_runtimes_and_its_error_names_the_program(prog: Path) -> None:
    with pybpf.Runtime(clock="virtual", max_instructions=5_000) as rt:
        with pytest.raises(pybpf.InstructionLimitError) as info:
            rt.load(prog).programs["spin"].test_run()
    err = info.value
    assert re.fullmatch(r"program 'spin': instruction limit of 5000 exceeded \(faults\.bpf\.c:4[5-7]\) at PC \d+",
                        str(err)), str(err)
    assert (err.limit, err.program) == (5_000, "spin")


def test_a_runaway_callback_is_stopped_by_the_budget_and_named(prog: Path) -> None:
    with pybpf.Runtime(clock="virtual", max_instructions=5_000) as rt:
        rt.load(prog).programs["arm_spin"].test_run()
        with pytest.raises(pybpf.InstructionLimitError) as info:
            rt.advance(SECOND)
    err = info.value
    assert str(err).startswith("callback 'spin_cb' of timer flows[3] (program 'arm_spin'): instruction limit of 5000")
    assert err.timer == "flows[3]"


def test_the_budget_counts_every_instruction_run(prog: Path) -> None:
    """``return 0`` is two instructions: a budget of two runs it, one does not."""
    with pybpf.Runtime(clock="virtual", max_instructions=2) as rt:
        assert rt.load(prog).programs["nothing"].test_run().retval == 0
    with pybpf.Runtime(clock="virtual", max_instructions=1) as rt:
        with pytest.raises(pybpf.InstructionLimitError, match=r"^program 'nothing': instruction limit of 1 exceeded"):
            rt.load(prog).programs["nothing"].test_run()


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        pytest.param(0, ValueError, "max_instructions must be at least 1, got 0", id="zero"),
        pytest.param(1e6, TypeError, "max_instructions must be an int, not float", id="float"),
    ],
)
def test_bad_budgets_are_refused(value: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        pybpf.Runtime(clock="virtual", max_instructions=value)  # type: ignore[arg-type]


def test_a_fault_on_a_hook_names_the_program_and_the_traceback_starts_at_trigger(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file("""
SEC("fentry/bpf_fentry_test1")
int on_hook(void *ctx)
{
	return *(volatile int *)(long)24;
}
char LICENSE[] SEC("license") = "GPL";
""", "hook.bpf.c")
    with pybpf.Runtime(clock="virtual") as rt:
        rt.load(path).programs["on_hook"].attach()
        with pytest.raises(pybpf.OutOfBoundsError) as info:
            rt.trigger("bpf_fentry_test1", 1)
    err = info.value
    assert str(err).startswith("program 'on_hook': load of 4 bytes at 0x18 in out-of-bounds memory (hook.bpf.c:6) at PC")
    assert [frame.rsplit(":", 1)[1] for frame in pybpf_frames(err)] == ["trigger"]
