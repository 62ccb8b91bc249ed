"""Native map operations as LLVM IR text, for the JIT (:mod:`._jit`) to compile once per process.

This module builds text only (it never imports llvmlite). The maps package keeps the elements
of hash and array maps in native slots (:mod:`pybpf.maps._elements`); for the maps it runs
natively it also keeps the *index* natively, in buffers a :class:`MapField` descriptor points
at, so programs (through compiled helper calls) and the Python map API (through the built-in
functions :mod:`._jit` makes of the ``nm_*`` entry points) work on one copy of the data.

A hash map's index: a bucket array of ``i32`` heads (slot + 1, 0 for none) chained through the
slots' links, the insertion order (least recently used first for LRU maps) as a doubly
linked list through the same links, and the free slots as a FIFO ring, so slots are handed
out exactly as the Python index hands them out (never-used slots first, then the oldest
freed). Each slot holds its links right after its key (hidden from programs, as the key is):
four ``i32``, chain next, order previous, order next (each slot + 1), and the key's hash.

Every entry point runs with the GIL held and never releases it, so each operation is
indivisible for every other thread, as the map lock makes the Python operations.
"""

from __future__ import annotations

import re
from enum import IntEnum

from ._lockgen import LOCK_BODY, LOCK_PY_ENTRY_POINTS, LOCK_SYMBOL, UNLOCK_SYMBOL

__all__ = ["FALLBACK", "PROGRAM_ENTRY_POINTS", "PY_ENTRY_POINTS", "USER_ENTRY_POINTS", "MapField", "MapKind", "NativeOp", "map_ir"]


class MapField(IntEnum):
    """The 64-bit slots of a native map's descriptor, by index."""

    LIVE = 0  #: 1 while compiled helper calls may use the map natively; 0 once closed
    KEY_SIZE = 1
    VALUE_SIZE = 2
    SLOT_SIZE = 3  #: bytes per slot: the stored key (hash maps), then the per-CPU copies
    KEY_AREA = 4  #: where the first value starts in a slot
    STRIDE = 5  #: bytes from one CPU's copy to the next
    COPIES = 6  #: values per slot (the CPU count for per-CPU maps, else 1)
    MAX_ENTRIES = 7
    COUNT = 8  #: live elements (hash maps)
    MASK = 9  #: buckets - 1 (a power of 2)
    BUCKETS = 10  #: address of the ``i32`` bucket heads
    META = 11  #: where a slot's links (four ``i32``) start in it
    HEAD = 12  #: first slot in order, + 1 (0: empty)
    TAIL = 13  #: last slot in order, + 1
    NEXT = 14  #: the first slot never handed out
    TOTAL = 15  #: the slots there are
    FREEQ = 16  #: address of the ``i32`` ring of freed slots
    FREE_HEAD = 17
    FREE_COUNT = 18
    SLOTS = 19  #: address of slot 0
    KIND = 20  #: :class:`MapKind` bits
    WRITABLE = 21  #: 1 if programs may write the values (no BPF_F_RDONLY_PROG)
    LOCK_AT = 22  #: where a value's ``bpf_spin_lock`` is, -1 if it has none
    GAPS = 23  #: address of the ``i64`` pairs ``[start, end)`` of a ``HOLES`` value's plain bytes
    NGAPS = 24  #: how many pairs
    WIN_AT = 25  #: where in a value the window a program's lookup opens starts (its largest gap)
    WIN_SIZE = 26  #: and its length


DESCRIPTOR_SLOTS = len(MapField)


class MapKind(IntEnum):
    """Bits of :attr:`MapField.KIND`."""

    LRU = 1  #: a full map evicts its least recently used element; program lookups mark use
    PERCPU = 2  #: one value per CPU
    ARRAY = 4  #: an array: the key is an index, every element exists
    HOLES = 8  #: values hold special fields: copies go around them (see :mod:`._lockgen`)
    #: freeing an element runs Python (its timer, kptrs or graph heads): native code never
    #: frees one, programs' calls that would fall back, and Python is told what to free
    RELEASE = 16


class NativeOp(IntEnum):
    """What a helper implementation's ``native_op`` attribute declares it to be, so compiled
    code may run it natively; the map operations are the ``op`` of ``pybpf_nmap``."""

    LOOKUP = 0
    UPDATE = 1
    DELETE = 2
    LOOP = 3  #: ``bpf_loop``, whose callbacks compiled code calls directly
    LOCK = 4  #: ``bpf_spin_lock`` (see :mod:`._lockgen`)
    CPU_ID = 5  #: ``bpf_get_smp_processor_id``: the run's CPU, read from its state
    UNLOCK = 6  #: ``bpf_spin_unlock``
    TIMER_START = 16  #: ``bpf_timer_start``: a callback re-arming its timer (engine._timergen)
    KTIME = 17  #: ``bpf_ktime_get_ns`` and its boot and coarse forms, in the timer lane
    TIMER_INIT = 18  #: ``bpf_timer_init``, while a timer desk is bound (engine._tcallgen)
    TIMER_SET_CALLBACK = 19  #: ``bpf_timer_set_callback``, likewise
    TIMER_CANCEL = 20  #: ``bpf_timer_cancel``, likewise


#: What ``pybpf_nmap`` returns when it cannot run the call natively (an unknown map, a key
#: off the stack...): compiled code then calls the helper through Python. Never a helper's
#: result: not an address, and below every errno.
FALLBACK = -0x10000

_EINVAL, _EEXIST, _ENOENT, _E2BIG = 22, 17, 2, 7

#: The Python entry points: name -> argument kinds (``i``: an int, ``b``: a bytes object).
PY_ENTRY_POINTS: dict[str, str] = {
    "nm_find": "ib",
    "nm_lookup": "ibi",
    "nm_update": "ibbii",
    "nm_delete": "ib",
    "nm_unlink": "ib",
    "nm_release": "ii",
    "nm_next": "ibi",
} | LOCK_PY_ENTRY_POINTS

_DECLARATIONS = """\
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
"""

_PY_DECLARATIONS = """\
declare i64 @PyLong_AsUnsignedLongLongMask(ptr)
declare ptr @PyLong_FromLongLong(i64)
declare ptr @PyBytes_AsString(ptr)
declare i64 @PyBytes_Size(ptr)
declare ptr @PyBytes_FromStringAndSize(ptr, i64)
"""

#: The user-space operations of a plain (not per-CPU) hash map, as built-in functions bound
#: to the map (their ``self`` is the descriptor's address, see :data:`_USER_BODY`).
USER_ENTRY_POINTS = {"nm_get": 1, "nm_put": 3}  #: name -> argument count

# Written with {FIELD} names (MapField and MapKind members, errnos), filled in by map_ir.
_BODY = r"""
define internal i64 @get(ptr %D, i64 %i) {
  %p = getelementptr i64, ptr %D, i64 %i
  %v = load i64, ptr %p
  ret i64 %v
}

define internal void @set(ptr %D, i64 %i, i64 %v) {
  %p = getelementptr i64, ptr %D, i64 %i
  store i64 %v, ptr %p
  ret void
}

define internal ptr @meta(ptr %D, i64 %s, i64 %f) {
  %slot = call i64 @slot_address(ptr %D, i64 %s)
  %m = call i64 @get(ptr %D, i64 {META})
  %a = add i64 %slot, %m
  %mp = inttoptr i64 %a to ptr
  %p = getelementptr i32, ptr %mp, i64 %f
  ret ptr %p
}

define internal i64 @link(ptr %D, i64 %s, i64 %f) {
  %p = call ptr @meta(ptr %D, i64 %s, i64 %f)
  %v = load i32, ptr %p
  %w = zext i32 %v to i64
  ret i64 %w
}

define internal void @set_link(ptr %D, i64 %s, i64 %f, i64 %v) {
  %p = call ptr @meta(ptr %D, i64 %s, i64 %f)
  %w = trunc i64 %v to i32
  store i32 %w, ptr %p
  ret void
}

define internal i64 @slot_address(ptr %D, i64 %s) {
  %base = call i64 @get(ptr %D, i64 {SLOTS})
  %size = call i64 @get(ptr %D, i64 {SLOT_SIZE})
  %off = mul i64 %s, %size
  %a = add i64 %base, %off
  ret i64 %a
}

define internal i64 @value_address(ptr %D, i64 %s, i64 %copy) {
  %slot = call i64 @slot_address(ptr %D, i64 %s)
  %ka = call i64 @get(ptr %D, i64 {KEY_AREA})
  %stride = call i64 @get(ptr %D, i64 {STRIDE})
  %c = mul i64 %copy, %stride
  %a = add i64 %slot, %ka
  %b = add i64 %a, %c
  ret i64 %b
}

define internal i64 @is_kind(ptr %D, i64 %bit) {
  %k = call i64 @get(ptr %D, i64 {KIND})
  %b = and i64 %k, %bit
  ret i64 %b
}

; The key's hash: 8, then 4, then 1 bytes at a time, each step a multiply-xorshift; the
; low 32 bits pick the bucket.
define internal i64 @mix(i64 %h, i64 %w) {
  %x = xor i64 %h, %w
  %m = mul i64 %x, -7046029254386353131
  %s = lshr i64 %m, 29
  %r = xor i64 %m, %s
  ret i64 %r
}

define internal i64 @hash(ptr %k, i64 %n) {
entry:
  br label %words
words:
  %i = phi i64 [ 0, %entry ], [ %i8, %word ]
  %h = phi i64 [ %n, %entry ], [ %hw, %word ]
  %rest = sub i64 %n, %i
  %big = icmp uge i64 %rest, 8
  br i1 %big, label %word, label %half
word:
  %wp = getelementptr i8, ptr %k, i64 %i
  %w = load i64, ptr %wp, align 1
  %hw = call i64 @mix(i64 %h, i64 %w)
  %i8 = add i64 %i, 8
  br label %words
half:
  %has4 = icmp uge i64 %rest, 4
  br i1 %has4, label %four, label %bytes
four:
  %fp = getelementptr i8, ptr %k, i64 %i
  %f = load i32, ptr %fp, align 1
  %f64 = zext i32 %f to i64
  %hf = call i64 @mix(i64 %h, i64 %f64)
  %i4 = add i64 %i, 4
  br label %bytes
bytes:
  %j = phi i64 [ %i, %half ], [ %i4, %four ], [ %j1, %byte ]
  %hb = phi i64 [ %h, %half ], [ %hf, %four ], [ %hb1, %byte ]
  %done = icmp eq i64 %j, %n
  br i1 %done, label %out, label %byte
byte:
  %bp = getelementptr i8, ptr %k, i64 %j
  %b = load i8, ptr %bp
  %b64 = zext i8 %b to i64
  %hb1 = call i64 @mix(i64 %hb, i64 %b64)
  %j1 = add i64 %j, 1
  br label %bytes
out:
  %top = lshr i64 %hb, 32
  %r = xor i64 %hb, %top
  %low = and i64 %r, 4294967295
  ret i64 %low
}

; Whether the n bytes at a and b are equal: 8, then 4, then 1 bytes at a time.
define internal i1 @same_key(ptr %a, ptr %b, i64 %n) {
entry:
  br label %words
words:
  %i = phi i64 [ 0, %entry ], [ %i8, %word ]
  %rest = sub i64 %n, %i
  %big = icmp uge i64 %rest, 8
  br i1 %big, label %word, label %half
word:
  %ap = getelementptr i8, ptr %a, i64 %i
  %bp = getelementptr i8, ptr %b, i64 %i
  %x = load i64, ptr %ap, align 1
  %y = load i64, ptr %bp, align 1
  %i8 = add i64 %i, 8
  %eq = icmp eq i64 %x, %y
  br i1 %eq, label %words, label %differ
half:
  %has4 = icmp uge i64 %rest, 4
  br i1 %has4, label %four, label %bytes
four:
  %ap4 = getelementptr i8, ptr %a, i64 %i
  %bp4 = getelementptr i8, ptr %b, i64 %i
  %x4 = load i32, ptr %ap4, align 1
  %y4 = load i32, ptr %bp4, align 1
  %i4 = add i64 %i, 4
  %eq4 = icmp eq i32 %x4, %y4
  br i1 %eq4, label %bytes, label %differ
bytes:
  %j = phi i64 [ %i, %half ], [ %i4, %four ], [ %j1, %byte ]
  %done = icmp eq i64 %j, %n
  br i1 %done, label %same, label %byte
byte:
  %ap1 = getelementptr i8, ptr %a, i64 %j
  %bp1 = getelementptr i8, ptr %b, i64 %j
  %x1 = load i8, ptr %ap1
  %y1 = load i8, ptr %bp1
  %j1 = add i64 %j, 1
  %eq1 = icmp eq i8 %x1, %y1
  br i1 %eq1, label %bytes, label %differ
same:
  ret i1 true
differ:
  ret i1 false
}

define internal ptr @bucket(ptr %D, i64 %h) {
  %mask = call i64 @get(ptr %D, i64 {MASK})
  %b = and i64 %h, %mask
  %bk = call i64 @get(ptr %D, i64 {BUCKETS})
  %bkp = inttoptr i64 %bk to ptr
  %p = getelementptr i32, ptr %bkp, i64 %b
  ret ptr %p
}

; The slot holding key (whose hash is h), or -1.
define internal i64 @find_hashed(ptr %D, ptr %key, i64 %h) {
entry:
  %ks = call i64 @get(ptr %D, i64 {KEY_SIZE})
  %bp = call ptr @bucket(ptr %D, i64 %h)
  %first = load i32, ptr %bp
  br label %loop
loop:
  %cur = phi i32 [ %first, %entry ], [ %nxt, %next ]
  %empty = icmp eq i32 %cur, 0
  br i1 %empty, label %miss, label %check
check:
  %c64 = zext i32 %cur to i64
  %s = sub i64 %c64, 1
  %sh = call i64 @link(ptr %D, i64 %s, i64 3)
  %same = icmp eq i64 %sh, %h
  br i1 %same, label %cmp, label %next
cmp:
  %addr = call i64 @slot_address(ptr %D, i64 %s)
  %ap = inttoptr i64 %addr to ptr
  %eq = call i1 @same_key(ptr %ap, ptr %key, i64 %ks)
  br i1 %eq, label %hit, label %next
hit:
  ret i64 %s
next:
  %np = call ptr @meta(ptr %D, i64 %s, i64 0)
  %nxt = load i32, ptr %np
  br label %loop
miss:
  ret i64 -1
}

define i64 @nm_find(ptr %D, ptr %key) {
  %ks = call i64 @get(ptr %D, i64 {KEY_SIZE})
  %h = call i64 @hash(ptr %key, i64 %ks)
  %s = call i64 @find_hashed(ptr %D, ptr %key, i64 %h)
  ret i64 %s
}

; -- the order list ---------------------------------------------------------------------

; Link the neighbours p and n (slots + 1, 0 at an end) to what now stands between them:
; p's next becomes after_p (or the head does), n's previous becomes before_n (or the tail).
define internal void @join(ptr %D, i64 %p, i64 %n, i64 %after_p, i64 %before_n) {
entry:
  %p0 = icmp eq i64 %p, 0
  br i1 %p0, label %head, label %prev
head:
  call void @set(ptr %D, i64 {HEAD}, i64 %after_p)
  br label %after
prev:
  %pi = sub i64 %p, 1
  call void @set_link(ptr %D, i64 %pi, i64 2, i64 %after_p)
  br label %after
after:
  %n0 = icmp eq i64 %n, 0
  br i1 %n0, label %tail, label %nextl
tail:
  call void @set(ptr %D, i64 {TAIL}, i64 %before_n)
  ret void
nextl:
  %ni = sub i64 %n, 1
  call void @set_link(ptr %D, i64 %ni, i64 1, i64 %before_n)
  ret void
}

define internal void @order_remove(ptr %D, i64 %s) {
  %p = call i64 @link(ptr %D, i64 %s, i64 1)
  %n = call i64 @link(ptr %D, i64 %s, i64 2)
  call void @join(ptr %D, i64 %p, i64 %n, i64 %n, i64 %p)
  ret void
}

define internal void @order_append(ptr %D, i64 %s) {
entry:
  %t = call i64 @get(ptr %D, i64 {TAIL})
  call void @set_link(ptr %D, i64 %s, i64 1, i64 %t)
  call void @set_link(ptr %D, i64 %s, i64 2, i64 0)
  %s1 = add i64 %s, 1
  %t0 = icmp eq i64 %t, 0
  br i1 %t0, label %empty, label %after
empty:
  call void @set(ptr %D, i64 {HEAD}, i64 %s1)
  br label %done
after:
  %ti = sub i64 %t, 1
  call void @set_link(ptr %D, i64 %ti, i64 2, i64 %s1)
  br label %done
done:
  call void @set(ptr %D, i64 {TAIL}, i64 %s1)
  ret void
}

; Slot s takes slot o's place in the order (a dict keeps a replaced key's position).
define internal void @order_replace(ptr %D, i64 %o, i64 %s) {
  %p = call i64 @link(ptr %D, i64 %o, i64 1)
  %n = call i64 @link(ptr %D, i64 %o, i64 2)
  call void @set_link(ptr %D, i64 %s, i64 1, i64 %p)
  call void @set_link(ptr %D, i64 %s, i64 2, i64 %n)
  %s1 = add i64 %s, 1
  call void @join(ptr %D, i64 %p, i64 %n, i64 %s1, i64 %s1)
  ret void
}

; Move s to the end of the order (an LRU map's "just used").
define internal void @touch(ptr %D, i64 %s) {
entry:
  %t = call i64 @get(ptr %D, i64 {TAIL})
  %s1 = add i64 %s, 1
  %last = icmp eq i64 %t, %s1
  br i1 %last, label %done, label %move
move:
  call void @order_remove(ptr %D, i64 %s)
  call void @order_append(ptr %D, i64 %s)
  br label %done
done:
  ret void
}

; -- bucket chains ----------------------------------------------------------------------

define internal void @chain_push(ptr %D, i64 %s) {
  %h = call i64 @link(ptr %D, i64 %s, i64 3)
  %bp = call ptr @bucket(ptr %D, i64 %h)
  %first = load i32, ptr %bp
  %f64 = zext i32 %first to i64
  call void @set_link(ptr %D, i64 %s, i64 0, i64 %f64)
  %s1 = add i64 %s, 1
  %s132 = trunc i64 %s1 to i32
  store i32 %s132, ptr %bp
  ret void
}

; Make the link that points at s in its chain point at %with instead (slot + 1, or 0).
define internal void @chain_cut(ptr %D, i64 %s, i64 %with) {
entry:
  %h = call i64 @link(ptr %D, i64 %s, i64 3)
  %bp = call ptr @bucket(ptr %D, i64 %h)
  %s1 = add i64 %s, 1
  %s132 = trunc i64 %s1 to i32
  %w32 = trunc i64 %with to i32
  br label %loop
loop:
  %at = phi ptr [ %bp, %entry ], [ %np, %next ]
  %v = load i32, ptr %at
  %gone = icmp eq i32 %v, 0
  br i1 %gone, label %done, label %test
test:
  %hit = icmp eq i32 %v, %s132
  br i1 %hit, label %cut, label %next
cut:
  store i32 %w32, ptr %at
  br label %done
next:
  %v64 = zext i32 %v to i64
  %vi = sub i64 %v64, 1
  %np = call ptr @meta(ptr %D, i64 %vi, i64 0)
  br label %loop
done:
  ret void
}

define internal void @chain_remove(ptr %D, i64 %s) {
  %after = call i64 @link(ptr %D, i64 %s, i64 0)
  call void @chain_cut(ptr %D, i64 %s, i64 %after)
  ret void
}

; Slot s (whose key is o's) takes o's place in their chain, which the search just walked.
define internal void @chain_swap(ptr %D, i64 %o, i64 %s) {
  %after = call i64 @link(ptr %D, i64 %o, i64 0)
  call void @set_link(ptr %D, i64 %s, i64 0, i64 %after)
  %s1 = add i64 %s, 1
  call void @chain_cut(ptr %D, i64 %o, i64 %s1)
  ret void
}

; -- slots ------------------------------------------------------------------------------

; Copy n bytes between buffers that never overlap (a key or value from the stack or from a
; Python bytes object into a slot): words, then bytes, inline for the small sizes of keys
; and values; memcpy beyond.
define internal void @copy(ptr %dst, ptr %src, i64 %n) {
entry:
  %large = icmp ugt i64 %n, 64
  br i1 %large, label %bulk, label %words
bulk:
  call void @llvm.memcpy.p0.p0.i64(ptr %dst, ptr %src, i64 %n, i1 false)
  ret void
words:
  %i = phi i64 [ 0, %entry ], [ %i8, %word ]
  %rest = sub i64 %n, %i
  %big = icmp uge i64 %rest, 8
  br i1 %big, label %word, label %bytes
word:
  %sp = getelementptr i8, ptr %src, i64 %i
  %dp = getelementptr i8, ptr %dst, i64 %i
  %w = load i64, ptr %sp, align 1
  store i64 %w, ptr %dp, align 1
  %i8 = add i64 %i, 8
  br label %words
bytes:
  %j = phi i64 [ %i, %words ], [ %j1, %byte ]
  %done = icmp eq i64 %j, %n
  br i1 %done, label %out, label %byte
byte:
  %sp1 = getelementptr i8, ptr %src, i64 %j
  %dp1 = getelementptr i8, ptr %dst, i64 %j
  %b = load i8, ptr %sp1
  store i8 %b, ptr %dp1
  %j1 = add i64 %j, 1
  br label %bytes
out:
  ret void
}

; Zero a slot (its size is a multiple of 8).
define internal void @zero(ptr %dst, i64 %n) {
entry:
  %large = icmp ugt i64 %n, 64
  br i1 %large, label %bulk, label %words
bulk:
  call void @llvm.memset.p0.i64(ptr %dst, i8 0, i64 %n, i1 false)
  ret void
words:
  %i = phi i64 [ 0, %entry ], [ %i8, %word ]
  %more = icmp ult i64 %i, %n
  br i1 %more, label %word, label %out
word:
  %dp = getelementptr i8, ptr %dst, i64 %i
  store i64 0, ptr %dp, align 8
  %i8 = add i64 %i, 8
  br label %words
out:
  ret void
}

define internal i64 @alloc(ptr %D) {
entry:
  %next = call i64 @get(ptr %D, i64 {NEXT})
  %total = call i64 @get(ptr %D, i64 {TOTAL})
  %fresh = icmp ult i64 %next, %total
  br i1 %fresh, label %new, label %reuse
new:
  %n1 = add i64 %next, 1
  call void @set(ptr %D, i64 {NEXT}, i64 %n1)
  ret i64 %next
reuse:
  %fc = call i64 @get(ptr %D, i64 {FREE_COUNT})
  %none = icmp eq i64 %fc, 0
  br i1 %none, label %out, label %pop
out:
  ret i64 -1
pop:
  %fh = call i64 @get(ptr %D, i64 {FREE_HEAD})
  %q = call i64 @get(ptr %D, i64 {FREEQ})
  %qp = inttoptr i64 %q to ptr
  %ep = getelementptr i32, ptr %qp, i64 %fh
  %e = load i32, ptr %ep
  %s = zext i32 %e to i64
  %fh1 = add i64 %fh, 1
  %wrap = icmp eq i64 %fh1, %total
  %fh2 = select i1 %wrap, i64 0, i64 %fh1
  call void @set(ptr %D, i64 {FREE_HEAD}, i64 %fh2)
  %fc1 = sub i64 %fc, 1
  call void @set(ptr %D, i64 {FREE_COUNT}, i64 %fc1)
  ret i64 %s
}

define i64 @nm_release(ptr %D, i64 %s) {
  %fh = call i64 @get(ptr %D, i64 {FREE_HEAD})
  %fc = call i64 @get(ptr %D, i64 {FREE_COUNT})
  %total = call i64 @get(ptr %D, i64 {TOTAL})
  %i = add i64 %fh, %fc
  %over = icmp uge i64 %i, %total
  %wrapped = sub i64 %i, %total
  %at = select i1 %over, i64 %wrapped, i64 %i
  %q = call i64 @get(ptr %D, i64 {FREEQ})
  %qp = inttoptr i64 %q to ptr
  %ep = getelementptr i32, ptr %qp, i64 %at
  %s32 = trunc i64 %s to i32
  store i32 %s32, ptr %ep
  %fc1 = add i64 %fc, 1
  call void @set(ptr %D, i64 {FREE_COUNT}, i64 %fc1)
  ret i64 0
}

; Copy a value (never overlapping the slot) into slot s: copy >= 0 writes that CPU's copy from %value; -1 writes every
; copy from %value, which holds them one STRIDE apart.
define internal void @write(ptr %D, i64 %s, ptr %value, i64 %copy) {
entry:
  %all = icmp slt i64 %copy, 0
  br i1 %all, label %every, label %one
one:
  %dst = call i64 @value_address(ptr %D, i64 %s, i64 %copy)
  %dp = inttoptr i64 %dst to ptr
  call void @copy_value(ptr %D, ptr %dp, ptr %value)
  ret void
every:
  %copies = call i64 @get(ptr %D, i64 {COPIES})
  %stride = call i64 @get(ptr %D, i64 {STRIDE})
  br label %loop
loop:
  %c = phi i64 [ 0, %every ], [ %c1, %body ]
  %more = icmp ult i64 %c, %copies
  br i1 %more, label %body, label %done
body:
  %d = call i64 @value_address(ptr %D, i64 %s, i64 %c)
  %dp2 = inttoptr i64 %d to ptr
  %off = mul i64 %c, %stride
  %sp = getelementptr i8, ptr %value, i64 %off
  call void @copy_value(ptr %D, ptr %dp2, ptr %sp)
  %c1 = add i64 %c, 1
  br label %loop
done:
  ret void
}

; -- hash operations --------------------------------------------------------------------

define i64 @nm_lookup(ptr %D, ptr %key, i64 %cpu) {
entry:
  %s = call i64 @nm_find(ptr %D, ptr %key)
  %miss = icmp slt i64 %s, 0
  br i1 %miss, label %none, label %hit
none:
  ret i64 0
hit:
  %lru = call i64 @is_kind(ptr %D, i64 {LRU})
  %islru = icmp ne i64 %lru, 0
  br i1 %islru, label %use, label %addr
use:
  call void @touch(ptr %D, i64 %s)
  br label %addr
addr:
  %pc = call i64 @is_kind(ptr %D, i64 {PERCPU})
  %ispc = icmp ne i64 %pc, 0
  %copy = select i1 %ispc, i64 %cpu, i64 0
  %a = call i64 @value_address(ptr %D, i64 %s, i64 %copy)
  ret i64 %a
}

define i64 @nm_update(ptr %D, ptr %key, ptr %value, i64 %flags, i64 %copy) {
  %r = call i64 @update(ptr %D, ptr %key, ptr %value, i64 %flags, i64 %copy, i1 false)
  ret i64 %r
}

; Free slot s of an element update took out of the index: 0; in a RELEASE map the slot
; stays taken, for Python to free its fields first, and the result is s + 1.
define internal i64 @retire(ptr %D, i64 %s) {
entry:
  %rel = call i64 @is_kind(ptr %D, i64 {RELEASE})
  %keep = icmp ne i64 %rel, 0
  br i1 %keep, label %report, label %free
report:
  %s1 = add i64 %s, 1
  ret i64 %s1
free:
  call i64 @nm_release(ptr %D, i64 %s)
  ret i64 0
}

; Set key's value (copy >= 0: that CPU's copy; -1: every copy, one STRIDE apart in %value):
; 0, a negative errno, or, for Python in a RELEASE map, the slot + 1 of the element it took
; out (see @retire). For a program (%program) in a RELEASE map, an update that would take an
; element out gives FALLBACK before it changes anything; so does a BPF_F_LOCK update of a
; present key whose lock someone holds.
define internal i64 @update(ptr %D, ptr %key, ptr %value, i64 %flags, i64 %copy, i1 %program) {
entry:
  %mode = and i64 %flags, -5
  %badflags = icmp ugt i64 %mode, 2
  br i1 %badflags, label %einval, label %lockflag
einval:
  ret i64 -{EINVAL}
lockflag:
  %lf = and i64 %flags, 4
  %locked = icmp ne i64 %lf, 0
  %lockat = call i64 @get(ptr %D, i64 {LOCK_AT})
  %nolock = icmp slt i64 %lockat, 0
  %badlock = and i1 %locked, %nolock
  br i1 %badlock, label %einval, label %look
look:
  %ks = call i64 @get(ptr %D, i64 {KEY_SIZE})
  %h = call i64 @hash(ptr %key, i64 %ks)
  %o = call i64 @find_hashed(ptr %D, ptr %key, i64 %h)
  %exists = icmp sge i64 %o, 0
  %lrubits = call i64 @is_kind(ptr %D, i64 {LRU})
  %lru = icmp ne i64 %lrubits, 0
  %relbits = call i64 @is_kind(ptr %D, i64 {RELEASE})
  %release = icmp ne i64 %relbits, 0
  %refuse = and i1 %release, %program
  br i1 %exists, label %present, label %absent
present:
  %noexist = icmp eq i64 %mode, 1
  br i1 %noexist, label %eexist, label %present_ok
eexist:
  ret i64 -{EEXIST}
present_ok:
  br i1 %locked, label %under_lock, label %present_plain
under_lock:
  %la = call i64 @value_address(ptr %D, i64 %o, i64 0)
  %lp = inttoptr i64 %la to ptr
  %copied = call i1 @copy_locked(ptr %D, ptr %lp, ptr %value)
  br i1 %copied, label %ok, label %fallback
fallback:
  ret i64 {FALLBACK}
present_plain:
  %pcbits = call i64 @is_kind(ptr %D, i64 {PERCPU})
  %inplace = icmp ne i64 %pcbits, 0
  br i1 %inplace, label %in_place, label %replacing
replacing:
  br i1 %refuse, label %fallback, label %fresh
in_place:
  call void @write(ptr %D, i64 %o, ptr %value, i64 %copy)
  br i1 %lru, label %in_place_use, label %ok
in_place_use:
  call void @touch(ptr %D, i64 %o)
  br label %ok
absent:
  %exist = icmp eq i64 %mode, 2
  br i1 %exist, label %enoent, label %room
enoent:
  ret i64 -{ENOENT}
room:
  %count = call i64 @get(ptr %D, i64 {COUNT})
  %max = call i64 @get(ptr %D, i64 {MAX_ENTRIES})
  %full = icmp uge i64 %count, %max
  br i1 %full, label %isfull, label %fresh
isfull:
  br i1 %lru, label %evicting, label %e2big
e2big:
  ret i64 -{E2BIG}
evicting:
  br i1 %refuse, label %fallback, label %evict
evict:
  %head = call i64 @get(ptr %D, i64 {HEAD})
  %v = sub i64 %head, 1
  call void @order_remove(ptr %D, i64 %v)
  call void @chain_remove(ptr %D, i64 %v)
  %c1 = sub i64 %count, 1
  call void @set(ptr %D, i64 {COUNT}, i64 %c1)
  br label %fresh
fresh:
  %victim = phi i64 [ -1, %replacing ], [ -1, %room ], [ %v, %evict ]
  %s = call i64 @alloc(ptr %D)
  %nomem = icmp slt i64 %s, 0
  br i1 %nomem, label %enomem, label %fill
enomem:
  ret i64 -{E2BIG}
fill:
  %sa = call i64 @slot_address(ptr %D, i64 %s)
  %sp = inttoptr i64 %sa to ptr
  %ss = call i64 @get(ptr %D, i64 {SLOT_SIZE})
  call void @zero(ptr %sp, i64 %ss)
  call void @copy(ptr %sp, ptr %key, i64 %ks)
  call void @write(ptr %D, i64 %s, ptr %value, i64 %copy)
  call void @set_link(ptr %D, i64 %s, i64 3, i64 %h)
  br i1 %exists, label %replace, label %append
replace:
  call void @chain_swap(ptr %D, i64 %o, i64 %s)
  br i1 %lru, label %replace_lru, label %replace_keep
replace_lru:
  call void @order_remove(ptr %D, i64 %o)
  call void @order_append(ptr %D, i64 %s)
  br label %retire_old
replace_keep:
  call void @order_replace(ptr %D, i64 %o, i64 %s)
  br label %retire_old
retire_old:
  %r_old = call i64 @retire(ptr %D, i64 %o)
  ret i64 %r_old
append:
  call void @chain_push(ptr %D, i64 %s)
  call void @order_append(ptr %D, i64 %s)
  %n = call i64 @get(ptr %D, i64 {COUNT})
  %n1 = add i64 %n, 1
  call void @set(ptr %D, i64 {COUNT}, i64 %n1)
  %evicted = icmp sge i64 %victim, 0
  br i1 %evicted, label %retire_victim, label %ok
retire_victim:
  %r_victim = call i64 @retire(ptr %D, i64 %victim)
  ret i64 %r_victim
ok:
  ret i64 0
}

; Take key's element out of the index (its slot is not free yet): the slot, or -1.
define i64 @nm_unlink(ptr %D, ptr %key) {
entry:
  %s = call i64 @nm_find(ptr %D, ptr %key)
  %miss = icmp slt i64 %s, 0
  br i1 %miss, label %none, label %cut
none:
  ret i64 -1
cut:
  call void @order_remove(ptr %D, i64 %s)
  call void @chain_remove(ptr %D, i64 %s)
  %n = call i64 @get(ptr %D, i64 {COUNT})
  %n1 = sub i64 %n, 1
  call void @set(ptr %D, i64 {COUNT}, i64 %n1)
  ret i64 %s
}

define i64 @nm_delete(ptr %D, ptr %key) {
entry:
  %s = call i64 @nm_unlink(ptr %D, ptr %key)
  %miss = icmp slt i64 %s, 0
  br i1 %miss, label %none, label %free
none:
  ret i64 -{ENOENT}
free:
  call i64 @nm_release(ptr %D, i64 %s)
  ret i64 0
}

; The slot of the key after key in order (the first when has_key is 0 or key is gone), or -1.
define i64 @nm_next(ptr %D, ptr %key, i64 %has_key) {
entry:
  %head = call i64 @get(ptr %D, i64 {HEAD})
  %first = sub i64 %head, 1
  %has = icmp ne i64 %has_key, 0
  br i1 %has, label %look, label %start
start:
  ret i64 %first
look:
  %s = call i64 @nm_find(ptr %D, ptr %key)
  %miss = icmp slt i64 %s, 0
  br i1 %miss, label %start, label %after
after:
  %n = call i64 @link(ptr %D, i64 %s, i64 2)
  %r = sub i64 %n, 1
  ret i64 %r
}

; -- arrays -----------------------------------------------------------------------------

define internal i64 @array_lookup(ptr %D, ptr %key, i64 %cpu) {
entry:
  %k = load i32, ptr %key, align 1
  %i = zext i32 %k to i64
  %max = call i64 @get(ptr %D, i64 {MAX_ENTRIES})
  %in = icmp ult i64 %i, %max
  br i1 %in, label %hit, label %none
none:
  ret i64 0
hit:
  %pc = call i64 @is_kind(ptr %D, i64 {PERCPU})
  %ispc = icmp ne i64 %pc, 0
  %copy = select i1 %ispc, i64 %cpu, i64 0
  %a = call i64 @value_address(ptr %D, i64 %i, i64 %copy)
  ret i64 %a
}

define internal i64 @array_update(ptr %D, ptr %key, ptr %value, i64 %flags, i64 %cpu) {
entry:
  %f = and i64 %flags, -5
  %badflags = icmp ugt i64 %f, 2
  br i1 %badflags, label %einval, label %index
einval:
  ret i64 -{EINVAL}
index:
  %k = load i32, ptr %key, align 1
  %i = zext i32 %k to i64
  %max = call i64 @get(ptr %D, i64 {MAX_ENTRIES})
  %in = icmp ult i64 %i, %max
  br i1 %in, label %noexist, label %e2big
e2big:
  ret i64 -{E2BIG}
noexist:
  %ne = and i64 %flags, 1
  %isne = icmp ne i64 %ne, 0
  br i1 %isne, label %eexist, label %lock
eexist:
  ret i64 -{EEXIST}
lock:
  %l = and i64 %flags, 4
  %isl = icmp ne i64 %l, 0
  br i1 %isl, label %locking, label %copy
locking:
  %lockat = call i64 @get(ptr %D, i64 {LOCK_AT})
  %nolock = icmp slt i64 %lockat, 0
  br i1 %nolock, label %einval, label %locked
locked:
  %la = call i64 @value_address(ptr %D, i64 %i, i64 0)
  %lp = inttoptr i64 %la to ptr
  %copied = call i1 @copy_locked(ptr %D, ptr %lp, ptr %value)
  %r = select i1 %copied, i64 0, i64 {FALLBACK}
  ret i64 %r
copy:
  %pc = call i64 @is_kind(ptr %D, i64 {PERCPU})
  %ispc = icmp ne i64 %pc, 0
  %c = select i1 %ispc, i64 %cpu, i64 0
  call void @write(ptr %D, i64 %i, ptr %value, i64 %c)
  ret i64 0
}

; -- the compiled helpers' entry ----------------------------------------------------------

; A map helper called by compiled code. %S is the run's native state; %maps (from it) the
; table [count, (map address, descriptor)...] of the maps this program was found to use.
; Anything but the common case (a known, open map; key and value in the caller's frames)
; returns FALLBACK, and the caller goes through Python.
define internal i64 @pybpf_nmap(ptr %S, i64 %op, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp) alwaysinline {
entry:
  %held = call i64 @get(ptr %S, i64 {STATE_HELD})
  %locked = icmp ne i64 %held, 0
  %D = call ptr @find_map(ptr %S, i64 %map, i1 false)
  %unknown = icmp eq ptr %D, null
  %python = or i1 %locked, %unknown
  br i1 %python, label %fallback, label %known
known:
  %live = call i64 @get(ptr %D, i64 {LIVE})
  %dead = icmp eq i64 %live, 0
  br i1 %dead, label %fallback, label %keycheck
keycheck:
  %topp = getelementptr i64, ptr %S, i64 {STATE_TOP}
  %top = load i64, ptr %topp
  %lo = sub i64 %fp, {STACK_SIZE}
  %span = sub i64 %top, %lo
  %ks = call i64 @get(ptr %D, i64 {KEY_SIZE})
  %kok = call i1 @on_stack(i64 %key, i64 %ks, i64 %lo, i64 %span)
  br i1 %kok, label %valuecheck, label %fallback
valuecheck:
  %isupdate = icmp eq i64 %op, {UPDATE}
  br i1 %isupdate, label %vcheck, label %run
vcheck:
  %vs = call i64 @get(ptr %D, i64 {VALUE_SIZE})
  %vok = call i1 @on_stack(i64 %value, i64 %vs, i64 %lo, i64 %span)
  br i1 %vok, label %run, label %fallback
run:
  %relbits = call i64 @is_kind(ptr %D, i64 {RELEASE})
  %release = icmp ne i64 %relbits, 0
  %kp = inttoptr i64 %key to ptr
  %vp = inttoptr i64 %value to ptr
  %cpup = getelementptr i64, ptr %S, i64 {STATE_CPU}
  %cpu = load i64, ptr %cpup
  %arr = call i64 @is_kind(ptr %D, i64 {ARRAY})
  %isarr = icmp ne i64 %arr, 0
  br i1 %isarr, label %array, label %hash
array:
  switch i64 %op, label %fallback [ i64 {LOOKUP}, label %alookup
                                    i64 {UPDATE}, label %acopy ]
acopy:
  br i1 %release, label %fallback, label %aupdate
alookup:
  %r1 = call i64 @array_lookup(ptr %D, ptr %kp, i64 %cpu)
  call void @window(ptr %S, ptr %D, i64 %r1)
  ret i64 %r1
aupdate:
  %r2 = call i64 @array_update(ptr %D, ptr %kp, ptr %vp, i64 %flags, i64 %cpu)
  ret i64 %r2
hash:
  switch i64 %op, label %fallback [ i64 {LOOKUP}, label %hlookup
                                    i64 {UPDATE}, label %hupdate
                                    i64 {DELETE}, label %hfree ]
hfree:
  br i1 %release, label %fallback, label %hdelete
hlookup:
  %r3 = call i64 @nm_lookup(ptr %D, ptr %kp, i64 %cpu)
  call void @window(ptr %S, ptr %D, i64 %r3)
  ret i64 %r3
hupdate:
  %pcb = call i64 @is_kind(ptr %D, i64 {PERCPU})
  %pc = icmp ne i64 %pcb, 0
  %copy = select i1 %pc, i64 %cpu, i64 0
  %r4 = call i64 @update(ptr %D, ptr %kp, ptr %vp, i64 %flags, i64 %copy, i1 true)
  ret i64 %r4
hdelete:
  %r5 = call i64 @nm_delete(ptr %D, ptr %kp)
  ret i64 %r5
fallback:
  ret i64 {FALLBACK}
}

; The descriptor, in the run's native map table (see pybpf_nmap), of the map whose address
; is %a, or (%lock) of the map holding the spin lock word at %a (see @lock_word): null if none.
define internal ptr @find_map(ptr %S, i64 %a, i1 %lock) {
entry:
  %tp = getelementptr i64, ptr %S, i64 {STATE_MAPS}
  %t = load i64, ptr %tp
  %nomaps = icmp eq i64 %t, 0
  br i1 %nomaps, label %none, label %scan
scan:
  %tab = inttoptr i64 %t to ptr
  %count = load i64, ptr %tab
  br label %loop
loop:
  %i = phi i64 [ 0, %scan ], [ %i1, %probe ]
  %more = icmp ult i64 %i, %count
  br i1 %more, label %probe, label %none
probe:
  %twice = shl i64 %i, 1
  %ai = add i64 %twice, 1
  %ap = getelementptr i64, ptr %tab, i64 %ai
  %address = load i64, ptr %ap
  %dp = getelementptr i64, ptr %ap, i64 1
  %dv = load i64, ptr %dp
  %D = inttoptr i64 %dv to ptr
  %named = icmp eq i64 %address, %a
  %holds = call i1 @lock_word(ptr %D, i64 %a)
  %found = select i1 %lock, i1 %holds, i1 %named
  %i1 = add i64 %i, 1
  br i1 %found, label %hit, label %loop
hit:
  ret ptr %D
none:
  ret ptr null
}

; A lookup found the value at %a: make the part of it the descriptor names (all of it, or
; the largest gap between special fields) the run's read window (and write window, if
; programs may write the map), as pybpf_jit_resolve would on the first access to it.
define internal void @window(ptr %S, ptr %D, i64 %a) {
entry:
  %missing = icmp eq i64 %a, 0
  br i1 %missing, label %done, label %read
read:
  %at = call i64 @get(ptr %D, i64 {WIN_AT})
  %lo = add i64 %a, %at
  %vs = call i64 @get(ptr %D, i64 {WIN_SIZE})
  call void @set(ptr %S, i64 {STATE_RLO}, i64 %lo)
  call void @set(ptr %S, i64 {STATE_RSIZE}, i64 %vs)
  %w = call i64 @get(ptr %D, i64 {WRITABLE})
  %ro = icmp eq i64 %w, 0
  br i1 %ro, label %done, label %write
write:
  call void @set(ptr %S, i64 {STATE_WLO}, i64 %lo)
  call void @set(ptr %S, i64 {STATE_WSIZE}, i64 %vs)
  br label %done
done:
  ret void
}

define i64 @pybpf_nmap_lookup(ptr %S, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp) {
  %r = call i64 @pybpf_nmap(ptr %S, i64 {LOOKUP}, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp)
  ret i64 %r
}

define i64 @pybpf_nmap_update(ptr %S, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp) {
  %r = call i64 @pybpf_nmap(ptr %S, i64 {UPDATE}, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp)
  ret i64 %r
}

define i64 @pybpf_nmap_delete(ptr %S, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp) {
  %r = call i64 @pybpf_nmap(ptr %S, i64 {DELETE}, i64 %map, i64 %key, i64 %value, i64 %flags, i64 %fp)
  ret i64 %r
}

; Whether [address, address + size) lies in [lo, lo + span).
define internal i1 @on_stack(i64 %address, i64 %size, i64 %lo, i64 %span) {
  %off = sub i64 %address, %lo
  %fits = icmp ule i64 %size, %span
  %room = sub i64 %span, %size
  %inside = icmp ule i64 %off, %room
  %ok = and i1 %fits, %inside
  ret i1 %ok
}
"""


#: The syscall-side lookup and update of a plain hash map from Python in one call each, with
#: the checks the Python side would make first (the map open, the key and value of their
#: sizes): any of them failing gives FALLBACK, and the Python code runs instead, which
#: raises what it always raised. ``self`` (the built-in's bound object) is the descriptor's
#: address; keys and values are bytes objects (the caller makes sure).
_USER_BODY = r"""
define internal ptr @arg(ptr %args, i64 %i) {
  %p = getelementptr ptr, ptr %args, i64 %i
  %o = load ptr, ptr %p
  ret ptr %o
}

; Whether the map is open and the bytes object o has the size in descriptor field f.
define internal i1 @usable(ptr %D, ptr %o, i64 %f) {
  %live = call i64 @get(ptr %D, i64 {LIVE})
  %open = icmp ne i64 %live, 0
  %n = call i64 @PyBytes_Size(ptr %o)
  %want = call i64 @get(ptr %D, i64 %f)
  %same = icmp eq i64 %n, %want
  %ok = and i1 %open, %same
  ret i1 %ok
}

define internal ptr @fallback() {
  %f = call ptr @PyLong_FromLongLong(i64 {FALLBACK})
  ret ptr %f
}

; get(key): the value's bytes (special fields as zeros), -ENOENT
; as an int when the key is missing (an LRU map's key is not marked used, as in the kernel's
; syscall lookup), FALLBACK when Python must look.
define internal ptr @nm_get(ptr %D, ptr %args) {
entry:
  %ko = call ptr @arg(ptr %args, i64 0)
  %ok = call i1 @usable(ptr %D, ptr %ko, i64 {KEY_SIZE})
  br i1 %ok, label %find, label %python
python:
  %f = call ptr @fallback()
  ret ptr %f
find:
  %key = call ptr @PyBytes_AsString(ptr %ko)
  %s = call i64 @nm_find(ptr %D, ptr %key)
  %miss = icmp slt i64 %s, 0
  br i1 %miss, label %none, label %hit
none:
  %e = call ptr @PyLong_FromLongLong(i64 -{ENOENT})
  ret ptr %e
hit:
  %a = call i64 @value_address(ptr %D, i64 %s, i64 0)
  %vp = inttoptr i64 %a to ptr
  %vs = call i64 @get(ptr %D, i64 {VALUE_SIZE})
  %holes = call i64 @is_kind(ptr %D, i64 {HOLES})
  %plain = icmp eq i64 %holes, 0
  br i1 %plain, label %whole, label %masked
whole:
  %res = call ptr @PyBytes_FromStringAndSize(ptr %vp, i64 %vs)
  ret ptr %res
masked:
  %fresh = call ptr @PyBytes_FromStringAndSize(ptr null, i64 %vs)
  %failed = icmp eq ptr %fresh, null
  br i1 %failed, label %error, label %fill
error:
  ret ptr null
fill:
  %buf = call ptr @PyBytes_AsString(ptr %fresh)
  call void @llvm.memset.p0.i64(ptr %buf, i8 0, i64 %vs, i1 false)
  call void @copy_value(ptr %D, ptr %buf, ptr %vp)
  ret ptr %fresh
}

; put(key, value, flags): 0 or a negative errno (nm_update's), FALLBACK when Python must.
define internal ptr @nm_put(ptr %D, ptr %args) {
entry:
  %ko = call ptr @arg(ptr %args, i64 0)
  %vo = call ptr @arg(ptr %args, i64 1)
  %kok = call i1 @usable(ptr %D, ptr %ko, i64 {KEY_SIZE})
  %vok = call i1 @usable(ptr %D, ptr %vo, i64 {VALUE_SIZE})
  %ok = and i1 %kok, %vok
  br i1 %ok, label %update, label %python
python:
  %f = call ptr @fallback()
  ret ptr %f
update:
  %fo = call ptr @arg(ptr %args, i64 2)
  %flags = call i64 @PyLong_AsUnsignedLongLongMask(ptr %fo)
  %key = call ptr @PyBytes_AsString(ptr %ko)
  %value = call ptr @PyBytes_AsString(ptr %vo)
  %r = call i64 @nm_update(ptr %D, ptr %key, ptr %value, i64 %flags, i64 0)
  %res = call ptr @PyLong_FromLongLong(i64 %r)
  ret ptr %res
}
"""


#: The symbols compiled programs call, by operation: ``i64 (ptr S, i64 map, i64 key,
#: i64 value, i64 flags, i64 fp)``, returning the helper's result or :data:`FALLBACK`.
PROGRAM_ENTRY_POINTS = {
    NativeOp.LOOKUP: "pybpf_nmap_lookup",
    NativeOp.UPDATE: "pybpf_nmap_update",
    NativeOp.DELETE: "pybpf_nmap_delete",
    NativeOp.LOCK: LOCK_SYMBOL,
    NativeOp.UNLOCK: UNLOCK_SYMBOL,
}


def map_ir(state: dict[str, int], stack_size: int) -> str:
    """The IR of the native map operations: the :data:`PROGRAM_ENTRY_POINTS` compiled
    programs call, and a Python entry point for each ``nm_*`` function of
    :data:`PY_ENTRY_POINTS`. Compiled once per process (or loaded from the cache): programs
    link against it rather than carry a copy, which would cost each of them a large share
    of its compile time. ``state``: the slots of the run's state it uses, by
    :class:`._irgen.Field` name (TOP, CPU, MAPS, RLO, RSIZE, WLO, WSIZE, HELD)."""
    members = [*MapField, *MapKind, *NativeOp]
    names: dict[str, int] = {m.name: int(m) for m in members}
    assert len(names) == len(members), "two members share a name the IR's fields cannot tell apart"
    names |= {"EINVAL": _EINVAL, "EEXIST": _EEXIST, "ENOENT": _ENOENT, "E2BIG": _E2BIG}
    names |= {"FALLBACK": FALLBACK, "STACK_SIZE": stack_size}
    names |= {f"STATE_{name}": slot for name, slot in state.items()}
    body = re.sub(r"\{([A-Z_0-9]+)\}", lambda m: str(names[m.group(1)]), _BODY + LOCK_BODY + _USER_BODY)
    wrappers = [_py_entry(name, kinds) for name, kinds in PY_ENTRY_POINTS.items()]
    wrappers += [_user_entry(name, nargs) for name, nargs in USER_ENTRY_POINTS.items()]
    return _DECLARATIONS + _PY_DECLARATIONS + body + "\n".join(wrappers)


def _user_entry(name: str, nargs: int) -> str:
    """``@<name>_py``: ``@<name>`` as a CPython ``METH_FASTCALL`` function bound to a map (its
    ``self`` is the descriptor's address), taking ``nargs`` arguments; NULL (an exception) on
    another count."""
    return (
        f"define ptr @{name}_py(ptr %self, ptr %args, i64 %nargs) {{\n"
        f"entry:\n  %ok = icmp eq i64 %nargs, {nargs}\n  br i1 %ok, label %call, label %bad\n"
        "bad:\n  ret ptr null\n"
        "call:\n  %d = call i64 @PyLong_AsUnsignedLongLongMask(ptr %self)\n  %D = inttoptr i64 %d to ptr\n"
        f"  %r = call ptr @{name}(ptr %D, ptr %args)\n  ret ptr %r\n}}\n"
    )


def _py_entry(name: str, kinds: str) -> str:
    """``@<name>_py``: ``name`` as a CPython ``METH_FASTCALL`` function of ints (the first,
    the descriptor's address) and bytes objects, returning an int; NULL (an exception) on a
    wrong argument count or a non-bytes argument."""
    lines = [
        f"define ptr @{name}_py(ptr %self, ptr %args, i64 %nargs) {{",
        "entry:",
        f"  %ok = icmp eq i64 %nargs, {len(kinds)}",
        "  br i1 %ok, label %a0, label %bad",
        "bad:",
        "  ret ptr null",
    ]
    params = []
    for i, kind in enumerate(kinds):
        lines += [
            f"a{i}:",
            f"  %p{i} = getelementptr ptr, ptr %args, i64 {i}",
            f"  %o{i} = load ptr, ptr %p{i}",
        ]
        nxt = f"a{i + 1}" if i + 1 < len(kinds) else "call"
        if kind == "b":
            lines += [
                f"  %v{i} = call ptr @PyBytes_AsString(ptr %o{i})",
                f"  %null{i} = icmp eq ptr %v{i}, null",
                f"  br i1 %null{i}, label %bad, label %{nxt}",
            ]
            params.append(f"ptr %v{i}")
        else:
            lines.append(f"  %v{i} = call i64 @PyLong_AsUnsignedLongLongMask(ptr %o{i})")
            if i == 0:
                lines.append("  %D = inttoptr i64 %v0 to ptr")
                params.append("ptr %D")
            else:
                params.append(f"i64 %v{i}")
            lines.append(f"  br label %{nxt}")
    lines += [
        "call:",
        f"  %r = call i64 @{name}({', '.join(params)})",
        "  %res = call ptr @PyLong_FromLongLong(i64 %r)",
        "  ret ptr %res",
        "}",
    ]
    return "\n".join(lines) + "\n"
