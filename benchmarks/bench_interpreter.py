"""Interpreter speed on compute-bound programs, in instructions per second (single thread).

Each program also runs as the equivalent hand-written Python loop in the same process; the ratio
"interpreter time / plain Python time" is the figure that does not depend on the machine.
Run with ``make bench`` or ``python benchmarks/bench_interpreter.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pybpf.engine import Interpreter, Region
from pybpf.isa import assemble

PRIMES_BELOW = 30_000

PRIMES = f"""
mov %r0, 0
mov %r6, 2
outer:
jge %r6, {PRIMES_BELOW}, done
mov %r7, 2
inner:
mov %r8, %r7
mul %r8, %r7
jgt %r8, %r6, prime
mov %r8, %r6
mod %r8, %r7
jeq %r8, 0, next
add %r7, 1
ja inner
prime:
add %r0, 1
next:
add %r6, 1
ja outer
done:
exit
"""

FNV1A = """
lddw %r0, 0xcbf29ce484222325
lddw %r4, 0x100000001b3
mov %r3, %r1
add %r3, %r2
loop:
jge %r1, %r3, done
ldxb %r5, [%r1]
xor %r0, %r5
mul %r0, %r4
add %r1, 1
ja loop
done:
exit
"""

DATA = bytes((i * 37 + 11) & 0xFF for i in range(256 * 1024))


def primes_python() -> int:
    count = 0
    for n in range(2, PRIMES_BELOW):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    return count


def fnv1a_python() -> int:
    h = 0xCBF29CE484222325
    for b in DATA:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def best_of(fn: Callable[[], int], rounds: int = 3) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench(name: str, vm: Interpreter, run: Callable[[], int], reference: Callable[[], int]) -> None:
    seconds, r0 = best_of(run)
    count = vm.last_instruction_count
    ref_seconds, expected = best_of(reference)
    assert r0 == expected, f"{name}: interpreter gave {r0}, Python gave {expected}"
    print(
        f"{name:8} {count / seconds / 1e6:7.2f} M insn/s  ({count:,} insns in {seconds * 1e3:.0f} ms)"
        f"   x{seconds / ref_seconds:.2f} the time of plain Python"
    )


def main() -> None:
    primes = Interpreter(assemble(PRIMES))
    bench("primes", primes, lambda: primes.run(), primes_python)
    fnv = Interpreter(assemble(FNV1A))
    mem = Region.from_bytes(DATA, "data")
    bench("fnv1a", fnv, lambda: fnv.run(mem.base, len(DATA), regions=(mem,)), fnv1a_python)


if __name__ == "__main__":
    main()
