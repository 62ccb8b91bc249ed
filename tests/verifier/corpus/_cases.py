"""Finding the cases in the compiled family files: every program (a global function in an
executable section other than ``.text``, as libbpf counts them) of ``cases/<family>.bpf.c`` is
one case, named ``<family>/<function>``. Reading the objects rather than the sources lets a
family generate its cases with macros."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

CASES_DIR = Path(__file__).parent / "cases"
SUFFIX = ".bpf.c"
SHF_EXECINSTR = 0x4

#: families whose cases make a verifier walk about a million instructions: tests mark them slow
SLOW_FAMILIES = frozenset({"limits"})

#: families whose cases read kernel structs at offsets only the running kernel's BTF
#: describes: pybpf loads them with ``Runtime(btf="host")``, and they agree with the recorded
#: verdicts only on the kernel they were recorded on
HOST_BTF_FAMILIES = frozenset({"btf_walk", "struct_ops"})

#: the sections whose programs BPF_PROG_RUN runs here, and the fixed input each gets
RUNNABLE: dict[str, str] = {
    "syscall": "syscall",
    "socket": "packet",
    "tc": "packet",
    "classifier": "packet",
    "xdp": "packet",
    "cgroup_skb/ingress": "packet",
    "cgroup_skb/egress": "packet",
}


@dataclass(frozen=True)
class Case:
    """One program of a family's object: what to load, and whether it can be test-run."""

    family: str
    program: str
    section: str
    obj: Path

    @property
    def id(self) -> str:
        """``family/program``: the case's name in the recorded verdicts."""
        return f"{self.family}/{self.program}"

    @property
    def run_input(self) -> str | None:
        """``"packet"``, ``"syscall"``, or None for a type BPF_PROG_RUN cannot run here."""
        return RUNNABLE.get(self.section.removeprefix("?"))


def programs_of(family: str, obj: Path) -> list[Case]:
    """The cases of one family's object, in section and then address order."""
    with obj.open("rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        found: list[tuple[int, int, Case]] = []
        for sym in symtab.iter_symbols():  # type: ignore[union-attr]
            index = sym["st_shndx"]
            if sym["st_info"]["type"] != "STT_FUNC" or sym["st_info"]["bind"] != "STB_GLOBAL" or not isinstance(index, int):
                continue
            section = elf.get_section(index)
            if section.name == ".text" or not section["sh_flags"] & SHF_EXECINSTR:
                continue
            found.append((index, sym["st_value"], Case(family, sym.name, section.name, obj)))
    return [case for _, _, case in sorted(found, key=lambda t: (t[0], t[1]))]


def discover(objects: dict[str, Path]) -> list[Case]:
    """Every case of the families' objects (family name -> object), by family."""
    return [case for family in sorted(objects) for case in programs_of(family, objects[family])]
