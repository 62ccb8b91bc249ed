"""A verdict (what a verifier and a test run said of a case), the recorded verdicts file, the
fixed inputs of test runs, and the known-disagreements file."""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
VERDICTS = HERE / "verdicts.json"
DISAGREEMENTS = HERE / "disagreements.txt"

#: the packet every packet program runs on: Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, UDP 1234 ->
#: 5678, and 22 payload bytes 0..21 (64 bytes in all)
PACKET = (
    bytes.fromhex("020000000002" "020000000001" "0800")
    + struct.pack(">BBHHHBBH4s4s", 0x45, 0, 50, 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    + struct.pack(">HHHH", 1234, 5678, 30, 0)
    + bytes(range(22))
)
#: the context every syscall program runs with: 64 bytes 0..63
SYSCALL_CTX = bytes(range(64))


@dataclass(frozen=True)
class Verdict:
    """What a loader said of a case.

    ``accepted``; for a refusal ``message``, the last line of the verifier's log before its
    ``processed N insns`` statistics; for an accepted program that can run, ``retval``, the
    test run's return value (u32).
    """

    accepted: bool
    message: str = ""
    retval: int | None = None

    def to_json(self) -> dict[str, object]:
        if not self.accepted:
            return {"verdict": "refused", "message": self.message}
        return {"verdict": "accepted"} if self.retval is None else {"verdict": "accepted", "retval": self.retval}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Verdict:
        retval = data.get("retval")
        return cls(data["verdict"] == "accepted", str(data.get("message", "")), retval if isinstance(retval, int) else None)

    def __str__(self) -> str:
        if not self.accepted:
            return f"refused: {self.message}"
        return "accepted" if self.retval is None else f"accepted, retval {self.retval}"


def last_line(log: str) -> str:
    """The last non-empty line of a verifier log before its ``processed N insns`` statistics
    (the last non-empty line when there are none). Some kernel messages end without a newline,
    so the statistics may follow them on the same line: the message is what precedes them."""
    lines = log.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        found = _STATISTICS.search(lines[i])
        if found:
            lines = lines[:i] + [lines[i][: found.start()]]
            break
    return next((line.rstrip() for line in reversed(lines) if line.strip()), "")


_STATISTICS = re.compile(r"processed \d+ insns \(limit \d+\)")


def run_input(kind: str) -> tuple[bytes | None, bytes | None]:
    """``(ctx, data)`` of a test run for a case's input kind."""
    return (SYSCALL_CTX, None) if kind == "syscall" else (None, PACKET)


def read_verdicts(path: Path = VERDICTS) -> dict[str, Verdict]:
    """The recorded verdicts by case id ({} when nothing was recorded yet)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {case_id: Verdict.from_json(v) for case_id, v in data["cases"].items()}


def recorded_kernel(path: Path = VERDICTS) -> str:
    """The release of the kernel the verdicts were recorded on ("" when none were)."""
    return str(json.loads(path.read_text())["kernel"]) if path.exists() else ""


def recorded_params(verdicts: dict[str, Verdict]) -> list[Any]:
    """The recorded case ids as pytest parameters, those of slow families marked slow, and
    those judged against the host's BTF skipped on any other kernel than the recorded one."""
    import platform

    import pytest

    from ._cases import HOST_BTF_FAMILIES, SLOW_FAMILIES

    other_kernel = pytest.mark.skipif(platform.release() != recorded_kernel(),
                                      reason="judged against the BTF of the kernel the verdicts were recorded on")
    params = []
    for case_id in sorted(verdicts):
        family = case_id.split("/")[0]
        marks = [pytest.mark.slow] if family in SLOW_FAMILIES else []
        marks += [other_kernel] if family in HOST_BTF_FAMILIES else []
        params.append(pytest.param(case_id, marks=marks) if marks else case_id)
    return params


def write_verdicts(verdicts: dict[str, Verdict], kernel: str, path: Path = VERDICTS) -> None:
    """Write the verdicts sorted by id, one case a line, so a diff shows what changed."""
    lines = [f"  {json.dumps(k)}: {json.dumps(verdicts[k].to_json())}" for k in sorted(verdicts)]
    path.write_text('{\n "kernel": ' + json.dumps(kernel) + ',\n "cases": {\n' + ",\n".join(lines) + "\n }\n}\n")


def read_disagreements(path: Path = DISAGREEMENTS) -> dict[str, str]:
    """The known disagreements: case id -> kind (``#`` starts a comment)."""
    known: dict[str, str] = {}
    if not path.exists():
        return known
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            case_id, kind = line.split()
            known[case_id] = kind
    return known


def write_disagreements(found: dict[str, str], header: str, path: Path = DISAGREEMENTS) -> None:
    """Write the known disagreements sorted by id, under a comment ``header``."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    path.write_text(comment + "".join(f"{k} {found[k]}\n" for k in sorted(found)))
