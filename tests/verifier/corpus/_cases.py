"""Finding the cases: every program (a function with a ``SEC()`` that is not a map or license
section) of every ``cases/<family>.bpf.c`` file is one case, named ``<family>/<function>``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).parent / "cases"
SUFFIX = ".bpf.c"

# SEC("name") up to the function's name: the last identifier before the first "(".
_PROGRAM = re.compile(r'\bSEC\("(?P<section>[^"]*)"\)(?P<head>[^(;{]*)\(')
_IDENT = re.compile(r"[A-Za-z_]\w*")

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
    """One program of a family file: what to load, and whether it can be test-run."""

    family: str
    program: str
    section: str
    source: Path

    @property
    def id(self) -> str:
        """``family/program``: the case's name in the recorded verdicts."""
        return f"{self.family}/{self.program}"

    @property
    def run_input(self) -> str | None:
        """``"packet"``, ``"syscall"``, or None for a type BPF_PROG_RUN cannot run here."""
        return RUNNABLE.get(self.section.removeprefix("?"))


def programs_of(source: Path) -> list[Case]:
    """The cases of one family file, in file order."""
    family = source.name[: -len(SUFFIX)]
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", source.read_text(), flags=re.DOTALL)
    found = []
    for match in _PROGRAM.finditer(text):
        section = match["section"]
        if section.startswith(".") or section in ("license", "version"):
            continue
        names = _IDENT.findall(match["head"])
        if not names:
            raise ValueError(f"{source.name}: no function name after SEC(\"{section}\")")
        found.append(Case(family, names[-1], section, source))
    return found


def discover(cases_dir: Path = CASES_DIR) -> list[Case]:
    """Every case, ordered by family and then by position in the file.

    Raises:
        ValueError: two programs of a family share a name.
    """
    cases: list[Case] = []
    for source in sorted(cases_dir.glob(f"*{SUFFIX}")):
        family = programs_of(source)
        names = [c.program for c in family]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"{source.name}: programs named twice: {', '.join(dupes)}")
        cases.extend(family)
    return cases
