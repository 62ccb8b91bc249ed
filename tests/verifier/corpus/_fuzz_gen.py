"""Programs for the differential verifier fuzzer: small naked-asm programs biased toward the
edges that unsafe programs hit, written as corpus family files (``cases/corpus.h`` conventions)
so that the live kernel (through libbpf) and pybpf (through ``Runtime.load``) read the very
same object.

Each generator draws one program from a :class:`random.Random`: pointer arithmetic on every
pointer kind a program type has, scalars whose bounds jumps refine and then offset a pointer,
uninitialised registers and stack, spills and fills, helper calls with arguments of every
kind, references taken and (not) released, callbacks, loops, division, ``lddw`` forms and
context accesses by offset and size. ``mutants`` changes one instruction of accepted programs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

#: the program types that load and run here, by section
SECTIONS = ("socket", "tc", "xdp", "cgroup_skb/ingress", "syscall")
PACKET_SECTIONS = ("tc", "xdp", "cgroup_skb/ingress")
#: where a packet program finds data and data_end in its context, and the context's size
PACKET_FIELDS = {"tc": (76, 80), "cgroup_skb/ingress": (76, 80), "xdp": (0, 4)}
CTX_SIZE = {"socket": 192, "tc": 192, "cgroup_skb/ingress": 192, "xdp": 24, "syscall": 64}
SIZES = ("u8", "u16", "u32", "u64")
WIDTH = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}
EXIT = "r0 = 0; exit;"


@dataclass
class Program:
    """One generated program: its section, asm body and static subprograms (name -> body)."""

    kind: str
    section: str
    body: str
    subprogs: dict[str, str] = field(default_factory=dict)

    @property
    def deterministic(self) -> bool:
        """Whether a test run's return value can be compared: no random numbers, no clock,
        no uninitialised stack (the kernel's holds whatever was there before)."""
        text = self.body + "".join(self.subprogs.values())
        if self.kind == "ptr_arith" and any(use in text for use in ("r0 = r6;", "r0 = r8;", "if r6 ")):
            return False  # an address, or decided by where memory lies
        return self.kind not in ("uninit", "helper_args", "callbacks") and "call 7;" not in text and "call 5;" not in text


def _off(rng: random.Random, limit: int) -> int:
    """An offset near an edge of ``[0, limit)``: the ends, one past, aligned or not."""
    return rng.choice([0, 1, 2, 3, 4, 7, 8, limit - 8, limit - 4, limit - 1, limit, limit + 1, -1, -8,
                       rng.randrange(-16, limit + 16)])


def _size(rng: random.Random) -> str:
    return rng.choice(SIZES)


def _scalar(rng: random.Random, reg: str, section: str) -> str:
    """Code that leaves an unknown (or known) scalar in ``reg``, clobbering r0-r5."""
    sources = ["call 7; {r} = r0;", "{r} = 5;", "{r} = -1;", "call 7; {r} = r0; {r} &= 0xff;",
               "call 7; w{n} = w0;", "call 5; {r} = r0;"]
    if section != "syscall":
        sources.append("{r} = *(u32 *)(r1 + 0);")
    else:
        sources.append("{r} = *(u64 *)(r1 + 0);")
    return rng.choice(sources).format(r=reg, n=reg[1:])


def _lookup(map_: str, check: bool, skip: int = 2) -> str:
    """r0 = a lookup in ``map_`` of key 0 (fp-4), null-checked when ``check``."""
    code = f"r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[{map_}] ll; call 1;"
    return code + (f"if r0 != 0 goto +{skip}; r0 = 0; exit;" if check else "")


def _pointer(rng: random.Random, section: str) -> tuple[str, int]:
    """Code that leaves a pointer of some kind in r6 (keeping the context in r9), and the size
    of the memory it points to."""
    kinds = ["ctx", "stack", "map_value", "map_or_null", "hash_value", "map_ptr"]
    if section in PACKET_SECTIONS:
        kinds += ["packet", "packet", "packet_end", "packet_unchecked"]
    if section in ("tc", "cgroup_skb/ingress"):
        kinds.append("sock")
    kind = rng.choice(kinds)
    code = "r9 = r1;"
    if kind == "ctx":
        return code + "r6 = r1;", CTX_SIZE[section]
    if kind == "stack":
        depth = rng.choice([8, 16, 64, 512])
        return code + f"r6 = r10; r6 += -{depth};", depth
    if kind == "map_value":
        return code + _lookup("array", True) + "r6 = r0;", 48
    if kind == "map_or_null":
        return code + _lookup("array", False) + "r6 = r0;", 48
    if kind == "hash_value":
        return code + _lookup("hash", True) + "r6 = r0;", 8
    if kind == "map_ptr":
        return code + "r6 = %[array] ll;", 0
    if kind == "sock":
        return code + "r6 = *(u64 *)(r1 + 168); if r6 != 0 goto +2; r0 = 0; exit;", 24
    data, end = PACKET_FIELDS[section]
    load = f"r6 = *(u32 *)(r1 + {data}); r7 = *(u32 *)(r1 + {end});"
    if kind == "packet_end":
        return code + load + "r6 = r7;", 0
    if kind == "packet_unchecked":
        return code + load, 0
    need = rng.choice([1, 8, 14, 20, 34, 42, 63, 64, 65])
    op = rng.choice([">", ">=", "s>", "<", "=="])
    return code + load + f"r8 = r6; r8 += {need}; if r8 {op} r7 goto +2;" + "goto +2; r0 = 0; exit;", need


def _access(rng: random.Random, reg: str, limit: int) -> str:
    """One access through ``reg`` near the edges of ``limit`` bytes."""
    size = _size(rng)
    off = _off(rng, max(limit, 8))
    sign = "+" if off >= 0 else "-"
    addr = f"*({size} *)({reg} {sign} {abs(off)})"
    form = rng.choice(["load", "load", "store", "store_imm", "atomic", "store_ptr"])
    if form == "load":
        return f"r0 = {addr};"
    if form == "store":
        return f"r2 = 1; {addr} = r2;"
    if form == "store_imm":
        return f"{addr} = 7;"
    if form == "store_ptr":
        return f"{addr} = r10;" if size != "u64" else f"r2 = r10; {addr} = r2;"
    width, src = rng.choice([("u32", "w2"), ("u64", "r2")])
    op = rng.choice(["+=", "|=", "&=", "^="])
    return f"r2 = 1; lock *({width} *)({reg} {sign} {abs(off)}) {op} {src};"


def _pointer_op(rng: random.Random) -> str:
    """An ALU operation on the pointer in r6."""
    imm = rng.choice([-8, -1, 1, 3, 4, 7, 8, 47, 48, 49, 512, 0x7FFFFFFF, -0x80000000])
    return rng.choice([
        f"r6 += {imm};", f"r6 -= {imm};", "w6 += 1;", "r6 *= 2;", "r6 &= 7;", "r6 <<= 1;", "r6 = -r6;",
        "r6 |= 1;", "r6 s>>= 1;", "r6 /= 2;", "w6 = w6;", "r7 = r6; r7 -= r6; r6 = r7;",
        "r8 = r10; r6 -= r8;", "r6 += r6;", "r7 = 4; r6 += r7;", "r7 = 48; r6 -= r7;",
        "call 7; r0 &= 7; r6 += r0;", "call 7; r6 += r0;", "call 7; r0 &= 0xff; r6 -= r0;",
        "r6 = be16 r6;", "r6 = (s32)r6;", "r6 ^= 0;", "r7 = r6; r6 = r7;", "w7 = w6; r6 = r7;",
    ])


def ptr_arith(rng: random.Random, section: str) -> Program:
    """Arithmetic on a pointer of some kind, then an access, a spill, a comparison or a return."""
    code, size = _pointer(rng, section)
    for _ in range(rng.choice([0, 1, 1, 2])):
        code += _pointer_op(rng)
    use = rng.choice(["access", "access", "access", "spill", "compare", "return", "helper_key"])
    if use == "access":
        code += _access(rng, "r6", size) + (EXIT if rng.random() < 0.8 else "exit;")
    elif use == "spill":
        slot = rng.choice([8, 16, 12, 4, 1, 9, 512, 516])
        spill = rng.choice(SIZES + ("u64", "u64"))
        fill = rng.choice(SIZES + ("u64", "u64"))
        code += f"*({spill} *)(r10 - {slot}) = r6; r8 = *({fill} *)(r10 - {slot});"
        code += rng.choice(["r0 = *(u8 *)(r8 + 0);", "r0 = r8;", "r0 = 0;", "r8 += 1; r0 = *(u8 *)(r8 + 0);"])
        code += "exit;"
    elif use == "compare":
        other = rng.choice(["r1", "r10", "5", "0", "r9"])
        op = rng.choice(["==", "!=", ">", "s<", "<="])
        code += f"if r6 {op} {other} goto +1; r0 = 1; exit;"
    elif use == "return":
        code += "r0 = r6; exit;"
    else:
        code += "r2 = r6; r1 = %[array] ll; call 1; r0 = 0; exit;"
    return Program("ptr_arith", section, code)


def _refine(rng: random.Random, reg: str) -> str:
    """One conditional jump on ``reg`` that refines its bounds on the path that falls through."""
    ops = ["<", "<=", ">", ">=", "s<", "s<=", "s>", "s>=", "==", "!=", "&"]
    op = rng.choice(ops)
    imm = rng.choice([0, 1, 7, 8, 40, 41, 47, 48, 49, 63, 64, 255, -1, -48, 0x7FFFFFFF])
    wide = rng.random() < 0.7
    r = reg if wide else "w" + reg[1:]
    other = str(imm) if rng.random() < 0.7 else "r8" if wide else "w8"
    pre = f"r8 = {imm};" if other[1:] == "8" else ""
    return pre + f"if {r} {op} {other} goto +2; goto +2; r0 = 0; exit;"


def bounds(rng: random.Random, section: str) -> Program:
    """A scalar whose bounds jumps refine, then used as an offset into memory."""
    code = "r9 = r1;" + _scalar(rng, "r7", section)
    for _ in range(rng.choice([1, 1, 2, 3])):
        code += _refine(rng, "r7")
    code += rng.choice(["", "", "r7 &= 63;", "w7 += 1;", "r7 >>= 1;", "r7 *= 8;", "r7 = (s8)r7;", "w7 = w7;",
                        "r7 -= 1;", "r7 s>>= 1;", "r7 = -r7;"])
    target = rng.choice(["map", "stack", "packet", "ctx"] if section in PACKET_SECTIONS else ["map", "stack", "ctx"])
    size = _size(rng)
    if target == "map":
        code += _lookup("array", True) + "r6 = r0; r6 += r7;"
        code += f"r0 = *({size} *)(r6 + {rng.choice([0, 0, 1, 40, 47])});"
    elif target == "stack":
        code += f"r6 = r10; r6 += -{rng.choice([64, 48, 8])}; r6 += r7;"
        code += rng.choice([f"r0 = *({size} *)(r6 + 0);", f"*({size} *)(r6 + 0) = 0; r0 = 0;"])
    elif target == "ctx":
        code += f"r6 = r9; r6 += r7; r0 = *({size} *)(r6 + 0);"
    else:
        data, end = PACKET_FIELDS[section]
        code += f"r6 = *(u32 *)(r9 + {data}); r8 = *(u32 *)(r9 + {end}); r6 += r7; r2 = r6; r2 += {WIDTH[size]};"
        code += f"if r2 > r8 goto +1; r0 = *({size} *)(r6 + 0);"
    return Program("bounds", section, code + rng.choice([EXIT, "r0 &= 1; exit;"]))


def uninit(rng: random.Random, section: str) -> Program:
    """Reads of registers never written and stack slots written in part or not at all."""
    reg = rng.choice(["r2", "r3", "r5", "r6", "r7", "r9", "r0"])
    form = rng.choice(["alu", "store", "jump", "stack", "stack", "partial", "helper", "ptr"])
    if form == "alu":
        code = f"r1 = 1; r1 += {reg}; r0 = 0; exit;"
    elif form == "store":
        code = f"*(u64 *)(r10 - 8) = {reg}; r0 = 0; exit;"
    elif form == "jump":
        code = f"if {reg} > 3 goto +0; r0 = 0; exit;"
    elif form == "stack":
        slot = rng.choice([8, 16, 4, 1, 512])
        code = f"r0 = *({_size(rng)} *)(r10 - {slot}); exit;"
    elif form == "partial":
        wsize, rsize = _size(rng), _size(rng)
        wslot, rslot = rng.choice([8, 4, 6, 7, 16]), rng.choice([8, 4, 6, 7, 16])
        code = f"r1 = 3; *({wsize} *)(r10 - {wslot}) = r1; r0 = *({rsize} *)(r10 - {rslot}); exit;"
    elif form == "helper":
        size = rng.choice([1, 4, 8, 16, 48])
        code = f"r1 = r10; r1 += -{size}; r2 = {size}; r3 = 0; call 113; r0 = 0; exit;"
        if rng.random() < 0.5:
            code = f"r2 = r10; r2 += -{size}; r1 = %[hash] ll; call 1; r0 = 0; exit;"
    else:
        code = "r8 = *(u64 *)(r10 - 8); r0 = *(u8 *)(r8 + 0); exit;"
    return Program("uninit", section, code)


def _arg(rng: random.Random, reg: str, section: str) -> str:
    """Code that sets one helper argument register to a value of some kind."""
    kinds = ["ctx", "stack", "stack", "const", "const", "null", "map", "map_hash", "map_rb", "map_value", "unknown"]
    if section in PACKET_SECTIONS:
        kinds.append("packet")
    kind = rng.choice(kinds)
    if kind == "ctx":
        return f"{reg} = r9;"
    if kind == "stack":
        return f"{reg} = r10; {reg} += -{rng.choice([1, 4, 8, 12, 16, 48, 64, 512, 513])};"
    if kind == "const":
        return f"{reg} = {rng.choice([0, 1, 4, 8, 12, 16, 48, 49, 64, 512, 513, -1, 0x10000])};"
    if kind == "null":
        return f"{reg} = 0;"
    if kind == "map":
        return f"{reg} = %[array] ll;"
    if kind == "map_hash":
        return f"{reg} = %[hash] ll;"
    if kind == "map_rb":
        return f"{reg} = %[rb] ll;"
    if kind == "map_value":
        return f"{reg} = r6;"
    if kind == "unknown":
        return f"{reg} = r7;"
    data, _ = PACKET_FIELDS[section]
    return f"{reg} = *(u32 *)(r9 + {data});"


#: helpers worth calling with wrong arguments, by id (each type offers some)
HELPERS = (1, 2, 3, 4, 6, 9, 16, 26, 28, 51, 87, 88, 89, 113, 114, 115, 130, 131, 134, 12, 44, 8, 65, 68, 112)


def helper_args(rng: random.Random, section: str) -> Program:
    """A helper called with arguments of random kinds and sizes (the stack initialised or not)."""
    code = "r9 = r1;" + _lookup("array", True) + "r6 = r0; call 7; r7 = r0;"
    if rng.random() < 0.6:
        code += "r1 = 0; *(u64 *)(r10 - 8) = r1; *(u64 *)(r10 - 16) = r1;"
    if rng.random() < 0.3:
        code += "r1 = 0;" + "".join(f"*(u64 *)(r10 - {8 * i}) = r1;" for i in range(3, 9))
    nargs = rng.choice([1, 2, 3, 4, 5])
    for i in range(1, nargs + 1):
        code += _arg(rng, f"r{i}", section)
    code += f"call {rng.choice(HELPERS)};"
    return Program("helper_args", section, code + rng.choice([EXIT, "r0 = 0; exit;", "exit;"]))


def refs(rng: random.Random, section: str) -> Program:
    """Socket lookups and ring buffer reservations, released zero, one or two times."""
    if section == "tc" and rng.random() < 0.5:
        size = rng.choice([12, 36, 8, 13])
        code = "r9 = r1; r1 = 0;" + "".join(f"*(u64 *)(r10 - {8 * i}) = r1;" for i in range(1, 6))
        code += f"r1 = r9; r2 = r10; r2 += -40; r3 = {size}; r4 = {rng.choice([-1, 0])}; r5 = 0;"
        code += f"call {rng.choice([84, 85, 99])};"
        release = "r1 = r6; call 86;"
        mem = 24
    else:
        size = rng.choice([8, 16, 48, 0, 4096, -1])
        code = f"r1 = %[rb] ll; r2 = {size}; r3 = {rng.choice([0, 0, 1])}; call 131;"
        release = rng.choice(["r1 = r6; r2 = 0; call 132;", "r1 = r6; r2 = 0; call 133;"])
        mem = max(size, 0)
    null = rng.choice(["checked", "checked", "unchecked"])
    code += "r6 = r0;"
    if null == "checked":
        code += "if r6 != 0 goto +2; r0 = 0; exit;"
    use = rng.choice(["", "access", "access_after", "copy"])
    if use == "access":
        code += _access(rng, "r6", mem)
    elif use == "copy":
        code += "r7 = r6; r7 += 0;"
    count = rng.choice([0, 1, 1, 1, 2, -1])  # -1: released on one branch only
    if count < 0:
        code += f"call 7; if r0 > 5 goto +{release.count(';')};" + release + "r0 = 0;"
    else:
        code += release * count
    if use == "access_after":
        code += _access(rng, "r6", mem)
    return Program("refs", section, code + EXIT)


_CB_BODIES = (
    "r0 = 0; exit;", "r0 = 1; exit;", "r0 = 2; exit;", "r0 = -1; exit;", "exit;",
    "r0 = *(u64 *)(r2 + 0); r0 = 0; exit;", "r0 = *(u64 *)(r2 + 8); r0 = 0; exit;",
    "*(u64 *)(r2 + 0) = r1; r0 = 0; exit;", "r3 = r10; r3 += -8; r3 += r1; r0 = *(u8 *)(r3 - 8); r0 = 0; exit;",
    "r0 = r1; r0 &= 1; exit;", "r0 = *(u64 *)(r10 - 8); r0 = 0; exit;", "r1 = 0; *(u64 *)(r10 - 8) = r1; r0 = 0; exit;",
    "r0 = r3; exit;", "r6 = 1; r0 = 0; exit;", "call 7; r0 &= 1; exit;",
)


def callbacks(rng: random.Random, section: str, name: str) -> Program:
    """bpf_loop with a callback of some body, and a context pointer of some kind."""
    cb = f"{name}_cb"
    ctx = rng.choice(["r3 = 0;", "r3 = r10; r3 += -8;", "r3 = r10; r3 += -16;", "r3 = r1;", "r3 = 5;"])
    code = "r1 = 0; *(u64 *)(r10 - 8) = r1;" if rng.random() < 0.7 else ""
    count = rng.choice([1, 2, 8, 0, -1, 0x800001])
    code += f"r9 = r1; {ctx} r1 = {count}; r2 = {cb} ll; r4 = {rng.choice([0, 0, 1])}; call 181;"
    code += rng.choice([EXIT, "exit;", "r0 = *(u64 *)(r10 - 8); exit;"])
    return Program("callbacks", section, code, {cb: rng.choice(_CB_BODIES)})


def loops(rng: random.Random, section: str) -> Program:
    """Counting loops with bounds that end, that do not, and that index memory."""
    step = rng.choice([1, 2, 0, 3])
    bound = rng.choice([4, 8, 64, 300])
    op = rng.choice(["<", "!=", "s<", "<="])
    body = rng.choice(["", "r6 = r10; r6 += -64; r6 += r7; *(u8 *)(r6 + 0) = 1;", "call 7;", "r0 += r7;"])
    n = body.count(";") + 2  # the body, the step and the jump
    code = f"r7 = 0; r0 = 0; {body} r7 += {step}; if r7 {op} {bound} goto -{n};"
    if rng.random() < 0.2:
        code = "r7 = 0; r0 = 0; r7 += 1; goto -2;"
    return Program("loops", section, code + rng.choice(["r0 = 0; exit;", "r0 = r7; r0 &= 1; exit;"]))


def division(rng: random.Random, section: str) -> Program:
    """Division and modulo, 64- and 32-bit, signed and not, by constants and unknowns."""
    code = _scalar(rng, "r7", section) + "r0 = 100;"
    op = rng.choice(["/=", "%%="])  # %% is % in asm volatile
    width = rng.choice(["r", "w"])
    divisor = rng.choice(["0", "-1", "3", "r7", "r7", "r8"])
    if divisor == "r8":
        code += "r8 = 0;"
    if divisor.startswith("r"):
        divisor = width + divisor[1:]
    code += f"{width}0 {op} {divisor};"
    signed = rng.random() < 0.3
    if signed:
        code = code.replace(f"{width}0 {op}", f"{width}0 s{op}")
    return Program("division", section, code + rng.choice(["exit;", "r0 &= 1; exit;"]))


def _raw(op: int, dst: int, src: int, off: int, imm: int) -> str:
    word = ((imm & 0xFFFFFFFF) << 32) | ((off & 0xFFFF) << 16) | (src << 12) | (dst << 8) | op
    return f".quad {word:#x};"


def ldimm64(rng: random.Random, section: str) -> Program:
    """``lddw`` in its forms: plain, a map's address, its value, bad source kinds, a second half
    with fields set, the first half alone."""
    # (sources 1, 2, 4, 5 and 6 name maps or functions: without a relocation libbpf and pybpf
    # refuse the object)
    src = rng.choice([0, 0, 3, 7, 8])
    imm = rng.choice([0, 1, -1, 0x7FFFFFFF])
    second = _raw(0, rng.choice([0, 0, 1]), rng.choice([0, 0, 2]), rng.choice([0, 0, 1]), rng.choice([0, 5]))
    code = _raw(0x18, rng.choice([0, 1, 11]) if rng.random() < 0.1 else 1, src, 0, imm) + second
    if rng.random() < 0.1:
        code = _raw(0x18, 1, 0, 0, imm) + "r0 = 0;"
    use = rng.choice(["r0 = 0;", "r0 = r1;", "r0 = *(u8 *)(r1 + 0); r0 = 0;"])
    return Program("ldimm64", section, code + use + "exit;")


def ctx_access(rng: random.Random, section: str) -> Program:
    """A context access of some size at some offset: a load, a store or an atomic."""
    size = _size(rng)
    off = rng.choice([rng.randrange(0, CTX_SIZE[section] + 8), rng.randrange(0, 48) * 4, _off(rng, CTX_SIZE[section])])
    off = max(off, 0)
    form = rng.choice(["load", "load", "load", "store", "store_imm", "atomic"])
    if form == "load":
        code = f"r0 = *({size} *)(r1 + {off}); r0 = 0;"
    elif form == "store":
        code = f"r2 = 1; *({size} *)(r1 + {off}) = r2; r0 = 0;"
    elif form == "store_imm":
        code = f"*({size} *)(r1 + {off}) = 1; r0 = 0;"
    else:
        code = f"r2 = 1; lock *(u64 *)(r1 + {off}) += r2; r0 = 0;"
    if rng.random() < 0.3:  # an access through a copy that moved
        code = f"r1 += {rng.choice([4, 8, -4])};" + code
    return Program("ctx_access", section, code + "exit;")


GENERATORS: dict[str, Callable[[random.Random, str], Program]] = {
    "ptr_arith": ptr_arith,
    "bounds": bounds,
    "uninit": uninit,
    "helper_args": helper_args,
    "refs": refs,
    "loops": loops,
    "division": division,
    "ldimm64": ldimm64,
    "ctx_access": ctx_access,
}
#: how often each generator is drawn
WEIGHTS = {"ptr_arith": 6, "bounds": 5, "uninit": 2, "helper_args": 4, "refs": 3, "callbacks": 2, "loops": 1,
           "division": 1, "ldimm64": 1, "ctx_access": 4}


def draw(rng: random.Random, name: str) -> Program:
    """One program of a kind drawn by :data:`WEIGHTS`, of a random section."""
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    section = rng.choice(SECTIONS)
    if kind == "refs" and rng.random() < 0.5:
        section = "tc"
    if kind == "callbacks":
        return callbacks(rng, section, name)
    return GENERATORS[kind](rng, section)


def family_source(programs: dict[str, Program]) -> str:
    """A corpus family file holding ``programs`` (by function name)."""
    out = ['#include "corpus.h"\n']
    for name, prog in programs.items():
        out.append(f"/* {prog.kind} */\n")
        for sub, body in prog.subprogs.items():
            out.append(f'SUBPROG({sub})\n{{\n\tasm volatile ("{body}" :: IMMS : __clobber_all);\n}}\n')
        out.append(f'ASM_CASE("{prog.section}", {name}, "{prog.body}")\n')
    return "".join(out)


def programs(seed: int, count: int, prefix: str = "p") -> Iterator[tuple[str, Program]]:
    """``count`` programs reproducible from ``seed``, named ``<prefix><n>``."""
    rng = random.Random(seed)
    for i in range(count):
        name = f"{prefix}{i}"
        yield name, draw(rng, name)


def mutate_instruction(rng: random.Random, word: bytes) -> bytes:
    """``word`` (one 8-byte instruction) with one field changed the way a slip of the pen
    changes it: a neighbouring operation, size or width, a register, an offset or immediate
    one off, negated or zeroed."""
    op, regs = word[0], word[1]
    off = int.from_bytes(word[2:4], "little", signed=True)
    imm = int.from_bytes(word[4:8], "little", signed=True)
    cls = op & 7
    field_ = rng.choice(["op", "dst", "src", "off", "imm"])
    if field_ == "op":
        if cls in (4, 7):  # ALU, ALU64: another operation, the other width, K <-> X
            op = rng.choice([(op & 0x0F) | (rng.randrange(14) << 4), op ^ 3, op ^ 8])
        elif cls in (5, 6):  # JMP, JMP32: another condition, the other width, K <-> X
            op = rng.choice([(op & 0x0F) | (rng.randrange(1, 14) << 4), op ^ 3, op ^ 8])
        else:  # loads and stores: another size or mode
            op = rng.choice([(op & 0xE7) | (rng.randrange(4) << 3), (op & 0x1F) | (rng.choice([1, 3, 4, 6]) << 5)])
    elif field_ == "dst":
        regs = (regs & 0xF0) | rng.randrange(11)
    elif field_ == "src":
        regs = (regs & 0x0F) | (rng.randrange(11) << 4)
    elif field_ == "off":
        off = rng.choice([off + 1, off - 1, off + 8, off - 8, -off, 0, off + 4])
    else:
        imm = rng.choice([imm + 1, imm - 1, 0, -1, -imm, imm * 2, imm + 8, 0x7FFFFFFF])
    off = max(-(1 << 15), min(off, (1 << 15) - 1))
    imm = max(-(1 << 31), min(imm, (1 << 31) - 1))
    return bytes([op & 0xFF, regs]) + off.to_bytes(2, "little", signed=True) + imm.to_bytes(4, "little", signed=True)


def mutant_object(rng: random.Random, obj: bytes, program: str) -> tuple[bytes, int] | None:
    """``obj`` with one instruction of ``program`` mutated (never one a relocation patches),
    and the instruction's index in the program; None when no instruction can be."""
    import io

    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection

    elf = ELFFile(io.BytesIO(obj))
    symtab = elf.get_section_by_name(".symtab")
    sym = next((s for s in symtab.iter_symbols() if s.name == program and s["st_info"]["type"] == "STT_FUNC"), None)  # type: ignore[union-attr]
    if sym is None:
        return None
    section = elf.get_section(sym["st_shndx"])
    patched: set[int] = set()
    for rel in elf.iter_sections():
        if isinstance(rel, RelocationSection) and rel["sh_info"] == sym["st_shndx"]:
            patched.update(r["r_offset"] for r in rel.iter_relocations())
    start, count = sym["st_value"], sym["st_size"] // 8
    choices = [i for i in range(count) if start + 8 * i not in patched and start + 8 * i - 8 not in patched]
    if not choices:
        return None
    index = rng.choice(choices)
    at = section["sh_offset"] + start + 8 * index
    out = bytearray(obj)
    out[at : at + 8] = mutate_instruction(rng, bytes(obj[at : at + 8]))
    return bytes(out), index
