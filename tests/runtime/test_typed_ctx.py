"""Contexts as dicts: ``test_run(ctx={...})`` packs the program's context struct through its
BTF, and the result gives the context back typed, beside the ``ctx_out`` bytes."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

import pybpf

SYSCALL = """
struct args { int x; int y; int sum; };
SEC("syscall")
int add(struct args *a)
{
	a->sum = a->x + a->y;
	return 0;
}
SEC("tc")
int mark(struct __sk_buff *skb)
{
	skb->mark = skb->mark * 2 + 1;
	return skb->priority;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.fixture
def obj(c_file) -> pybpf.Object:  # type: ignore[no-untyped-def]
    path: Path = c_file("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n" + SYSCALL)
    with pybpf.Runtime(clock="virtual") as rt:
        yield rt.load(path)


def test_a_syscall_programs_argument_struct_from_a_dict(obj: pybpf.Object) -> None:
    res = obj.programs["add"].test_run(ctx={"x": 40, "y": 2})
    assert res.context == {"x": 40, "y": 2, "sum": 42}
    assert res.ctx_out == struct.pack("<iii", 40, 2, 42)  # the bytes stay


def test_bytes_in_give_bytes_out(obj: pybpf.Object) -> None:
    res = obj.programs["add"].test_run(ctx=struct.pack("<iii", 1, 2, 0))
    assert res.ctx_out == struct.pack("<iii", 1, 2, 3) and res.context is None


def test_an_sk_buff_from_a_dict(obj: pybpf.Object) -> None:
    res = obj.programs["mark"].test_run(ctx={"mark": 20, "priority": 7}, data=bytes(64))
    assert res.retval == 7
    assert res.context is not None and res.context["mark"] == 41 and res.context["priority"] == 7
    assert len(res.ctx_out or b"") == 192  # sizeof(struct __sk_buff)


@pytest.mark.parametrize(
    ("ctx", "error", "message"),
    [
        pytest.param({"z": 1}, ValueError, "test_run: ctx: type [2]: STRUCT 'args' has no member 'z'", id="member"),
        pytest.param({"x": "one"}, TypeError, "test_run: ctx.x: expected an int for INT 'int', got str 'one'",
                     id="member-type"),
    ],
)
def test_a_dict_that_does_not_fit_says_why(obj: pybpf.Object, ctx: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        obj.programs["add"].test_run(ctx=ctx)  # type: ignore[arg-type]
