"""The helpers that change a tc packet's length, run on pybpf alone (the same scenarios are
compared with the kernel in tests/kernel/test_real_objects.py): what comes out is the kernel's
packet, and stale packet pointers fault instead of reading the old one."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf

SOURCE = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
long got[8];

SEC("tc")
int encap(struct __sk_buff *skb)
{
	got[0] = bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);
	got[1] = bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);
	got[2] = skb->len;
	got[3] = bpf_skb_change_tail(skb, 40, 0);  /* not once encapsulated */
	return 0;
}

SEC("tc")
int ends(struct __sk_buff *skb)
{
	got[0] = bpf_skb_change_head(skb, 4, 0);
	got[1] = bpf_skb_change_tail(skb, skb->len - 10, 0);
	got[2] = bpf_skb_vlan_push(skb, bpf_htons(0x8100), 5);
	got[3] = skb->vlan_present << 16 | skb->vlan_tci;
	return 0;
}

SEC("tc")
int stale(struct __sk_buff *skb)
{
	unsigned char *data = (void *)(long)skb->data;
	unsigned char *end = (void *)(long)skb->data_end;
	volatile unsigned char *keep = data;

	if (data + 14 > end)
		return 0;
	bpf_skb_change_tail(skb, 100, 0);
	return keep[0];  /* the old packet: the kernel's verifier refuses this, pybpf faults */
}
char LICENSE[] SEC("license") = "GPL";
"""

FRAME = bytes(range(1, 13)) + b"\x08\x00" + bytes(40)


@pytest.fixture
def obj(tmp_path: Path):  # type: ignore[no-untyped-def]
    source = tmp_path / "room.bpf.c"
    source.write_text(SOURCE)
    with pybpf.Runtime(clock="virtual") as rt:
        yield rt.load(source, programs=["encap", "ends"])


def test_encapsulation_room_after_the_mac_header_once(obj) -> None:  # type: ignore[no-untyped-def]
    result = obj.programs["encap"].test_run(data=FRAME)
    assert result.data_out == FRAME[:14] + bytes(20) + FRAME[14:]
    assert obj.globals["got"][:4] == [0, -114, len(FRAME) + 20, -524]  # EALREADY, ENOTSUPP


def test_head_tail_and_vlan_tag(obj) -> None:  # type: ignore[no-untyped-def]
    result = obj.programs["ends"].test_run(data=FRAME)
    assert result.data_out == (bytes(4) + FRAME)[:-10]  # the VLAN tag is metadata, not bytes
    assert obj.globals["got"][:4] == [0, 0, 0, 1 << 16 | 5]


def test_a_stale_packet_pointer_faults(tmp_path: Path) -> None:
    source = tmp_path / "stale.bpf.c"
    source.write_text(SOURCE)
    with pybpf.Runtime(clock="virtual") as rt:
        prog = rt.load(source, programs=["stale"], verify=False).programs["stale"]
        with pytest.raises(pybpf.BpfRuntimeError):
            prog.test_run(data=FRAME)
