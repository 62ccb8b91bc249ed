"""The kinds of objects real projects build, against the live kernel: kfuncs and kconfig externs,
the current task, packet helpers and redirects, LPM tries, device maps and bloom filters."""

from __future__ import annotations

import pytest

from ._differential import Delete, Lookup, NextKey, Run, Update, compare, compare_load, last_line
from .test_differential import PACKET, u32

pytestmark = pytest.mark.kernel


def lpm(prefixlen: int, *data: int) -> bytes:
    return u32(prefixlen) + bytes(data)


def test_iterators_rcu_and_kconfig(testdata):
    compare(testdata("realobj"), [Run("loops")])


def test_a_spin_lock_in_global_data_beside_other_globals(testdata):
    compare(testdata("global_lock"), [Run("bump", data=PACKET), Run("bump", data=PACKET)])


def test_current_task_helpers(testdata):
    compare(testdata("realobj"), [Run("task")])


def test_skb_load_store_and_checksum_helpers(testdata):
    compare(testdata("realobj"), [Run("skb_ops", data=PACKET)])


@pytest.mark.parametrize("program", ["xdp_fwd", "xdp_fwd_hash", "xdp_redir", "xdp_bad_flags", "xdp_pop_eth", "xdp_fib", "xdp_meta", "xdp_tail"])
def test_xdp_redirects_and_head_moves(testdata, program):
    steps = [Run(program, data=PACKET), Update("tx", u32(1), u32(1)), Update("txh", u32(1), u32(1)),
             Run(program, data=PACKET)]
    compare(testdata("realobj"), steps)


def test_lpm_trie_from_user_space_and_programs(testdata):
    steps = [
        Update("routes", lpm(8, 10, 0, 0, 0), u32(8)),
        Update("routes", lpm(16, 10, 1, 0, 0), u32(16)),
        Update("routes", lpm(24, 10, 1, 2, 0), u32(24)),
        Update("routes", lpm(24, 10, 1, 3, 0), u32(25)),
        Update("routes", lpm(16, 10, 1, 9, 9), u32(17), 1),  # BPF_NOEXIST on the same prefix: EEXIST
        Update("routes", lpm(33, 10, 1, 2, 3), u32(0)),  # prefix too long: EINVAL
        Update("routes", lpm(12, 10, 0, 0, 0), u32(0), 2),  # BPF_EXIST on a new prefix: ENOENT
        Lookup("routes", lpm(32, 10, 1, 2, 200)),
        Lookup("routes", lpm(32, 10, 9, 9, 9)),
        Lookup("routes", lpm(32, 11, 0, 0, 0)),
        NextKey("routes", None),
        NextKey("routes", lpm(24, 10, 1, 2, 0)),
        NextKey("routes", lpm(16, 10, 1, 0, 0)),
        NextKey("routes", lpm(20, 10, 1, 0, 0)),
        Run("lookups", data=PACKET),
        Delete("routes", lpm(24, 10, 1, 2, 0)),
        Delete("routes", lpm(24, 10, 1, 2, 0)),
        Run("lookups", data=PACKET),
    ]
    compare(testdata("realobj"), steps)


def test_device_and_cpu_maps_from_user_space(testdata):
    steps = [
        Update("tx", u32(0), u32(1)),
        Update("tx", u32(1), u32(1), 1),  # BPF_NOEXIST
        Update("tx", u32(4), u32(1)),  # past the end
        Lookup("tx", u32(0)),
        Lookup("tx", u32(2)),
        Delete("tx", u32(2)),
        Delete("tx", u32(9)),
        NextKey("tx", None),
        Update("txh", u32(7), u32(1)),
        Update("txh", u32(8), u32(1), 2),  # BPF_EXIST: ENOENT
        Update("txh", u32(9), u32(0)),  # no device 0
        Delete("txh", u32(8)),
        NextKey("txh", None),
        Update("cpus", u32(0), u32(128)),
        Update("cpus", u32(1), u32(100000)),  # queue too long
        Lookup("cpus", u32(0)),
        Update("cpus", u32(0), u32(0)),  # a queue of 0 empties the slot
        Lookup("cpus", u32(0)),
    ]
    compare(testdata("realobj"), steps)


@pytest.mark.parametrize("program", ["xdp_bytes", "xdp_to_sock"])
def test_xdp_byte_helpers_and_socket_map_lookups(testdata, program):
    steps = [Run(program, data=PACKET), Run(program, data=PACKET[:20]), Lookup("socks", u32(0))]
    compare(testdata("net_helpers"), steps)


def test_skb_pull_data_and_tunnel_keys(testdata):
    compare(testdata("net_helpers"), [Run("tc_pull_and_tunnel", data=PACKET), Run("tc_pull_and_tunnel", data=PACKET[:34])])


def test_signals_to_the_current_task(testdata):
    compare(testdata("net_helpers"), [Run("signals")])


def test_strtol_and_strtoul(testdata):
    compare(testdata("more_helpers"), [Run("strings")])


def test_ringbuf_dynptrs(testdata):
    compare(testdata("more_helpers"), [Run("dynptrs", data=PACKET), Run("dynptrs", data=PACKET)])


def test_skb_metadata_helpers(testdata):
    compare(testdata("more_helpers"), [Run("skb_meta", data=PACKET)])


#: an IPv6/UDP frame, and a __sk_buff that makes the skb GSO (gso_size set)
IPV6_PACKET = (bytes.fromhex("020000000002020000000001") + b"\x86\xdd"
               + bytes.fromhex("6000000000100b40") + bytes(15) + b"\x01" + bytes(15) + b"\x02" + bytes(16))
GSO_CTX = bytes(176) + u32(1000) + bytes(12)


@pytest.mark.parametrize("mode", range(4))
def test_skb_adjust_room(testdata, mode):
    steps = [Run("room", data=PACKET), Run("room", data=PACKET[:34]), Run("room", data=IPV6_PACKET),
             Run("room", data=PACKET, ctx=GSO_CTX)]
    compare(testdata("adjust_room", MODE=str(mode)), steps)


@pytest.mark.parametrize("mode", range(3))
def test_skb_change_tail_and_head(testdata, mode):
    steps = [Run("ends", data=PACKET), Run("ends", data=IPV6_PACKET), Run("ends", data=PACKET, ctx=GSO_CTX)]
    compare(testdata("adjust_room", MODE=str(mode)), steps)


#: an IPv4 frame carrying an 802.1Q tag (TCI 5) before its EtherType
VLAN_PACKET = PACKET[:12] + b"\x81\x00\x00\x05" + PACKET[12:]


@pytest.mark.parametrize("mode", range(2))
def test_skb_vlan_push_and_pop(testdata, mode):
    steps = [Run("vlans", data=PACKET), Run("vlans", data=VLAN_PACKET), Run("vlans", data=PACKET[:14])]
    compare(testdata("adjust_room", MODE=str(mode)), steps)


def test_skb_socket_cgroup_and_checksum_level_helpers(testdata):
    compare(testdata("more_helpers"), [Run("skb_socket", data=PACKET), Run("skb_socket", data=PACKET)])


def test_skb_change_proto(testdata):
    compare(testdata("adjust_room", MODE="0"), [Run("xlat", data=PACKET), Run("xlat", data=IPV6_PACKET)])


@pytest.mark.parametrize("program", ["tc_mtu", "xdp_mtu", "xfrm"])
def test_check_mtu_and_xfrm_state(testdata, program):
    compare(testdata("more_helpers"), [Run(program, data=PACKET)])


@pytest.mark.parametrize("mode", [0, 1])
def test_a_context_or_null_argument_loads_as_on_the_kernel(testdata, mode):
    """bpf_get_netns_cookie takes the context or NULL (ARG_PTR_TO_CTX_OR_NULL)."""
    outcome = compare_load(testdata("more_helpers", MODE=str(mode)))
    if mode == 0:
        assert outcome.kernel_errno == 0 and outcome.pybpf_error is None
    else:
        message = "dereference of modified ctx ptr R1 off=8 disallowed"
        assert outcome.kernel_errno == 13 and last_line(outcome.kernel_log) == message
        assert outcome.pybpf_error is not None and message in str(outcome.pybpf_error)
        assert outcome.pybpf_error.errno == 13  # type: ignore[attr-defined]


def test_a_helper_that_may_sleep_is_refused_to_a_non_sleepable_program(testdata):
    outcome = compare_load(testdata("more_helpers", MODE="2"))
    message = "helper call might sleep in a non-sleepable prog"
    assert outcome.kernel_errno == 22 and last_line(outcome.kernel_log) == message
    assert outcome.pybpf_error is not None and message in str(outcome.pybpf_error)


def test_copy_from_user(testdata):
    """The program reads this process's memory through a pointer in its context, on both
    sides: the kernel's copy_from_user and pybpf's read of the calling process."""
    import ctypes

    user = (ctypes.c_uint64 * 2)(0x0102030405060708, 0x1112131415161718)
    compare(testdata("more_helpers"), [Run("copies", ctx=u64(ctypes.addressof(user)))])


def u64(n: int) -> bytes:
    return n.to_bytes(8, "little")


def test_netns_cookie(testdata):
    """The calling process's network namespace: the same cookie on both sides."""
    compare(testdata("more_helpers"), [Run("netns_ctx", data=PACKET)])


def test_ancestor_cgroup_ids(testdata):
    """The calling process runs in the root cgroup here (its id is 1, as pybpf's default task's)."""
    compare(testdata("more_helpers"), [Run("ancestors", data=PACKET)])


def test_perf_event_read_of_empty_slots(testdata):
    compare(testdata("more_helpers"), [Run("counters_empty", data=PACKET)])


def test_find_vma_gives_the_memory_area_of_this_process(testdata):
    """A mapped file's area (the Python library's code) and an unmapped address, on both
    sides: the same start, end, flags, page offset and file, or -ENOENT."""
    import ctypes
    import struct

    import pybpf

    from ._libbpf import KernelObject

    obj = testdata("find_vma")
    code = ctypes.cast(ctypes.pythonapi.Py_Initialize, ctypes.c_void_p).value
    kernel = KernelObject(obj)
    try:
        bss = kernel.map_named(".bss")
        expected = []
        for address in (code, 0x1000):
            bss.update(u32(0), struct.pack("<Q", address) + bytes(48))
            kernel.programs["find"].test_run(ctx_out=False)
            raw = bss.lookup(u32(0))
            expected.append(struct.unpack("<7q", raw))  # address, result, found[5]
    finally:
        kernel.close()
    with pybpf.Runtime(clock="virtual") as rt:
        loaded = rt.load(obj)
        got = []
        for address in (code, 0x1000):
            loaded.globals["address"] = address
            loaded.globals["found"] = [0] * 5
            loaded.programs["find"].test_run()
            got.append((address, loaded.globals["result"], *loaded.globals["found"]))
    assert [tuple(x & (2**64 - 1) for x in row) for row in got] == [tuple(x & (2**64 - 1) for x in row) for row in expected]
    assert expected[0][1] == 0 and expected[0][6] == 1 and expected[1][1] == -2
