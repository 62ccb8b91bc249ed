"""Contexts for the program types the kernel runs only from its hooks, never through
``BPF_PROG_TEST_RUN`` (which refuses them: ENOTSUPP): sock_ops, sk_msg, sk_skb and
cgroup_sysctl. pybpf builds the context the hook would pass, laid out as the UAPI struct
(``struct bpf_sock_ops``, ``struct sk_msg_md``, ``struct __sk_buff`` over stream data, ``struct
bpf_sysctl``), from bytes the caller gives, so :meth:`Program.run` can run them.

There is no socket behind a socket hook's context: its ``sk`` field is NULL. The fields the
kernel fills from the socket (addresses, ports, TCP counters) are whatever the caller put in
the bytes. A sysctl program's access names the sysctl and its current value; for a write,
``data`` is the value written, and ``data_out`` what the write will store after the program.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from .._spec import ProgType
from ..engine import Region
from ..helpers._sysctl import SysctlAccess, accessing
from ._contexts import ETH_HLEN, RunInput, _skb
from ._errors import TestRunError

__all__ = ["HOOK_RUN_TYPES", "SK_MSG_MD_SIZE", "SOCK_OPS_SIZE", "HookRun", "prepare_hook_run"]

EINVAL = 22
SOCK_OPS_SIZE = 224  #: sizeof(struct bpf_sock_ops)
SOCK_OPS_SK = 184  #: offsetof(struct bpf_sock_ops, sk)
SOCK_OPS_SKB_DATA = 192  #: offsetof(struct bpf_sock_ops, skb_data); skb_data_end follows
SOCK_OPS_SKB_LEN = 208  #: offsetof(struct bpf_sock_ops, skb_len)
SK_MSG_MD_SIZE = 80  #: sizeof(struct sk_msg_md)
SK_MSG_SIZE = 68  #: offsetof(struct sk_msg_md, size)
SK_MSG_SK = 72  #: offsetof(struct sk_msg_md, sk)
SYSCTL_SIZE = 8  #: sizeof(struct bpf_sysctl): write, file_pos


@dataclass(frozen=True)
class HookRun:
    """A run's input, and what must hold while it runs (the sysctl access its helpers see)."""

    run: RunInput
    scope: AbstractContextManager[None] = field(default_factory=contextlib.nullcontext)


def _context(ctx: bytes | None, size: int, name: str) -> bytearray:
    given = ctx or b""
    if len(given) > size:
        raise TestRunError(f"run: a {name} context is {size} bytes, {len(given)} given (EINVAL)", EINVAL)
    return bytearray(given.ljust(size, b"\0"))


def _put_pointers(image: bytearray, at: int, start: int, end: int) -> None:
    image[at : at + 16] = start.to_bytes(8, "little") + end.to_bytes(8, "little")


def _finish(ctx_region: Region, data_region: Region | None) -> Callable[[], tuple[bytes | None, bytes | None]]:
    def finish() -> tuple[bytes | None, bytes | None]:
        return (bytes(data_region.buf) if data_region is not None else None), bytes(ctx_region.buf)

    return finish


def _sock_ops(ctx: bytes | None, data: bytes | None) -> RunInput:
    """``struct bpf_sock_ops``; ``data`` is the skb of the ops that have one (the header
    options callbacks), which ``skb_data`` and ``skb_data_end`` then bound."""
    image = _context(ctx, SOCK_OPS_SIZE, "sock_ops")
    image[SOCK_OPS_SK : SOCK_OPS_SK + 8] = bytes(8)
    regions: list[Region] = []
    packet = None
    if data:
        packet = Region.from_bytes(data, "sock_ops skb data", writable=False)
        regions.append(packet)
        _put_pointers(image, SOCK_OPS_SKB_DATA, packet.base, packet.base + len(data))
        image[SOCK_OPS_SKB_LEN : SOCK_OPS_SKB_LEN + 4] = len(data).to_bytes(4, "little")
    else:
        image[SOCK_OPS_SKB_DATA : SOCK_OPS_SKB_LEN + 4] = bytes(20)
    region = Region.from_bytes(bytes(image), "sock_ops context")
    return RunInput(region.base, (region, *regions), None, _finish(region, None))


def _sk_msg(ctx: bytes | None, data: bytes | None) -> RunInput:
    """``struct sk_msg_md`` over the message ``data`` (what ``sendmsg`` passed), whose
    ``size`` is its length."""
    image = _context(ctx, SK_MSG_MD_SIZE, "sk_msg")
    message = Region.from_bytes(data or b"", "sk_msg data")
    _put_pointers(image, 0, message.base, message.base + len(data or b""))
    image[SK_MSG_SIZE : SK_MSG_SIZE + 4] = len(data or b"").to_bytes(4, "little")
    image[SK_MSG_SK : SK_MSG_SK + 8] = bytes(8)
    region = Region.from_bytes(bytes(image), "sk_msg context", writable=False)
    return RunInput(region.base, (region, message), None, _finish(region, message))


def _sysctl(ctx: bytes | None, data: bytes | None, name: str | None, current: bytes) -> HookRun:
    if name is None:
        raise ValueError("run: a cgroup_sysctl program needs the sysctl's name (sysctl='net/ipv4/tcp_mem')")
    image = _context(ctx, SYSCTL_SIZE, "cgroup_sysctl")
    write = bool(int.from_bytes(image[:4], "little"))
    if data is not None and not write:
        raise ValueError("run: a sysctl read writes no value: data is for a context whose write is 1")
    access = SysctlAccess(name, current, (data or b"") if write else None)
    region = Region.from_bytes(bytes(image), "sysctl context")

    def finish() -> tuple[bytes | None, bytes | None]:
        return access.new, bytes(region.buf)

    return HookRun(RunInput(region.base, (region,), None, finish), accessing(region.base, access))


def _sk_skb(ctx: bytes | None, data: bytes | None) -> RunInput:
    """A ``struct __sk_buff`` over stream data (``data``: what the socket received, from its
    first byte: there are no headers), as a stream parser or verdict program sees it."""
    run = _skb(ProgType.SK_SKB, ctx, bytes(ETH_HLEN) + (data or b""))
    finish = run.finish

    def payload() -> tuple[bytes | None, bytes | None]:
        frame, ctx_out = finish()
        return (frame[ETH_HLEN:] if frame is not None else None), ctx_out

    return RunInput(run.r1, run.regions, run.packet, payload, run.packet_head)


_RUNS: dict[ProgType, Callable[[bytes | None, bytes | None], RunInput]] = {
    ProgType.SK_SKB: _sk_skb,
    ProgType.SOCK_OPS: _sock_ops,
    ProgType.SK_MSG: _sk_msg,
}
#: the types :meth:`Program.run` builds a hook's context for
HOOK_RUN_TYPES = frozenset({*_RUNS, ProgType.CGROUP_SYSCTL})


def prepare_hook_run(
    prog_type: ProgType, ctx: bytes | None, data: bytes | None, sysctl: str | None = None, current: bytes = b""
) -> HookRun:
    """The context a hook passes a program of ``prog_type``.

    Raises:
        TestRunError: a context longer than the struct (EINVAL).
        ValueError: a sysctl run without the sysctl's name, or with a value for a read.
    """
    if prog_type == ProgType.CGROUP_SYSCTL:
        return _sysctl(ctx, data, sysctl, current)
    return HookRun(_RUNS[prog_type](ctx, data))
