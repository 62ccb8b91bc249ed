"""Program.run for the socket hooks BPF_PROG_TEST_RUN cannot run: sock_ops programs filling a
sockhash from the established callback, sk_msg programs redirecting messages to it."""

from __future__ import annotations

import struct

import pytest

import pybpf

SOURCE = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* the UAPI layouts (linux/bpf.h): the fields these programs use, the rest as padding */
struct bpf_sock_ops {
	__u32 op;
	__u32 reply;
	__u32 args[3];
	__u32 family;
	__u32 remote_ip4;
	__u32 local_ip4;
	__u32 ip6[8];
	__u32 remote_port;
	__u32 local_port;
	__u32 rest[38];
};
struct sk_msg_md {
	void *data;
	void *data_end;
	__u32 family;
	__u32 addrs[10];
	__u32 remote_port;
	__u32 local_port;
	__u32 size;
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} socks SEC(".maps");

long updated;

SEC("sockops")
int ops(struct bpf_sock_ops *skops)
{
	__u32 key = skops->local_port;

	updated = bpf_sock_hash_update(skops, &socks, &key, BPF_NOEXIST);
	skops->reply = 7;
	return 1;
}

SEC("sk_msg")
int msg(struct sk_msg_md *m)
{
	unsigned char *data = m->data, *end = m->data_end;
	__u32 key;

	if (data + 1 > end)
		return SK_DROP;
	key = data[0] + m->size;
	return bpf_msg_redirect_hash(m, &socks, &key, BPF_F_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
"""

ACTIVE_ESTABLISHED_CB, RTT_CB = 4, 8
EOPNOTSUPP, EEXIST = 95, 17


def _sock_ops(op: int, local_port: int) -> bytes:
    """op, then family (20), the IPv4 addresses (24, 28) and the ports (64, 68)."""
    ctx = bytearray(72)
    struct.pack_into("<I", ctx, 0, op)
    struct.pack_into("<III", ctx, 20, 2, 0x0100007F, 0x0100007F)
    struct.pack_into("<II", ctx, 64, 80, local_port)
    return bytes(ctx)


@pytest.fixture
def obj(c_file) -> pybpf.Object:  # type: ignore[no-untyped-def]
    return pybpf.Runtime(clock="virtual").load(c_file(SOURCE, "hooks.bpf.c"))


def test_sock_ops_puts_the_established_connection_in_the_sockhash(obj: pybpf.Object) -> None:
    ops = obj.programs["ops"]
    with pytest.raises(pybpf.TestRunError, match="ENOTSUPP"):
        ops.test_run(ctx=_sock_ops(ACTIVE_ESTABLISHED_CB, 9))  # the kernel cannot test-run it either
    result = ops.run(ctx=_sock_ops(RTT_CB, 9))
    assert (result.retval, obj.globals["updated"], len(obj.maps["socks"])) == (1, -EOPNOTSUPP, 0)
    assert result.ctx_out is not None and result.ctx_out[4:8] == (7).to_bytes(4, "little")  # the reply
    ops.run(ctx=_sock_ops(ACTIVE_ESTABLISHED_CB, 9))
    assert obj.globals["updated"] == 0 and list(obj.maps["socks"].keys()) == [9]
    cookie = obj.maps["socks"][9]
    ops.run(ctx=_sock_ops(ACTIVE_ESTABLISHED_CB, 9))  # BPF_NOEXIST: the slot is taken
    assert obj.globals["updated"] == -EEXIST and obj.maps["socks"][9] == cookie


def test_sk_msg_redirects_to_a_stored_socket(obj: pybpf.Object) -> None:
    obj.programs["ops"].run(ctx=_sock_ops(ACTIVE_ESTABLISHED_CB, 9))
    cookie = obj.maps["socks"][9]
    msg = obj.programs["msg"]
    result = msg.run(data=b"\x05abc")  # key 5 + 4 bytes
    assert result.retval == 1 and result.redirect == ("socks", (9).to_bytes(4, "little"), cookie.to_bytes(8, "little"), "ingress")
    assert result.data_out == b"\x05abc"
    missing = msg.run(data=b"\x06abc")
    assert (missing.retval, missing.redirect) == (0, None)
    assert msg.run(data=b"").retval == 0
    with pytest.raises(pybpf.TestRunError, match="EINVAL"):
        msg.run(ctx=bytes(81))


SYSCTL = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_sysctl {
	__u32 write;
	__u32 file_pos;
};

long got[5];
char name[32], base[8], current[16], written[16];
const char answer[] = "42\n";

SEC("cgroup/sysctl")
int guard(struct bpf_sysctl *ctx)
{
	got[0] = bpf_sysctl_get_name(ctx, name, sizeof(name), 0);
	got[1] = bpf_sysctl_get_name(ctx, base, sizeof(base), 1);  /* BPF_F_SYSCTL_BASE_NAME */
	got[2] = bpf_sysctl_get_current_value(ctx, current, sizeof(current));
	got[3] = bpf_sysctl_get_new_value(ctx, written, sizeof(written));
	got[4] = bpf_sysctl_set_new_value(ctx, answer, 3);  /* a read has no value to replace */
	return !ctx->write || written[0] != '9';
}

char LICENSE[] SEC("license") = "GPL";
"""
E2BIG, EINVAL = 7, 22


def test_sysctl_programs_see_the_access_and_may_rewrite_a_write(c_file) -> None:  # type: ignore[no-untyped-def]
    guard = pybpf.Runtime(clock="virtual").load(c_file(SYSCTL, "sysctl.bpf.c")).programs["guard"]
    read = guard.run(ctx=bytes(8), sysctl="net/ipv4/tcp_keepalive_time", current=b"7200\n")
    assert (read.retval, read.data_out, read.ctx_out) == (1, None, bytes(8))
    write = guard.run(ctx=(1).to_bytes(4, "little") + bytes(4), data=b"600\n", sysctl="net/ipv4/tcp_keepalive_time",
                      current=b"7200\n")
    assert (write.retval, write.data_out) == (1, b"42\n")
    refused = guard.run(ctx=(1).to_bytes(4, "little") + bytes(4), data=b"9\n", sysctl="kernel/ostype", current=b"Linux\n")
    assert (refused.retval, refused.data_out) == (0, b"42\n")  # refused: the value does not matter
    with pytest.raises(ValueError, match="needs the sysctl's name"):
        guard.run(ctx=bytes(8))
    with pytest.raises(ValueError, match="a sysctl read writes no value"):
        guard.run(ctx=bytes(8), data=b"1", sysctl="kernel/ostype")


def test_sysctl_helpers_copy_as_the_kernel_does(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(SYSCTL, "sysctl.bpf.c"))
    guard = obj.programs["guard"]
    guard.run(ctx=(1).to_bytes(4, "little") + bytes(4), data=b"600\n", sysctl="net/ipv4/tcp_keepalive_time",
              current=b"7200\n")
    # the path is 27 bytes (fits 32); its base name is cut to 7 and a NUL; the values fit
    assert obj.globals["got"] == [27, -E2BIG, 5, 4, 0]
    assert (obj.globals["name"], obj.globals["base"]) == (b"net/ipv4/tcp_keepalive_time", b"tcp_kee")
    assert (obj.globals["current"], obj.globals["written"]) == (b"7200\n", b"600\n")
    guard.run(ctx=bytes(8), sysctl="kernel/ostype", current=b"")
    assert obj.globals["got"] == [13, 6, -EINVAL, -EINVAL, -EINVAL]  # no value to read, nothing written
    assert obj.globals["written"] == b""  # zeroed


SK_SKB = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} peers SEC(".maps");

SEC("sk_skb/stream_parser")
int parser(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int verdict(struct __sk_buff *skb)
{
	unsigned char *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (data + 1 > end)
		return SK_DROP;
	return bpf_sk_redirect_map(skb, &peers, data[0], 0);
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_sk_skb_programs_see_the_stream_data(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(SK_SKB, "sk_skb.bpf.c"))
    assert obj.programs["parser"].run(data=b"hello world").retval == 11
    with pytest.raises(pybpf.TestRunError, match="ENOTSUPP"):
        obj.programs["parser"].test_run(data=bytes(14) + b"hello")
    obj.maps["peers"][1] = 5  # as user space stores a socket: its descriptor
    verdict = obj.programs["verdict"]
    sent = verdict.run(data=b"\x01ping")
    assert (sent.retval, sent.redirect, sent.data_out) == (1, ("peers", 1, (5).to_bytes(8, "little"), "egress"), b"\x01ping")
    assert (verdict.run(data=b"\x00ping").retval, verdict.run(data=b"").retval) == (0, 0)
