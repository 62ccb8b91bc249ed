"""Map types and flags, with the values of the UAPI header ``include/uapi/linux/bpf.h``."""

from __future__ import annotations

import enum

__all__ = [
    "BPF_ANY",
    "BPF_EXIST",
    "BPF_F_ACCESS_MASK",
    "BPF_F_INNER_MAP",
    "BPF_F_LOCK",
    "BPF_F_MMAPABLE",
    "BPF_F_NO_COMMON_LRU",
    "BPF_F_NO_PREALLOC",
    "BPF_F_NUMA_NODE",
    "BPF_F_RDONLY",
    "BPF_F_RDONLY_PROG",
    "BPF_F_WRONLY",
    "BPF_F_WRONLY_PROG",
    "BPF_F_ZERO_SEED",
    "BPF_NOEXIST",
    "BPF_RB_AVAIL_DATA",
    "BPF_RB_CONS_POS",
    "BPF_RB_FORCE_WAKEUP",
    "BPF_RB_NO_WAKEUP",
    "BPF_RB_PROD_POS",
    "BPF_RB_RING_SIZE",
    "BPF_RINGBUF_BUSY_BIT",
    "BPF_RINGBUF_DISCARD_BIT",
    "BPF_RINGBUF_HDR_SZ",
    "MapType",
]


class MapType(enum.IntEnum):
    """``enum bpf_map_type`` (names drop ``BPF_MAP_TYPE_``); pybpf implements only some."""

    UNSPEC = 0
    HASH = 1
    ARRAY = 2
    PROG_ARRAY = 3
    PERF_EVENT_ARRAY = 4
    PERCPU_HASH = 5
    PERCPU_ARRAY = 6
    STACK_TRACE = 7
    CGROUP_ARRAY = 8
    LRU_HASH = 9
    LRU_PERCPU_HASH = 10
    LPM_TRIE = 11
    ARRAY_OF_MAPS = 12
    HASH_OF_MAPS = 13
    DEVMAP = 14
    SOCKMAP = 15
    CPUMAP = 16
    XSKMAP = 17
    SOCKHASH = 18
    CGROUP_STORAGE = 19
    REUSEPORT_SOCKARRAY = 20
    PERCPU_CGROUP_STORAGE = 21
    QUEUE = 22
    STACK = 23
    SK_STORAGE = 24
    DEVMAP_HASH = 25
    STRUCT_OPS = 26
    RINGBUF = 27
    INODE_STORAGE = 28
    TASK_STORAGE = 29
    BLOOM_FILTER = 30
    USER_RINGBUF = 31
    CGRP_STORAGE = 32
    ARENA = 33
    INSN_ARRAY = 34


# Flags of BPF_MAP_UPDATE_ELEM and the update helpers.
BPF_ANY = 0  #: create a new element or update an existing one
BPF_NOEXIST = 1  #: create a new element only if it did not exist
BPF_EXIST = 2  #: update an existing element only
BPF_F_LOCK = 4  #: copy the value under the element's ``bpf_spin_lock``

# Flags of BPF_MAP_CREATE.
BPF_F_NO_PREALLOC = 1 << 0  #: hash maps allocate elements on insert instead of up front
BPF_F_NO_COMMON_LRU = 1 << 1  #: LRU maps keep one LRU list per CPU
BPF_F_NUMA_NODE = 1 << 2  #: ``numa_node`` is meaningful (pybpf ignores it)
BPF_F_RDONLY = 1 << 3  #: user space may only read the map
BPF_F_WRONLY = 1 << 4  #: user space may only write the map
BPF_F_ZERO_SEED = 1 << 6  #: hash maps use a zero hash seed (testing only)
BPF_F_RDONLY_PROG = 1 << 7  #: programs may only read the map
BPF_F_WRONLY_PROG = 1 << 8  #: programs may only write the map
BPF_F_MMAPABLE = 1 << 10  #: an array user space may mmap (global data uses it)
BPF_F_INNER_MAP = 1 << 12  #: an inner array whose max_entries may differ from the template
BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG

# Ring buffers: flags of bpf_ringbuf_output/submit/discard and bpf_ringbuf_query.
BPF_RB_NO_WAKEUP = 1 << 0  #: do not wake a waiting consumer
BPF_RB_FORCE_WAKEUP = 1 << 1  #: wake a waiting consumer even if it has not caught up
BPF_RB_AVAIL_DATA = 0  #: bytes produced but not yet consumed
BPF_RB_RING_SIZE = 1  #: the size of the data area
BPF_RB_CONS_POS = 2  #: the consumer position
BPF_RB_PROD_POS = 3  #: the producer position

# The 8-byte record header: ``u32 len`` (with these two bits) then ``u32 pg_off``.
BPF_RINGBUF_BUSY_BIT = 1 << 31  #: the record is reserved but not yet submitted
BPF_RINGBUF_DISCARD_BIT = 1 << 30  #: the record was discarded: consumers skip it
BPF_RINGBUF_HDR_SZ = 8
