"""The native timer lane, as LLVM IR text (no llvmlite here): a deadline heap, a fire loop and
``bpf_timer_start`` for compiled callbacks, on the virtual clock.

:mod:`pybpf.timers._native` hands a *batch* to :func:`tm_run`: the deadlines due in one
window whose callbacks are compiled code of one program, with a record per timer. The loop
pops the earliest deadline, runs the compiled callback on the run's state (fresh stack, the
element's key copied into the batch's key region), and repeats while the next deadline is
before the batch's horizon (the window's end, or the first deadline the Python side keeps).
A callback re-arming its own timer with flags 0 (the periodic timer) is served by
``pybpf_tm_start`` in native code: a new generation, a heap entry, a trace record. Everything
else returns :data:`._mapgen.FALLBACK`, so compiled code calls the Python helper, whose
trampoline first hands the batch back to Python (which then ends it after the callback).

Entries of the heap are ``(deadline, sequence, record, generation)``, ordered by deadline then
sequence (arming order), as :class:`pybpf.timers.VirtualClock` orders its own; an entry whose
generation is not its record's any more is stale and skipped.
"""

from __future__ import annotations

from enum import IntEnum

from ._mapgen import FALLBACK
from ._tcallgen import TCALL_SYMBOLS

__all__ = ["PY_RESOLVE", "RESOLVE", "TIMER_NOW", "TIMER_START", "Batch", "Event", "Record", "Stop", "timer_ir"]

TIMER_START = "pybpf_tm_start"  #: the native ``bpf_timer_start`` compiled programs call
TIMER_NOW = "pybpf_tm_now"  #: the native ``bpf_ktime_get_ns`` (and boot, coarse) in the lane
#: what compiled code calls for an access outside its cached windows: in the lane, the running
#: callback's value window answers here; anything else goes on to ``PY_RESOLVE``
RESOLVE, PY_RESOLVE = "pybpf_tm_resolve", "pybpf_jit_resolve_py"


class Batch(IntEnum):
    """The 64-bit slots of a batch header, by index."""

    ACTIVE = 0  #: 1 while pybpf_tm_start may act natively
    NOW = 1  #: the virtual CLOCK_MONOTONIC time
    HORIZON_T = 2  #: fire only entries before (HORIZON_T, HORIZON_SEQ)
    HORIZON_SEQ = 3
    SEQ = 4  #: the next arming sequence number
    ALLOWANCE = 5  #: callbacks one window may fire (the clock's storm limit)
    FIRED = 6  #: callbacks fired so far
    RECS = 7  #: address of the records
    HEAP = 8  #: address of the heap entries
    HEAP_LEN = 9
    HEAP_CAP = 10
    RING = 11  #: address of the event records
    RING_LEN = 12
    RING_CAP = 13
    KEY_BUF = 14  #: the key region the callbacks get (one per batch)
    KEY_SIZE = 15
    KEYS = 16  #: address of the records' keys, KEY_SIZE bytes each
    STATE = 17  #: the run's native state slots
    STACK = 18  #: the run's stack: first address
    STACK_SIZE = 19
    LIMIT = 20  #: each callback's instruction budget
    MAY_GOTO = 21  #: each callback's may_goto budget
    CURRENT = 22  #: the record whose callback runs now, -1 between callbacks
    STOP = 23  #: why the loop stopped (:class:`Stop`)
    LAST_N = 24  #: the last callback's instruction count
    WINDOW_END = 25  #: the deadline of the window firing now (a later one starts a new window)
    WINDOW_FIRED = 26  #: callbacks fired in that window (ALLOWANCE is per window)


class Record(IntEnum):
    """The 64-bit fields of one timer's record."""

    ID = 0  #: the hidden word of its field
    FIELD = 1  #: the field's address
    GEN = 2  #: the generation of its latest arming
    ARMED = 3
    EXPIRES = 4  #: on the timer's own clock
    OFFSET = 5  #: its clock minus CLOCK_MONOTONIC
    CPU = 6
    FN = 7  #: the compiled callback
    MAP = 8  #: what the callback gets as r1
    VALUE = 9  #: and as r3
    STARTED = 10  #: 1 once pybpf_tm_start armed it
    RLO = 11  #: the value's window the callback starts with (as a lookup would give it)
    RSIZE = 12
    WLO = 13
    WSIZE = 14


RECORD_SLOTS = len(Record)
ENTRY_SLOTS = 4  #: deadline, sequence, record, generation
EVENT_SLOTS = 4  #: time, event, record, expiry or run time


class Event(IntEnum):
    """What a trace record of the ring says."""

    FIRE = 1  #: (time, FIRE, record, callback run time in host ns)
    START = 2  #: (time, START, record, expiry on the monotonic scale)


class Stop(IntEnum):
    """Why :func:`tm_run` returned."""

    DONE = 0  #: nothing more is due before the horizon
    ALLOWANCE = 1  #: the window fired all it may
    RING = 2  #: the trace ring is full
    FAULT = 3  #: a callback faulted (the state's FAULT slot says how)
    HANDED_BACK = 4  #: a callback called Python, which took the batch over


def timer_ir(state: dict[str, int]) -> str:
    """The IR of ``pybpf_tm_run(ptr batch) -> i64`` (a :class:`Stop`) and of
    ``pybpf_tm_start(ptr S, i64 timer, i64 nsecs, i64 flags, i64, i64 fp) -> i64``, the
    native ``bpf_timer_start`` (it acts only for the batch's own run state: another thread's
    run falls back); ``state`` gives the run state's slot indices by name."""
    s = state
    b = {f.name: int(f) for f in Batch}
    r = {f.name: int(f) for f in Record}
    return f"""\
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare i32 @clock_gettime(i32, ptr)

@pybpf_tm_batch = global ptr null

define internal ptr @tm_slot(ptr %base, i64 %i) {{
  %p = getelementptr i64, ptr %base, i64 %i
  ret ptr %p
}}

define internal i64 @tm_get(ptr %base, i64 %i) {{
  %p = getelementptr i64, ptr %base, i64 %i
  %v = load i64, ptr %p
  ret i64 %v
}}

define internal void @tm_set(ptr %base, i64 %i, i64 %v) {{
  %p = getelementptr i64, ptr %base, i64 %i
  store i64 %v, ptr %p
  ret void
}}

; row %i of the table of %width-slot rows whose address is in slot %at of block %B
define internal ptr @tm_row(ptr %B, i64 %at, i64 %i, i64 %width) {{
  %base = call i64 @tm_get(ptr %B, i64 %at)
  %h = inttoptr i64 %base to ptr
  %off = mul i64 %i, %width
  %p = getelementptr i64, ptr %h, i64 %off
  ret ptr %p
}}

define internal ptr @tm_entry(ptr %B, i64 %i) {{
  %p = call ptr @tm_row(ptr %B, i64 {b["HEAP"]}, i64 %i, i64 {ENTRY_SLOTS})
  ret ptr %p
}}

define internal ptr @tm_record(ptr %B, i64 %i) {{
  %p = call ptr @tm_row(ptr %B, i64 {b["RECS"]}, i64 %i, i64 {RECORD_SLOTS})
  ret ptr %p
}}

; a heap entry or a trace record: four slots
define internal void @tm_put4(ptr %e, i64 %a, i64 %b, i64 %c, i64 %d) {{
  store i64 %a, ptr %e
  %e1 = getelementptr i64, ptr %e, i64 1
  store i64 %b, ptr %e1
  %e2 = getelementptr i64, ptr %e, i64 2
  store i64 %c, ptr %e2
  %e3 = getelementptr i64, ptr %e, i64 3
  store i64 %d, ptr %e3
  ret void
}}

; (deadline, sequence) of entry a before that of entry b
define internal i1 @tm_before(ptr %a, ptr %b) {{
  %ad = load i64, ptr %a
  %bd = load i64, ptr %b
  %as.p = getelementptr i64, ptr %a, i64 1
  %bs.p = getelementptr i64, ptr %b, i64 1
  %as = load i64, ptr %as.p
  %bs = load i64, ptr %bs.p
  %lt = icmp slt i64 %ad, %bd
  %eq = icmp eq i64 %ad, %bd
  %slt = icmp slt i64 %as, %bs
  %tie = and i1 %eq, %slt
  %r = or i1 %lt, %tie
  ret i1 %r
}}

define internal void @tm_swap(ptr %a, ptr %b) {{
  %tmp = alloca [{ENTRY_SLOTS} x i64]
  call void @llvm.memcpy.p0.p0.i64(ptr %tmp, ptr %a, i64 {8 * ENTRY_SLOTS}, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr %a, ptr %b, i64 {8 * ENTRY_SLOTS}, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr %b, ptr %tmp, i64 {8 * ENTRY_SLOTS}, i1 false)
  ret void
}}

; the heap has room (the caller checked): append, then sift up
define internal void @tm_push(ptr %B, i64 %d, i64 %seq, i64 %rec, i64 %gen) {{
entry:
  %n = call i64 @tm_get(ptr %B, i64 {b["HEAP_LEN"]})
  %e = call ptr @tm_entry(ptr %B, i64 %n)
  call void @tm_put4(ptr %e, i64 %d, i64 %seq, i64 %rec, i64 %gen)
  %n1 = add i64 %n, 1
  call void @tm_set(ptr %B, i64 {b["HEAP_LEN"]}, i64 %n1)
  br label %up
up:
  %i = phi i64 [ %n, %entry ], [ %parent, %swap ]
  %top = icmp eq i64 %i, 0
  br i1 %top, label %done, label %cmp
cmp:
  %im1 = sub i64 %i, 1
  %parent = lshr i64 %im1, 1
  %pi = call ptr @tm_entry(ptr %B, i64 %i)
  %pp = call ptr @tm_entry(ptr %B, i64 %parent)
  %less = call i1 @tm_before(ptr %pi, ptr %pp)
  br i1 %less, label %swap, label %done
swap:
  call void @tm_swap(ptr %pi, ptr %pp)
  br label %up
done:
  ret void
}}

; remove the first entry (the heap is not empty): move the last there, then sift down
define internal void @tm_pop(ptr %B) {{
entry:
  %n = call i64 @tm_get(ptr %B, i64 {b["HEAP_LEN"]})
  %n1 = sub i64 %n, 1
  call void @tm_set(ptr %B, i64 {b["HEAP_LEN"]}, i64 %n1)
  %first = call ptr @tm_entry(ptr %B, i64 0)
  %last = call ptr @tm_entry(ptr %B, i64 %n1)
  call void @llvm.memcpy.p0.p0.i64(ptr %first, ptr %last, i64 {8 * ENTRY_SLOTS}, i1 false)
  br label %down
down:
  %i = phi i64 [ 0, %entry ], [ %m, %swap ]
  %i2 = shl i64 %i, 1
  %l = add i64 %i2, 1
  %rr = add i64 %i2, 2
  %pi = call ptr @tm_entry(ptr %B, i64 %i)
  %hasl = icmp ult i64 %l, %n1
  br i1 %hasl, label %left, label %done
left:
  %pl = call ptr @tm_entry(ptr %B, i64 %l)
  %hasr = icmp ult i64 %rr, %n1
  br i1 %hasr, label %right, label %pick
right:
  %pr = call ptr @tm_entry(ptr %B, i64 %rr)
  %rless = call i1 @tm_before(ptr %pr, ptr %pl)
  br label %pick
pick:
  %useright = phi i1 [ false, %left ], [ %rless, %right ]
  %m = select i1 %useright, i64 %rr, i64 %l
  %pm = call ptr @tm_entry(ptr %B, i64 %m)
  %mless = call i1 @tm_before(ptr %pm, ptr %pi)
  br i1 %mless, label %swap, label %done
swap:
  call void @tm_swap(ptr %pm, ptr %pi)
  br label %down
done:
  ret void
}}

; the ring has room (the caller checked): append (time, event, record, arg), return its index
define internal i64 @tm_trace(ptr %B, i64 %event, i64 %rec, i64 %arg) {{
  %n = call i64 @tm_get(ptr %B, i64 {b["RING_LEN"]})
  %ring = call i64 @tm_get(ptr %B, i64 {b["RING"]})
  %rp = inttoptr i64 %ring to ptr
  %off = mul i64 %n, {EVENT_SLOTS}
  %e = getelementptr i64, ptr %rp, i64 %off
  %now = call i64 @tm_get(ptr %B, i64 {b["NOW"]})
  call void @tm_put4(ptr %e, i64 %now, i64 %event, i64 %rec, i64 %arg)
  %n1 = add i64 %n, 1
  call void @tm_set(ptr %B, i64 {b["RING_LEN"]}, i64 %n1)
  ret i64 %n
}}

define internal i64 @tm_host_ns() {{
  %ts = alloca [2 x i64]
  %rc = call i32 @clock_gettime(i32 1, ptr %ts)
  %sec = load i64, ptr %ts
  %np = getelementptr i64, ptr %ts, i64 1
  %ns = load i64, ptr %np
  %s = mul i64 %sec, 1000000000
  %t = add i64 %s, %ns
  ret i64 %t
}}

; the running batch when native code may act in it for the run state %S (its own, and not
; handed back to Python), else null
define internal ptr @tm_active(ptr %S) {{
entry:
  %B = load ptr, ptr @pybpf_tm_batch
  %nob = icmp eq ptr %B, null
  br i1 %nob, label %no, label %check
check:
  %active = call i64 @tm_get(ptr %B, i64 {b["ACTIVE"]})
  %bs = call i64 @tm_get(ptr %B, i64 {b["STATE"]})
  %sv = ptrtoint ptr %S to i64
  %mine = icmp eq i64 %bs, %sv
  %act = icmp ne i64 %active, 0
  %on = and i1 %act, %mine
  br i1 %on, label %yes, label %no
yes:
  ret ptr %B
no:
  ret ptr null
}}

define i64 @{TIMER_START}(ptr %S, i64 %field, i64 %nsecs, i64 %flags, i64 %unused, i64 %fp) {{
entry:
  %B = call ptr @tm_active(ptr %S)
  %nob = icmp eq ptr %B, null
  br i1 %nob, label %fallback, label %b1
b1:
  %cur = call i64 @tm_get(ptr %B, i64 {b["CURRENT"]})
  %running = icmp sge i64 %cur, 0
  %plain = icmp eq i64 %flags, 0
  %ok = and i1 %running, %plain
  br i1 %ok, label %b2, label %fallback
b2:
  %R = call ptr @tm_record(ptr %B, i64 %cur)
  %own = call i64 @tm_get(ptr %R, i64 {r["FIELD"]})
  %same = icmp eq i64 %own, %field
  br i1 %same, label %b3, label %fallback
b3:
  ; the field is the live element's (the record says so): its hidden word must still be the id
  %fp.w = inttoptr i64 %field to ptr
  %word = load i64, ptr %fp.w
  %id = call i64 @tm_get(ptr %R, i64 {r["ID"]})
  %alive = icmp eq i64 %word, %id
  %hn = call i64 @tm_get(ptr %B, i64 {b["HEAP_LEN"]})
  %hc = call i64 @tm_get(ptr %B, i64 {b["HEAP_CAP"]})
  %hroom = icmp ult i64 %hn, %hc
  %rn = call i64 @tm_get(ptr %B, i64 {b["RING_LEN"]})
  %rc = call i64 @tm_get(ptr %B, i64 {b["RING_CAP"]})
  %rroom = icmp ult i64 %rn, %rc
  %pos = icmp sge i64 %nsecs, 0
  %c1 = and i1 %alive, %hroom
  %c2 = and i1 %c1, %rroom
  %c3 = and i1 %c2, %pos
  br i1 %c3, label %b4, label %fallback
b4:
  ; relative expiry without saturation (kernel_expiry's other cases are Python's)
  %now = call i64 @tm_get(ptr %B, i64 {b["NOW"]})
  %offset = call i64 @tm_get(ptr %R, i64 {r["OFFSET"]})
  %own.now = add i64 %now, %offset
  %sum = call {{ i64, i1 }} @llvm.sadd.with.overflow.i64(i64 %own.now, i64 %nsecs)
  %expires = extractvalue {{ i64, i1 }} %sum, 0
  %over = extractvalue {{ i64, i1 }} %sum, 1
  %neg = icmp slt i64 %own.now, 0
  %bad = or i1 %over, %neg
  br i1 %bad, label %fallback, label %arm
arm:
  %gen0 = call i64 @tm_get(ptr %R, i64 {r["GEN"]})
  %gen = add i64 %gen0, 1
  call void @tm_set(ptr %R, i64 {r["GEN"]}, i64 %gen)
  call void @tm_set(ptr %R, i64 {r["ARMED"]}, i64 1)
  call void @tm_set(ptr %R, i64 {r["EXPIRES"]}, i64 %expires)
  call void @tm_set(ptr %R, i64 {r["STARTED"]}, i64 1)
  %cpu = call i64 @tm_get(ptr %S, i64 {s["CPU"]})
  call void @tm_set(ptr %R, i64 {r["CPU"]}, i64 %cpu)
  %deadline = sub i64 %expires, %offset
  %seq = call i64 @tm_get(ptr %B, i64 {b["SEQ"]})
  %seq1 = add i64 %seq, 1
  call void @tm_set(ptr %B, i64 {b["SEQ"]}, i64 %seq1)
  call void @tm_push(ptr %B, i64 %deadline, i64 %seq, i64 %cur, i64 %gen)
  %ix = call i64 @tm_trace(ptr %B, i64 {int(Event.START)}, i64 %cur, i64 %deadline)
  ret i64 0
fallback:
  ; outside the lane, the timer desk's start (engine._tcallgen) may still serve it
  %desk.rc = call i64 @{TCALL_SYMBOLS[2]}(ptr %S, i64 %field, i64 %nsecs, i64 %flags, i64 %unused, i64 %fp)
  ret i64 %desk.rc
}}

declare {{ i64, i1 }} @llvm.sadd.with.overflow.i64(i64, i64)
declare i32 @{PY_RESOLVE}(ptr, i64, i64, i64, i64)

; an access of the running callback's own value (its window, as a lookup would give it now):
; cache the window, as the Python side would (a store only through a writable one)
define i32 @{RESOLVE}(ptr %S, i64 %addr, i64 %size, i64 %pc, i64 %op) {{
entry:
  %B = call ptr @tm_active(ptr %S)
  %nob = icmp eq ptr %B, null
  br i1 %nob, label %py, label %b1
b1:
  %cur = call i64 @tm_get(ptr %B, i64 {b["CURRENT"]})
  %running = icmp sge i64 %cur, 0
  br i1 %running, label %b2, label %py
b2:
  %R = call ptr @tm_record(ptr %B, i64 %cur)
  %rlo = call i64 @tm_get(ptr %R, i64 {r["RLO"]})
  %rsize = call i64 @tm_get(ptr %R, i64 {r["RSIZE"]})
  %wsize = call i64 @tm_get(ptr %R, i64 {r["WSIZE"]})
  %off = sub i64 %addr, %rlo
  %starts = icmp ult i64 %off, %rsize
  %end = add i64 %off, %size
  %fits = icmp ule i64 %end, %rsize
  %inside = and i1 %starts, %fits
  %isload = icmp eq i64 %op, 0
  %writable = icmp ne i64 %wsize, 0
  %allowed = or i1 %isload, %writable
  %ok = and i1 %inside, %allowed
  br i1 %ok, label %hit, label %py
hit:
  call void @tm_set(ptr %S, i64 {s["RLO"]}, i64 %rlo)
  call void @tm_set(ptr %S, i64 {s["RSIZE"]}, i64 %rsize)
  br i1 %writable, label %w, label %done
w:
  %wlo = call i64 @tm_get(ptr %R, i64 {r["WLO"]})
  call void @tm_set(ptr %S, i64 {s["WLO"]}, i64 %wlo)
  call void @tm_set(ptr %S, i64 {s["WSIZE"]}, i64 %wsize)
  br label %done
done:
  ret i32 0
py:
  %rc = call i32 @{PY_RESOLVE}(ptr %S, i64 %addr, i64 %size, i64 %pc, i64 %op)
  ret i32 %rc
}}

; the virtual clock's time (CLOCK_MONOTONIC and CLOCK_BOOTTIME agree on it) for the batch's run
define i64 @{TIMER_NOW}(ptr %S, i64 %a1, i64 %a2, i64 %a3, i64 %a4, i64 %fp) {{
entry:
  %B = call ptr @tm_active(ptr %S)
  %nob = icmp eq ptr %B, null
  br i1 %nob, label %fallback, label %now
now:
  %t = call i64 @tm_get(ptr %B, i64 {b["NOW"]})
  ret i64 %t
fallback:
  ret i64 {FALLBACK}
}}

; set up the run state as a fresh run's, for a callback on record %rec
define internal void @tm_fresh(ptr %B, ptr %S, ptr %R) {{
  %stack = call i64 @tm_get(ptr %B, i64 {b["STACK"]})
  %size = call i64 @tm_get(ptr %B, i64 {b["STACK_SIZE"]})
  %sp = inttoptr i64 %stack to ptr
  call void @llvm.memset.p0.i64(ptr %sp, i8 0, i64 %size, i1 false)
  call void @tm_set(ptr %S, i64 {s["N"]}, i64 0)
  %limit = call i64 @tm_get(ptr %B, i64 {b["LIMIT"]})
  call void @tm_set(ptr %S, i64 {s["LIMIT"]}, i64 %limit)
  %rlo = call i64 @tm_get(ptr %R, i64 {r["RLO"]})
  call void @tm_set(ptr %S, i64 {s["RLO"]}, i64 %rlo)
  %rsize = call i64 @tm_get(ptr %R, i64 {r["RSIZE"]})
  call void @tm_set(ptr %S, i64 {s["RSIZE"]}, i64 %rsize)
  %wlo = call i64 @tm_get(ptr %R, i64 {r["WLO"]})
  call void @tm_set(ptr %S, i64 {s["WLO"]}, i64 %wlo)
  %wsize = call i64 @tm_get(ptr %R, i64 {r["WSIZE"]})
  call void @tm_set(ptr %S, i64 {s["WSIZE"]}, i64 %wsize)
  call void @tm_set(ptr %S, i64 {s["FAULT"]}, i64 0)
  %mg = call i64 @tm_get(ptr %B, i64 {b["MAY_GOTO"]})
  call void @tm_set(ptr %S, i64 {s["MAY_GOTO"]}, i64 %mg)
  %cpu = call i64 @tm_get(ptr %R, i64 {r["CPU"]})
  call void @tm_set(ptr %S, i64 {s["CPU"]}, i64 %cpu)
  ret void
}}

define i64 @pybpf_tm_run(ptr %B) {{
entry:
  store ptr %B, ptr @pybpf_tm_batch
  %sv = call i64 @tm_get(ptr %B, i64 {b["STATE"]})
  %S = inttoptr i64 %sv to ptr
  %top = call i64 @tm_get(ptr %S, i64 {s["TOP"]})
  %ksize = call i64 @tm_get(ptr %B, i64 {b["KEY_SIZE"]})
  %kbuf = call i64 @tm_get(ptr %B, i64 {b["KEY_BUF"]})
  %kb = inttoptr i64 %kbuf to ptr
  %keys = call i64 @tm_get(ptr %B, i64 {b["KEYS"]})
  br label %loop
loop:
  %fired = call i64 @tm_get(ptr %B, i64 {b["FIRED"]})
  br label %l1
l1:
  ; a callback may trace a fire and a start
  %rn = call i64 @tm_get(ptr %B, i64 {b["RING_LEN"]})
  %rc = call i64 @tm_get(ptr %B, i64 {b["RING_CAP"]})
  %rn2 = add i64 %rn, 2
  %full = icmp ugt i64 %rn2, %rc
  br i1 %full, label %s.ring, label %l2
l2:
  %hn = call i64 @tm_get(ptr %B, i64 {b["HEAP_LEN"]})
  %empty = icmp eq i64 %hn, 0
  br i1 %empty, label %s.done, label %l3
l3:
  %e = call ptr @tm_entry(ptr %B, i64 0)
  %d = load i64, ptr %e
  %e1 = getelementptr i64, ptr %e, i64 1
  %seq = load i64, ptr %e1
  %e2 = getelementptr i64, ptr %e, i64 2
  %rec = load i64, ptr %e2
  %e3 = getelementptr i64, ptr %e, i64 3
  %gen = load i64, ptr %e3
  %ht = call i64 @tm_get(ptr %B, i64 {b["HORIZON_T"]})
  %hs = call i64 @tm_get(ptr %B, i64 {b["HORIZON_SEQ"]})
  %dlt = icmp slt i64 %d, %ht
  %deq = icmp eq i64 %d, %ht
  %slt = icmp slt i64 %seq, %hs
  %tie = and i1 %deq, %slt
  %due = or i1 %dlt, %tie
  br i1 %due, label %win, label %s.done
win:
  ; a deadline past the window's starts the next window, whose count starts at 0 (and whose
  ; deadline is the clock's time then, as the clock's step to it is)
  %wend = call i64 @tm_get(ptr %B, i64 {b["WINDOW_END"]})
  %wnew = icmp sgt i64 %d, %wend
  %wf = call i64 @tm_get(ptr %B, i64 {b["WINDOW_FIRED"]})
  %count = select i1 %wnew, i64 0, i64 %wf
  %allow = call i64 @tm_get(ptr %B, i64 {b["ALLOWANCE"]})
  %spent = icmp sge i64 %count, %allow
  br i1 %spent, label %s.allow, label %l4
l4:
  call void @tm_pop(ptr %B)
  %R = call ptr @tm_record(ptr %B, i64 %rec)
  %rgen = call i64 @tm_get(ptr %R, i64 {r["GEN"]})
  %armed = call i64 @tm_get(ptr %R, i64 {r["ARMED"]})
  %live1 = icmp eq i64 %rgen, %gen
  %live2 = icmp ne i64 %armed, 0
  %live = and i1 %live1, %live2
  br i1 %live, label %fire, label %loop
fire:
  %now0 = call i64 @tm_get(ptr %B, i64 {b["NOW"]})
  %later = icmp sgt i64 %d, %now0
  %now = select i1 %later, i64 %d, i64 %now0
  call void @tm_set(ptr %B, i64 {b["NOW"]}, i64 %now)
  call void @tm_set(ptr %R, i64 {r["ARMED"]}, i64 0)
  %fired1 = add i64 %fired, 1
  call void @tm_set(ptr %B, i64 {b["FIRED"]}, i64 %fired1)
  %wend1 = select i1 %wnew, i64 %now, i64 %wend
  call void @tm_set(ptr %B, i64 {b["WINDOW_END"]}, i64 %wend1)
  %count1 = add i64 %count, 1
  call void @tm_set(ptr %B, i64 {b["WINDOW_FIRED"]}, i64 %count1)
  %ix = call i64 @tm_trace(ptr %B, i64 {int(Event.FIRE)}, i64 %rec, i64 -1)
  call void @tm_set(ptr %B, i64 {b["CURRENT"]}, i64 %rec)
  %koff = mul i64 %rec, %ksize
  %kaddr = add i64 %keys, %koff
  %ksrc = inttoptr i64 %kaddr to ptr
  call void @llvm.memcpy.p0.p0.i64(ptr %kb, ptr %ksrc, i64 %ksize, i1 false)
  call void @tm_fresh(ptr %B, ptr %S, ptr %R)
  %fnv = call i64 @tm_get(ptr %R, i64 {r["FN"]})
  %fn = inttoptr i64 %fnv to ptr
  %map = call i64 @tm_get(ptr %R, i64 {r["MAP"]})
  %value = call i64 @tm_get(ptr %R, i64 {r["VALUE"]})
  %t0 = call i64 @tm_host_ns()
  %r0 = call i64 %fn(ptr %S, i64 %map, i64 %kbuf, i64 %value, i64 0, i64 0, i64 %top)
  %t1 = call i64 @tm_host_ns()
  %took = sub i64 %t1, %t0
  %ring = call i64 @tm_get(ptr %B, i64 {b["RING"]})
  %rp = inttoptr i64 %ring to ptr
  %roff = mul i64 %ix, {EVENT_SLOTS}
  %roff3 = add i64 %roff, 3
  call void @tm_set(ptr %rp, i64 %roff3, i64 %took)
  call void @tm_set(ptr %B, i64 {b["CURRENT"]}, i64 -1)
  %n = call i64 @tm_get(ptr %S, i64 {s["N"]})
  call void @tm_set(ptr %B, i64 {b["LAST_N"]}, i64 %n)
  %fault = call i64 @tm_get(ptr %S, i64 {s["FAULT"]})
  %faulted = icmp ne i64 %fault, 0
  br i1 %faulted, label %s.fault, label %l5
l5:
  %still = call i64 @tm_get(ptr %B, i64 {b["ACTIVE"]})
  %gone = icmp eq i64 %still, 0
  br i1 %gone, label %s.back, label %loop
s.allow:
  br label %stop
s.ring:
  br label %stop
s.done:
  br label %stop
s.fault:
  br label %stop
s.back:
  br label %stop
stop:
  %why = phi i64 [ {int(Stop.ALLOWANCE)}, %s.allow ], [ {int(Stop.RING)}, %s.ring ], [ {int(Stop.DONE)}, %s.done ], [ {int(Stop.FAULT)}, %s.fault ], [ {int(Stop.HANDED_BACK)}, %s.back ]
  call void @tm_set(ptr %B, i64 {b["STOP"]}, i64 %why)
  store ptr null, ptr @pybpf_tm_batch
  ret i64 %why
}}
"""
