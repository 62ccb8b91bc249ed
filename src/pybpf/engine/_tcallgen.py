"""The timer helpers compiled programs call, natively, as LLVM IR text (no llvmlite here).

``bpf_timer_init``, ``bpf_timer_set_callback``, ``bpf_timer_start`` and ``bpf_timer_cancel``
cost a trampoline into Python and the timer table's search for the field on every call. When
:mod:`pybpf.timers._desk` *binds* its desk to a run (a compiled run on the virtual clock, in
task context, one Python thread, nothing hooked: see there), these entry points decide the
common cases natively and append what they did to the desk's journal, which the timer table
applies, in order, before anything can observe it (any of its methods, the clock moving).

Native code decides from the table's *records*: one per timer, kept by the table (its hidden
word, field, map, clock, and whether it has a callback, is armed or runs). It touches a field
only after finding it at a timer field's place in the slots of a map the desk lists; a word
names a record by its low bits and must equal that record's id, for that very field, so stale
or forged words never match. Anything else (an unlisted map, a full journal, flags the fast
path does not model, an absolute or saturating expiry) returns :data:`._mapgen.FALLBACK`, and
the Python helper answers, exactly as without this module.
"""

from __future__ import annotations

from enum import IntEnum

from ._mapgen import FALLBACK

__all__ = [
    "DESK_ENTRIES",
    "DESK_MAPS",
    "DESK_SYMBOL",
    "JOURNAL_SLOTS",
    "MAP_SLOTS",
    "POOL_SLOTS",
    "RECORD_BITS",
    "RECORD_SLOTS",
    "TCALL_SYMBOLS",
    "Desk",
    "DeskMap",
    "Flag",
    "JournalOp",
    "Pool",
    "TRecord",
    "tcall_ir",
]

DESK_SYMBOL = "pybpf_tc_desk"  #: the global holding the desk's address
#: the native entry points by helper: init, set_callback, start, cancel
TCALL_SYMBOLS = ("pybpf_tc_init", "pybpf_tc_set_callback", "pybpf_tc_start", "pybpf_tc_cancel")
RECORD_BITS = 24  #: a timer's id is its serial number above these bits, its record below
DESK_MAPS = 16  #: maps a desk lists at most
DESK_ENTRIES = 64  #: callback entry PCs a desk lists at most
JOURNAL_SLOTS = 4  #: 64-bit words per journal entry


class Desk(IntEnum):
    """The 64-bit slots of the desk's header, by index."""

    STATE = 0  #: the run state it is bound to (0: unbound)
    RECORDS = 1  #: address of the records
    CAPACITY = 2  #: records there are
    POOL = 3  #: address of the table's :class:`Pool` words
    BUDGET = 4  #: timers init may still create (memory charged in advance)
    NOW_MONO = 5  #: the clock's time on CLOCK_MONOTONIC
    NOW_BOOT = 6  #: on CLOCK_BOOTTIME
    NOW_REAL = 7  #: on CLOCK_REALTIME
    START_FLAGS = 8  #: the flags bpf_timer_start accepts on the release
    JOURNAL = 9  #: address of the journal
    JOURNAL_LEN = 10
    JOURNAL_CAP = 11
    MAPS = 12  #: address of the map entries
    NMAPS = 13
    ENTRIES = 14  #: address of the callback entry PCs
    NENTRIES = 15
    RUN = 16  #: which bound run this is (journaled with each set_callback: its program)


HEADER_SLOTS = len(Desk)


class Pool(IntEnum):
    """The words before a table's free-record stack (which follows them, one record number a
    word): they belong to the table, whichever desk is bound."""

    SERIAL = 0  #: the next id's serial number
    TOP = 1  #: free records on the stack


POOL_SLOTS = len(Pool)


class DeskMap(IntEnum):
    """The 64-bit slots of one map the desk lists."""

    ADDRESS = 0  #: the map's address (what programs pass as the map)
    BASE = 1  #: address of its slot 0
    SLOT_SIZE = 2
    FIELD = 3  #: the timer field's offset in a slot
    USED = 4  #: slots that hold or held an element
    USERS = 5  #: 1 if the map has user references (init and set_callback need them)


MAP_SLOTS = len(DeskMap)


class TRecord(IntEnum):
    """The 64-bit slots of one timer's record."""

    ID = 0  #: its hidden word (0: a free record)
    FIELD = 1  #: its field's address
    MAP = 2  #: its map's address
    CLOCK = 3
    FLAGS = 4  #: :class:`Flag` bits


RECORD_SLOTS = len(TRecord)


class Flag(IntEnum):
    """Bits of :attr:`TRecord.FLAGS`."""

    TIMER = 1  #: a bpf_timer (not a bpf_wq): the only kind served natively
    CALLBACK = 2  #: it has a callback
    ARMED = 4
    RUNNING = 8  #: its callback runs now


class JournalOp(IntEnum):
    """What a journal entry says happened: ``(op | record << 8, a, b, c)``."""

    INIT = 1  #: a = slot, b = clock, c = CPU
    SET_CALLBACK = 2  #: a = entry PC, b = the run (:attr:`Desk.RUN`)
    START = 3  #: a = nsecs, b = flags, c = CPU
    CANCEL = 4


def tcall_ir(state: dict[str, int]) -> str:
    """The IR of the four entry points (:data:`TCALL_SYMBOLS`), each
    ``(ptr S, i64 r1, i64 r2, i64 r3, i64 r4, i64 fp) -> i64``; ``state`` gives the run
    state's slot indices by name (``CPU``, ``CODE_BASE``). Meant to share a module with
    :func:`._timergen.timer_ir`, whose small accessors it uses."""
    d = {f.name: int(f) for f in Desk}
    m = {f.name: int(f) for f in DeskMap}
    r = {f.name: int(f) for f in TRecord}
    f = {x.name: int(x) for x in Flag}
    j = {x.name: int(x) for x in JournalOp}
    p = {x.name: int(x) for x in Pool}
    s = state
    mask = (1 << RECORD_BITS) - 1
    return f"""
@{DESK_SYMBOL} = global ptr null

; the desk when it is bound to the run state %S, else null
define internal ptr @tc_desk(ptr %S) {{
entry:
  %D = load ptr, ptr @{DESK_SYMBOL}
  %none = icmp eq ptr %D, null
  br i1 %none, label %no, label %check
check:
  %bound = call i64 @tm_get(ptr %D, i64 {d["STATE"]})
  %sv = ptrtoint ptr %S to i64
  %mine = icmp eq i64 %bound, %sv
  br i1 %mine, label %yes, label %no
yes:
  ret ptr %D
no:
  ret ptr null
}}

define internal ptr @tc_map(ptr %D, i64 %i) {{
  %p = call ptr @tm_row(ptr %D, i64 {d["MAPS"]}, i64 %i, i64 {MAP_SLOTS})
  ret ptr %p
}}

define internal ptr @tc_rec(ptr %D, i64 %i) {{
  %p = call ptr @tm_row(ptr %D, i64 {d["RECORDS"]}, i64 %i, i64 {RECORD_SLOTS})
  ret ptr %p
}}

; the slot of the listed map %M whose timer field is at %field, or -1
define internal i64 @tc_slot(ptr %M, i64 %field) {{
entry:
  %base = call i64 @tm_get(ptr %M, i64 {m["BASE"]})
  %size = call i64 @tm_get(ptr %M, i64 {m["SLOT_SIZE"]})
  %fo = call i64 @tm_get(ptr %M, i64 {m["FIELD"]})
  %used = call i64 @tm_get(ptr %M, i64 {m["USED"]})
  %off = sub i64 %field, %base
  %lo = icmp uge i64 %field, %base
  %nz = icmp ne i64 %size, 0
  %ok0 = and i1 %lo, %nz
  br i1 %ok0, label %div, label %no
div:
  %slot = udiv i64 %off, %size
  %rem = urem i64 %off, %size
  %in = icmp ult i64 %slot, %used
  %at = icmp eq i64 %rem, %fo
  %ok = and i1 %in, %at
  br i1 %ok, label %yes, label %no
yes:
  ret i64 %slot
no:
  ret i64 -1
}}

; the record of the live timer whose field is at %field, in a map the desk lists (its map
; entry in %mapout), or null: the field is checked before its word is read
define internal ptr @tc_find(ptr %D, i64 %field, ptr %mapout) {{
entry:
  %n = call i64 @tm_get(ptr %D, i64 {d["NMAPS"]})
  br label %scan
scan:
  %i = phi i64 [ 0, %entry ], [ %i1, %next ]
  %more = icmp ult i64 %i, %n
  br i1 %more, label %try, label %no
try:
  %M = call ptr @tc_map(ptr %D, i64 %i)
  %slot = call i64 @tc_slot(ptr %M, i64 %field)
  %hit = icmp sge i64 %slot, 0
  %i1 = add i64 %i, 1
  br i1 %hit, label %word, label %next
next:
  br label %scan
word:
  %fp = inttoptr i64 %field to ptr
  %w = load i64, ptr %fp
  %rec = and i64 %w, {mask}
  %cap = call i64 @tm_get(ptr %D, i64 {d["CAPACITY"]})
  %inside = icmp ult i64 %rec, %cap
  %nonzero = icmp ne i64 %w, 0
  %c0 = and i1 %inside, %nonzero
  br i1 %c0, label %rec.check, label %no
rec.check:
  %R = call ptr @tc_rec(ptr %D, i64 %rec)
  %id = call i64 @tm_get(ptr %R, i64 {r["ID"]})
  %rf = call i64 @tm_get(ptr %R, i64 {r["FIELD"]})
  %fl = call i64 @tm_get(ptr %R, i64 {r["FLAGS"]})
  %same = icmp eq i64 %id, %w
  %here = icmp eq i64 %rf, %field
  %kind = and i64 %fl, {f["TIMER"]}
  %timer = icmp ne i64 %kind, 0
  %c1 = and i1 %same, %here
  %c2 = and i1 %c1, %timer
  br i1 %c2, label %yes, label %no
yes:
  store ptr %M, ptr %mapout
  ret ptr %R
no:
  ret ptr null
}}

; append (op | rec << 8, a, b, c) to the journal (the caller checked there is room)
define internal void @tc_log(ptr %D, i64 %op, i64 %rec, i64 %a, i64 %b, i64 %c) {{
  %n = call i64 @tm_get(ptr %D, i64 {d["JOURNAL_LEN"]})
  %jv = call i64 @tm_get(ptr %D, i64 {d["JOURNAL"]})
  %jp = inttoptr i64 %jv to ptr
  %off = mul i64 %n, {JOURNAL_SLOTS}
  %e = getelementptr i64, ptr %jp, i64 %off
  %hi = shl i64 %rec, 8
  %head = or i64 %hi, %op
  call void @tm_put4(ptr %e, i64 %head, i64 %a, i64 %b, i64 %c)
  %n1 = add i64 %n, 1
  call void @tm_set(ptr %D, i64 {d["JOURNAL_LEN"]}, i64 %n1)
  ret void
}}

; the desk bound to %S with room in its journal, or null; null too while the run holds a
; bpf_spin_lock (the Python helper faults then)
define internal ptr @tc_open(ptr %S) {{
entry:
  %D = call ptr @tc_desk(ptr %S)
  %none = icmp eq ptr %D, null
  br i1 %none, label %done, label %room
room:
  %n = call i64 @tm_get(ptr %D, i64 {d["JOURNAL_LEN"]})
  %cap = call i64 @tm_get(ptr %D, i64 {d["JOURNAL_CAP"]})
  %held = call i64 @tm_get(ptr %S, i64 {s["HELD"]})
  %free = icmp eq i64 %held, 0
  %space = icmp ult i64 %n, %cap
  %ok = and i1 %space, %free
  %open = select i1 %ok, ptr %D, ptr null
  br label %done
done:
  %r = phi ptr [ null, %entry ], [ %open, %room ]
  ret ptr %r
}}

define internal i64 @tc_rec_index(ptr %D, ptr %R) {{
  %recs = call i64 @tm_get(ptr %D, i64 {d["RECORDS"]})
  %rv = ptrtoint ptr %R to i64
  %off = sub i64 %rv, %recs
  %i = udiv i64 %off, {8 * RECORD_SLOTS}
  ret i64 %i
}}

; bpf_timer_init(timer, map, flags): the checks of TimerTable.init in its order
define i64 @{TCALL_SYMBOLS[0]}(ptr %S, i64 %field, i64 %map, i64 %flags, i64 %u4, i64 %fp) {{
entry:
  %D = call ptr @tc_open(ptr %S)
  %none = icmp eq ptr %D, null
  br i1 %none, label %fallback, label %flags.check
flags.check:
  %mono = icmp eq i64 %flags, 1
  %real = icmp eq i64 %flags, 0
  %boot = icmp eq i64 %flags, 7
  %c01 = or i1 %mono, %real
  %clock = or i1 %c01, %boot
  br i1 %clock, label %find.map, label %einval
find.map:
  %n = call i64 @tm_get(ptr %D, i64 {d["NMAPS"]})
  br label %scan
scan:
  %i = phi i64 [ 0, %find.map ], [ %i1, %next ]
  %more = icmp ult i64 %i, %n
  br i1 %more, label %try, label %fallback
try:
  %M = call ptr @tc_map(ptr %D, i64 %i)
  %ma = call i64 @tm_get(ptr %M, i64 {m["ADDRESS"]})
  %is = icmp eq i64 %ma, %map
  %i1 = add i64 %i, 1
  br i1 %is, label %field.check, label %next
next:
  br label %scan
field.check:
  %slot = call i64 @tc_slot(ptr %M, i64 %field)
  %isfield = icmp sge i64 %slot, 0
  br i1 %isfield, label %busy.check, label %fallback
busy.check:
  %fptr = inttoptr i64 %field to ptr
  %w = load i64, ptr %fptr
  %busy = icmp ne i64 %w, 0
  br i1 %busy, label %ebusy, label %users.check
users.check:
  %users = call i64 @tm_get(ptr %M, i64 {m["USERS"]})
  %poolv = call i64 @tm_get(ptr %D, i64 {d["POOL"]})
  %pool = inttoptr i64 %poolv to ptr
  %top = call i64 @tm_get(ptr %pool, i64 {p["TOP"]})
  %budget = call i64 @tm_get(ptr %D, i64 {d["BUDGET"]})
  %hasusers = icmp ne i64 %users, 0
  %hasfree = icmp ne i64 %top, 0
  %hasbudget = icmp sgt i64 %budget, 0
  %go0 = and i1 %hasusers, %hasfree
  %go = and i1 %go0, %hasbudget
  br i1 %go, label %make, label %fallback
make:
  %budget1 = sub i64 %budget, 1
  call void @tm_set(ptr %D, i64 {d["BUDGET"]}, i64 %budget1)
  %top1 = sub i64 %top, 1
  call void @tm_set(ptr %pool, i64 {p["TOP"]}, i64 %top1)
  %stackat = add i64 %top1, {POOL_SLOTS}
  %rec = call i64 @tm_get(ptr %pool, i64 %stackat)
  %serial = call i64 @tm_get(ptr %pool, i64 {p["SERIAL"]})
  %serial1 = add i64 %serial, 1
  call void @tm_set(ptr %pool, i64 {p["SERIAL"]}, i64 %serial1)
  %hi = shl i64 %serial, {RECORD_BITS}
  %id = or i64 %hi, %rec
  %R = call ptr @tc_rec(ptr %D, i64 %rec)
  call void @tm_set(ptr %R, i64 {r["ID"]}, i64 %id)
  call void @tm_set(ptr %R, i64 {r["FIELD"]}, i64 %field)
  call void @tm_set(ptr %R, i64 {r["MAP"]}, i64 %map)
  call void @tm_set(ptr %R, i64 {r["CLOCK"]}, i64 %flags)
  call void @tm_set(ptr %R, i64 {r["FLAGS"]}, i64 {f["TIMER"]})
  store i64 %id, ptr %fptr
  %cpu = call i64 @tm_get(ptr %S, i64 {s["CPU"]})
  call void @tc_log(ptr %D, i64 {j["INIT"]}, i64 %rec, i64 %slot, i64 %flags, i64 %cpu)
  ret i64 0
einval:
  ret i64 -22
ebusy:
  ret i64 -16
fallback:
  ret i64 {FALLBACK}
}}

; bpf_timer_set_callback(timer, callback): the running program's subprogram at callback
define i64 @{TCALL_SYMBOLS[1]}(ptr %S, i64 %field, i64 %callback, i64 %u3, i64 %u4, i64 %fp) {{
entry:
  %mp = alloca ptr
  %D = call ptr @tc_open(ptr %S)
  %none = icmp eq ptr %D, null
  br i1 %none, label %fallback, label %entry.check
entry.check:
  %code = call i64 @tm_get(ptr %S, i64 {s["CODE_BASE"]})
  %off = sub i64 %callback, %code
  %rem = and i64 %off, 7
  %aligned = icmp eq i64 %rem, 0
  %pc = lshr i64 %off, 3
  %n = call i64 @tm_get(ptr %D, i64 {d["NENTRIES"]})
  %ev = call i64 @tm_get(ptr %D, i64 {d["ENTRIES"]})
  %ep = inttoptr i64 %ev to ptr
  br i1 %aligned, label %scan, label %fallback
scan:
  %i = phi i64 [ 0, %entry.check ], [ %i1, %next ]
  %more = icmp ult i64 %i, %n
  br i1 %more, label %try, label %fallback
try:
  %e = call i64 @tm_get(ptr %ep, i64 %i)
  %is = icmp eq i64 %e, %pc
  %i1 = add i64 %i, 1
  br i1 %is, label %find, label %next
next:
  br label %scan
find:
  %R = call ptr @tc_find(ptr %D, i64 %field, ptr %mp)
  %nor = icmp eq ptr %R, null
  br i1 %nor, label %fallback, label %users.check
users.check:
  %M = load ptr, ptr %mp
  %users = call i64 @tm_get(ptr %M, i64 {m["USERS"]})
  %fl = call i64 @tm_get(ptr %R, i64 {r["FLAGS"]})
  %running = and i64 %fl, {f["RUNNING"]}
  %hasusers = icmp ne i64 %users, 0
  %idle = icmp eq i64 %running, 0
  %go = and i1 %hasusers, %idle
  br i1 %go, label %set, label %fallback
set:
  %fl1 = or i64 %fl, {f["CALLBACK"]}
  call void @tm_set(ptr %R, i64 {r["FLAGS"]}, i64 %fl1)
  %rec = call i64 @tc_rec_index(ptr %D, ptr %R)
  %run = call i64 @tm_get(ptr %D, i64 {d["RUN"]})
  call void @tc_log(ptr %D, i64 {j["SET_CALLBACK"]}, i64 %rec, i64 %pc, i64 %run, i64 0)
  ret i64 0
fallback:
  ret i64 {FALLBACK}
}}

; bpf_timer_start(timer, nsecs, flags), relative: flags first, as TimerTable.start checks them
define i64 @{TCALL_SYMBOLS[2]}(ptr %S, i64 %field, i64 %nsecs, i64 %flags, i64 %u4, i64 %fp) {{
entry:
  %mp = alloca ptr
  %D = call ptr @tc_open(ptr %S)
  %none = icmp eq ptr %D, null
  br i1 %none, label %fallback, label %flags.check
flags.check:
  %accepted = call i64 @tm_get(ptr %D, i64 {d["START_FLAGS"]})
  %notacc = xor i64 %accepted, -1
  %bad = and i64 %flags, %notacc
  %refused = icmp ne i64 %bad, 0
  br i1 %refused, label %einval, label %abs.check
abs.check:
  %abs = and i64 %flags, 1
  %isabs = icmp ne i64 %abs, 0
  br i1 %isabs, label %fallback, label %find
find:
  %R = call ptr @tc_find(ptr %D, i64 %field, ptr %mp)
  %nor = icmp eq ptr %R, null
  br i1 %nor, label %fallback, label %cb.check
cb.check:
  %fl = call i64 @tm_get(ptr %R, i64 {r["FLAGS"]})
  %cb = and i64 %fl, {f["CALLBACK"]}
  %hascb = icmp ne i64 %cb, 0
  br i1 %hascb, label %expiry, label %einval
expiry:
  %clock = call i64 @tm_get(ptr %R, i64 {r["CLOCK"]})
  %isboot = icmp eq i64 %clock, 7
  %isreal = icmp eq i64 %clock, 0
  %nowm = call i64 @tm_get(ptr %D, i64 {d["NOW_MONO"]})
  %nowb = call i64 @tm_get(ptr %D, i64 {d["NOW_BOOT"]})
  %nowr = call i64 @tm_get(ptr %D, i64 {d["NOW_REAL"]})
  %now1 = select i1 %isboot, i64 %nowb, i64 %nowm
  %now = select i1 %isreal, i64 %nowr, i64 %now1
  %sum = call {{ i64, i1 }} @llvm.sadd.with.overflow.i64(i64 %now, i64 %nsecs)
  %over = extractvalue {{ i64, i1 }} %sum, 1
  %neg = icmp slt i64 %nsecs, 0
  %negnow = icmp slt i64 %now, 0
  %w1 = or i1 %over, %neg
  %weird = or i1 %w1, %negnow
  br i1 %weird, label %fallback, label %arm
arm:
  %fl1 = or i64 %fl, {f["ARMED"]}
  call void @tm_set(ptr %R, i64 {r["FLAGS"]}, i64 %fl1)
  %rec = call i64 @tc_rec_index(ptr %D, ptr %R)
  %cpu = call i64 @tm_get(ptr %S, i64 {s["CPU"]})
  call void @tc_log(ptr %D, i64 {j["START"]}, i64 %rec, i64 %nsecs, i64 %flags, i64 %cpu)
  ret i64 0
einval:
  ret i64 -22
fallback:
  ret i64 {FALLBACK}
}}

; bpf_timer_cancel(timer) of a timer whose callback does not run: detach, disarm
define i64 @{TCALL_SYMBOLS[3]}(ptr %S, i64 %field, i64 %u2, i64 %u3, i64 %u4, i64 %fp) {{
entry:
  %mp = alloca ptr
  %D = call ptr @tc_open(ptr %S)
  %none = icmp eq ptr %D, null
  br i1 %none, label %fallback, label %find
find:
  %R = call ptr @tc_find(ptr %D, i64 %field, ptr %mp)
  %nor = icmp eq ptr %R, null
  br i1 %nor, label %fallback, label %run.check
run.check:
  %fl = call i64 @tm_get(ptr %R, i64 {r["FLAGS"]})
  %running = and i64 %fl, {f["RUNNING"]}
  %idle = icmp eq i64 %running, 0
  br i1 %idle, label %cancel, label %fallback
cancel:
  %armed = and i64 %fl, {f["ARMED"]}
  %was = icmp ne i64 %armed, 0
  %keep = and i64 %fl, {~(f["ARMED"] | f["CALLBACK"])}
  call void @tm_set(ptr %R, i64 {r["FLAGS"]}, i64 %keep)
  %rec = call i64 @tc_rec_index(ptr %D, ptr %R)
  call void @tc_log(ptr %D, i64 {j["CANCEL"]}, i64 %rec, i64 0, i64 0, i64 0)
  %rc = zext i1 %was to i64
  ret i64 %rc
fallback:
  ret i64 {FALLBACK}
}}
"""
