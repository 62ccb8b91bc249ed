"""The JIT against the interpreter and the kernel's JIT, in one run, on the same object.

- compute: a tc program looping 100,000 times over a hash step (about 900,000 instructions,
  near what the kernel's verifier accepts for a bounded loop): CPU time per ``test_run``
  for pybpf, the ``duration`` ``BPF_PROG_RUN`` reports for the kernel;
- stack: a tc program whose ``bpf_loop`` callback, 2,000 times, fills a 16-word buffer on its
  stack and mixes it at data-dependent indices (about 230,000 instructions, a third of them
  stack accesses): what leaving out the checks of accesses the verifier proved inside the
  frame gains. The column "jit, no facts" runs the same object loaded without verification,
  so with every access checked;
- entry: ``test_run`` of a trivial program (tc, socket filter with a 64-byte packet; syscall
  without a context), per call from Python (pybpf: ``Program.test_run``; kernel:
  ``BPF_PROG_RUN`` through libbpf and ctypes).

The kernel's side needs bpf() (root on Linux) and libbpf; without it only pybpf's engines are
compared. Ratios are to the kernel when it ran, else to the JIT. Run with
``python benchmarks/bench_jit.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pybpf
from pybpf.runtime._compile import compile_c

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "kernel"))
try:
    import _libbpf
except ImportError:  # run from an installed package without the tests
    _libbpf = None

SOURCE = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int compute(struct __sk_buff *skb)
{
    __u64 h = 0xcbf29ce484222325ULL ^ skb->len;
    for (__u32 i = 0; i < 100000; i++) {
        h ^= i;
        h *= 0x100000001b3ULL;
        h = (h << 7) | (h >> 57);
    }
    return (int)(h & 0x7fffffff);
}

static long mix(__u32 index, void *ctx)
{
    __u64 *state = ctx;
    __u64 h = *state ^ index;
    __u64 buf[16];

    for (int k = 0; k < 16; k++) {
        h = h * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[k] = h;
    }
    for (int k = 0; k < 16; k++)
        buf[(h >> 60) & 15] += buf[k] >> 3;
    *state = h + buf[index & 15];
    return 0;
}

SEC("tc")
int stack(struct __sk_buff *skb)
{
    __u64 state = skb->len;

    bpf_loop(2000, mix, &state, 0);
    return (int)(state & 0x7fffffff);
}

SEC("tc")
int trivial(struct __sk_buff *skb)
{
    return 1;
}

SEC("socket")
int trivial_socket(struct __sk_buff *skb)
{
    return 1;
}

SEC("syscall")
int trivial_syscall(void *ctx)
{
    return 1;
}

char LICENSE[] SEC("license") = "GPL";
"""

PACKET = bytes(64)
#: the rows timing one long run: the program of each row has the row's name
LOOPS = ("compute", "stack")
#: the test_run rows: (row, program, packet)
ENTRIES = (("tc", "trivial", PACKET), ("socket", "trivial_socket", PACKET), ("syscall", "trivial_syscall", None))


def best_of(measure: Callable[[], int], times: int = 5) -> float:
    """The smallest of several measurements: on a shared machine, the others include time
    spent waiting for a CPU."""
    return float(min(measure() for _ in range(times)))


def per_call_ns(fn: Callable[[], object], calls: int = 2000, times: int = 5) -> float:
    """CPU time of this thread per call (user and system), the best of ``times`` batches of
    ``calls`` after a warm-up call. CPU time, not wall time: on a shared machine wall time
    counts the waits for a CPU, which the kernel's own ``duration`` leaves out (its test-run
    timer stops while it reschedules)."""
    fn()

    def batch() -> int:
        start = time.thread_time_ns()
        for _ in range(calls):
            fn()
        return (time.thread_time_ns() - start) // calls

    return best_of(batch, times)


def pybpf_figures(obj_path: Path, engine: str, verify: bool = True) -> dict[str, float]:
    with pybpf.Runtime(engine=engine) as rt:
        obj = rt.load(obj_path, verify=verify)
        calls = 1 if engine == "interpreter" else 40
        figures: dict[str, float] = {}
        for row in LOOPS:
            prog = obj.programs[row]
            figures[row] = per_call_ns(lambda: prog.test_run(data=PACKET), calls, 3)  # noqa: B023 - called at once
            figures[f"{row} r0"] = prog.test_run(data=PACKET).retval
        for row, name, data in ENTRIES:
            prog = obj.programs[name]
            figures[row] = per_call_ns(lambda: prog.test_run(data=data))  # noqa: B023 - called at once
        return figures


def kernel_figures(obj_path: Path) -> dict[str, float] | None:
    if _libbpf is None or not _libbpf.available():
        return None
    with _libbpf.KernelObject(obj_path) as kobj:
        figures: dict[str, float] = {}
        for row in LOOPS:
            prog = kobj.programs[row]
            figures[f"{row} r0"] = prog.test_run(data=PACKET).retval
            figures[row] = best_of(lambda: prog.test_run(data=PACKET, repeat=40).duration_ns)  # noqa: B023
        for row, name, data in ENTRIES:
            prog = kobj.programs[name]
            # No output buffers: the binding's 256 KiB data_out buffer would dominate.
            figures[row] = per_call_ns(lambda: prog.test_run(data=data, data_out=False, ctx_out=False))  # noqa: B023
        return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bench_jit.bpf.c"
        source.write_text(SOURCE)
        obj_path = compile_c(source)
        columns = {
            "interpreter": pybpf_figures(obj_path, "interpreter"),
            "jit": pybpf_figures(obj_path, "jit"),
            "jit, no facts": pybpf_figures(obj_path, "jit", verify=False),
        }
        kernel = kernel_figures(obj_path)
        if kernel is not None:
            columns["kernel"] = kernel
    for row in LOOPS:
        results = {c[f"{row} r0"] for c in columns.values()}
        assert len(results) == 1, f"engines disagree on {row}: {columns}"
    reference = "kernel" if kernel is not None else "jit"
    print(f"{'benchmark':<10}" + "".join(f"{name:>14}" for name in columns) + f"   ratios to {reference}")
    print("(compute, stack: one run of the loop; tc, socket, syscall: test_run of a trivial program)")
    for row, unit in (*((row, "ms") for row in LOOPS), *((row, "us") for row, _, _ in ENTRIES)):
        scale = 1e6 if unit == "ms" else 1e3
        cells = "".join(f"{c[row] / scale:>11.3f} {unit}" for c in columns.values())
        ratios = "  ".join(f"{name} {c[row] / columns[reference][row]:.2f}x" for name, c in columns.items())
        print(f"{row:<10}{cells}   {ratios}")


if __name__ == "__main__":
    main()
