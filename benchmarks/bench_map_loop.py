"""The map loop in one run: the interpreter, the JIT with Python maps, the JIT with native
maps, and the kernel's JIT, on the same object, in three variants: plain values, values
holding a ``struct bpf_spin_lock``, and the loop taking that lock around its read and write of
the value it found.

- map loop: a syscall program doing 10,000 hash updates and lookups through ``bpf_loop``: CPU
  time per ``test_run`` (pybpf's, or ``BPF_PROG_RUN`` through libbpf and ctypes, whose system
  time is the kernel's run; syscall programs take no ``repeat``, so one run a call);
- from Python: one ``update_elem`` and one ``lookup_elem`` on the same hash map, per pair
  (the kernel's: the bpf() syscalls through libbpf and ctypes).

Python maps are what ``PYBPF_NATIVE_MAPS=0`` gives; each pybpf column runs in a process of
its own, so the setting applies from the start. The kernel's side needs bpf() (root on Linux)
and libbpf; without it only pybpf is compared, and ratios are to the JIT with native maps.
Run with ``make bench`` or ``python benchmarks/bench_map_loop.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pybpf
from pybpf.runtime._compile import compile_c

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_jit import _libbpf, best_of, per_call_ns

SOURCE = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val {
    __u64 value;
    LOCK_FIELD
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);
    __type(value, struct val);
} table SEC(".maps");

static long step(__u32 i, void *ctx)
{
    __u32 key = i * 7 % 16384;
    struct val value = { .value = i * 3 }, *found;

    bpf_map_update_elem(&table, &key, &value, BPF_ANY);
    found = bpf_map_lookup_elem(&table, &key);
    if (found) {
        TAKE
        *(__u64 *)ctx += found->value;
        found->value += 1;
        GIVE
    }
    return 0;
}

SEC("syscall")
int map_loop(void *ctx)
{
    __u64 sum = 0;

    bpf_loop(10000, step, &sum, 0);
    return (int)(sum & 0x7fffffff);
}

char LICENSE[] SEC("license") = "GPL";
"""

#: The loop's variants: the value plain, holding a ``struct bpf_spin_lock``, and the loop
#: also taking that lock around its read and write of the value (source text by placeholder).
VARIANTS = {
    "plain value": {"LOCK_FIELD": "", "TAKE": "", "GIVE": ""},
    "value with a lock": {"LOCK_FIELD": "struct bpf_spin_lock lock;", "TAKE": "", "GIVE": ""},
    "lock taken": {
        "LOCK_FIELD": "struct bpf_spin_lock lock;",
        "TAKE": "bpf_spin_lock(&found->lock);",
        "GIVE": "bpf_spin_unlock(&found->lock);",
    },
}

LOOPS = 10_000
PAIRS = 2_000
COLUMNS = {
    "interpreter": ("interpreter", "1"),
    "jit, Python maps": ("jit", "0"),
    "jit, native maps": ("jit", "1"),
}


def _pairs_ns(
    update: Callable[[bytes, bytes], object], lookup: Callable[[bytes], object], value_size: int
) -> float:
    """CPU time per update and lookup of the same key, from Python, the best of 3 batches."""
    pairs = [(i.to_bytes(4, "little"), (3 * i).to_bytes(value_size, "little")) for i in range(PAIRS)]

    def batch() -> int:
        start = time.thread_time_ns()
        for key, value in pairs:
            update(key, value)
            lookup(key)
        return (time.thread_time_ns() - start) // PAIRS

    return best_of(batch, 3)


def pybpf_figures(obj_path: Path, engine: str) -> dict[str, float]:
    """The figures of one pybpf column (run in a child process: see the module's doc)."""
    with pybpf.Runtime(engine=engine) as rt:
        obj = rt.load(obj_path)
        prog = obj.programs["map_loop"]
        runs = 1 if engine == "interpreter" else 5
        table = obj.maps["table"].internal
        return {
            "map loop": per_call_ns(prog.test_run, runs, 3),
            "from Python": _pairs_ns(table.update_elem, table.lookup_elem, table.value_size),
            "r0": prog.test_run().retval,
        }


def kernel_figures(obj_path: Path) -> dict[str, float] | None:
    if _libbpf is None or not _libbpf.available():
        return None
    with _libbpf.KernelObject(obj_path) as kobj:
        prog = kobj.programs["map_loop"]
        table = kobj.maps["table"]

        return {
            "map loop": per_call_ns(prog.test_run, 5, 5),
            "from Python": _pairs_ns(table.update, table.lookup, table.value_size),
            "r0": prog.test_run().retval,
        }


def _child(obj_path: Path, engine: str, native: str) -> dict[str, float]:
    env = dict(os.environ, PYBPF_NATIVE_MAPS=native)
    out = subprocess.run(
        [sys.executable, __file__, "--column", str(obj_path), engine],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    figures: dict[str, float] = json.loads(out)
    return figures


def source(variant: str) -> str:
    """The C source of one of the :data:`VARIANTS`."""
    text = SOURCE
    for placeholder, code in VARIANTS[variant].items():
        text = text.replace(placeholder, code)
    return text


def _variant(tmp: Path, name: str) -> dict[str, dict[str, float]]:
    """Every column's figures for one variant of the loop."""
    path = tmp / f"bench_map_loop_{list(VARIANTS).index(name)}.bpf.c"
    path.write_text(source(name))
    obj_path = compile_c(path)
    columns = {column: _child(obj_path, engine, native) for column, (engine, native) in COLUMNS.items()}
    kernel = kernel_figures(obj_path)
    if kernel is not None:
        columns["kernel"] = kernel
    results = {c["r0"] for c in columns.values()}
    assert len(results) == 1, f"engines disagree on {name}: {columns}"
    return columns


def main() -> None:
    if sys.argv[1:2] == ["--column"]:
        print(json.dumps(pybpf_figures(Path(sys.argv[2]), sys.argv[3])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        figures = {name: _variant(Path(tmp), name) for name in VARIANTS}
    for name, columns in figures.items():
        reference = columns.get("kernel", columns["jit, native maps"])
        print(f"\n{name:<18}{'map loop':>26}{'update+lookup from Python':>34}")
        for column, c in columns.items():
            loop, pair = c["map loop"], c["from Python"]
            print(
                f"{column:<18}{loop / 1e6:>14.3f} ms ({loop / reference['map loop']:6.2f}x)"
                f"{pair / 1e3:>22.2f} us ({pair / reference['from Python']:6.2f}x)"
            )


if __name__ == "__main__":
    main()
