"""``bpf_spin_lock`` and copies around special fields, as LLVM IR text for the native map
module (:mod:`._mapgen`, which substitutes the ``{NAME}`` fields and compiles it once).

A spin lock word is 0 when free and 1 when held (see :mod:`._spin_lock`, the Python side of
the same words). Compiled programs call:

- ``pybpf_nlock``: takes the word natively when the run holds no lock, the word is exactly the
  ``bpf_spin_lock`` field of an element of a map in the program's native map table (what the
  interpreter's helper checks, for the maps native code knows), and it is free. It then names
  the word in the run's state (``HELD``), where the Python side finds it at every crossing;
- ``pybpf_nunlock``: gives back the word the state names.

Anything else (a lock already held, a word native code cannot vouch for, a contended lock)
returns FALLBACK, and the Python helper answers: it waits for a contended lock with the GIL
released, and raises the interpreter's errors. Native map operations fall back as well while a
lock is held, so a run calling a map helper under a lock faults exactly as interpreted.

Values with special fields (``HOLES`` maps) are copied through their descriptor's table of
gaps, the ``[start, end)`` ranges of bytes outside the special and owned fields: a copy never
overwrites a lock, timer or kptr (the kernel's ``copy_map_value``), and a read hands user space
zeros in their place.
"""

from __future__ import annotations

__all__ = ["LOCK_BODY", "LOCK_PY_ENTRY_POINTS", "LOCK_SYMBOL", "UNLOCK_SYMBOL"]

#: The symbols compiled programs call for ``bpf_spin_lock`` and ``bpf_spin_unlock``.
LOCK_SYMBOL, UNLOCK_SYMBOL = "pybpf_nlock", "pybpf_nunlock"
#: The Python entry points on lock words: name -> argument kinds (see :mod:`._mapgen`).
LOCK_PY_ENTRY_POINTS = {"nm_trylock": "i", "nm_unlock": "i"}

LOCK_BODY = r"""
; Take the lock word at %w if it is free: whether it was.
define internal i1 @trylock(ptr %w) {
  %r = cmpxchg ptr %w, i32 0, i32 1 acquire monotonic, align 4
  %ok = extractvalue { i32, i1 } %r, 1
  ret i1 %ok
}

define internal void @unlock(ptr %w) {
  store atomic i32 0, ptr %w release, align 4
  ret void
}

define i64 @nm_trylock(ptr %w) {
  %ok = call i1 @trylock(ptr %w)
  %r = zext i1 %ok to i64
  ret i64 %r
}

define i64 @nm_unlock(ptr %w) {
  call void @unlock(ptr %w)
  ret i64 0
}

; Copy a value from %src to %dst around its special fields: each gap of the descriptor's
; table, or all of it when the value has none.
define internal void @copy_value(ptr %D, ptr %dst, ptr %src) {
entry:
  %holes = call i64 @is_kind(ptr %D, i64 {HOLES})
  %plain = icmp eq i64 %holes, 0
  br i1 %plain, label %whole, label %gaps
whole:
  %vs = call i64 @get(ptr %D, i64 {VALUE_SIZE})
  call void @copy(ptr %dst, ptr %src, i64 %vs)
  ret void
gaps:
  %n = call i64 @get(ptr %D, i64 {NGAPS})
  %t = call i64 @get(ptr %D, i64 {GAPS})
  %tp = inttoptr i64 %t to ptr
  br label %loop
loop:
  %i = phi i64 [ 0, %gaps ], [ %i1, %body ]
  %more = icmp ult i64 %i, %n
  br i1 %more, label %body, label %done
body:
  %two = shl i64 %i, 1
  %sp = getelementptr i64, ptr %tp, i64 %two
  %start = load i64, ptr %sp
  %ep = getelementptr i64, ptr %sp, i64 1
  %end = load i64, ptr %ep
  %len = sub i64 %end, %start
  %d = getelementptr i8, ptr %dst, i64 %start
  %s = getelementptr i8, ptr %src, i64 %start
  call void @copy(ptr %d, ptr %s, i64 %len)
  %i1 = add i64 %i, 1
  br label %loop
done:
  ret void
}

; Copy %value into the value at %dst (an element of a map whose values hold a spin lock)
; holding the element's lock (copy_map_value_locked): false, copying nothing, when another
; run or thread holds it (the caller falls back to Python, which waits).
define internal i1 @copy_locked(ptr %D, ptr %dst, ptr %value) {
entry:
  %lock = call i64 @get(ptr %D, i64 {LOCK_AT})
  %w = getelementptr i8, ptr %dst, i64 %lock
  %got = call i1 @trylock(ptr %w)
  br i1 %got, label %copy, label %busy
copy:
  call void @copy_value(ptr %D, ptr %dst, ptr %value)
  call void @unlock(ptr %w)
  ret i1 true
busy:
  ret i1 false
}

; Whether %a is exactly the spin lock word of a slot that holds or held an element of the
; open map whose descriptor is %D.
define internal i1 @lock_word(ptr %D, i64 %a) {
entry:
  %lock = call i64 @get(ptr %D, i64 {LOCK_AT})
  %live = call i64 @get(ptr %D, i64 {LIVE})
  %haslock = icmp sge i64 %lock, 0
  %open = icmp ne i64 %live, 0
  %usable = and i1 %haslock, %open
  br i1 %usable, label %range, label %no
range:
  %base = call i64 @get(ptr %D, i64 {SLOTS})
  %size = call i64 @get(ptr %D, i64 {SLOT_SIZE})
  %total = call i64 @get(ptr %D, i64 {TOTAL})
  %bytes = mul i64 %total, %size
  %off = sub i64 %a, %base
  %inside = icmp ult i64 %off, %bytes
  br i1 %inside, label %field, label %no
field:
  %slot = udiv i64 %off, %size
  %within = urem i64 %off, %size
  %ka = call i64 @get(ptr %D, i64 {KEY_AREA})
  %at = add i64 %ka, %lock
  %exact = icmp eq i64 %within, %at
  %arr = call i64 @is_kind(ptr %D, i64 {ARRAY})
  %isarr = icmp ne i64 %arr, 0
  %handed = call i64 @get(ptr %D, i64 {NEXT})
  %used = icmp ult i64 %slot, %handed
  %element = or i1 %isarr, %used
  %ok = and i1 %exact, %element
  ret i1 %ok
no:
  ret i1 false
}

define i64 @pybpf_nlock(ptr %S, i64 %lock, i64 %r2, i64 %r3, i64 %r4, i64 %fp) {
entry:
  %held = call i64 @get(ptr %S, i64 {STATE_HELD})
  %none = icmp eq i64 %held, 0
  br i1 %none, label %check, label %python
check:
  %D = call ptr @find_map(ptr %S, i64 %lock, i1 true)
  %known = icmp ne ptr %D, null
  br i1 %known, label %take, label %python
take:
  %w = inttoptr i64 %lock to ptr
  %got = call i1 @trylock(ptr %w)
  br i1 %got, label %mine, label %python
mine:
  call void @set(ptr %S, i64 {STATE_HELD}, i64 %lock)
  ret i64 0
python:
  ret i64 {FALLBACK}
}

define i64 @pybpf_nunlock(ptr %S, i64 %lock, i64 %r2, i64 %r3, i64 %r4, i64 %fp) {
entry:
  %held = call i64 @get(ptr %S, i64 {STATE_HELD})
  %some = icmp ne i64 %held, 0
  %same = icmp eq i64 %held, %lock
  %mine = and i1 %some, %same
  br i1 %mine, label %give, label %python
give:
  %w = inttoptr i64 %lock to ptr
  call void @unlock(ptr %w)
  call void @set(ptr %S, i64 {STATE_HELD}, i64 0)
  ret i64 0
python:
  ret i64 {FALLBACK}
}
"""
