"""The instruction budget of one run: one rule, counted the same way by every engine.

A verified program always ends, but pybpf also runs what the kernel would refuse (conformance
vectors, assembled code, programs its verifier does not yet reject), and a loop in a timer
callback would otherwise hang the host. So each run (``test_run``, a hook, one timer
callback) may execute at most ``max_instructions`` instructions, ``Runtime(max_instructions=...)``.

The rule every engine follows, so that a budget means the same under the interpreter and the JIT:

- the count starts at zero when a run starts and is kept in the run's
  :class:`~pybpf.engine.ExecContext` (``n``, against ``limit``), so helpers that call back into
  the program (``bpf_loop``) and tail calls add to the same count;
- an engine charges a basic block's :func:`block_cost` when control enters the block, before
  any of its instructions run, and stops the run with :class:`InstructionLimitError` (at the
  block's first PC) as soon as the count passes the limit. A run that faults is therefore
  charged its whole faulting block.
"""

from __future__ import annotations

from ..isa import Block

__all__ = ["DEFAULT_MAX_INSTRUCTIONS", "block_cost", "check_budget"]

#: The default budget of one run: far above what a verified program executes in a test (the
#: kernel's verifier explores at most a million instructions), low enough that a runaway
#: loop stops within a minute on the interpreter.
DEFAULT_MAX_INSTRUCTIONS = 100_000_000


def block_cost(block: Block) -> int:
    """What entering ``block`` charges against the budget: its instruction slots' count
    (a ``lddw`` counts once, as the kernel counts it)."""
    return len(block.pcs)


def check_budget(value: object) -> int:
    """``value`` as a ``max_instructions`` argument.

    Raises:
        TypeError: it is not an int.
        ValueError: it is below 1.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_instructions must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"max_instructions must be at least 1, got {value}")
    return value
