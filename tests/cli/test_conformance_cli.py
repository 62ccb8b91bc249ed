"""``pybpf conformance`` and ``pybpf conformance-plugin`` as a user runs them."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asm"


def test_conformance_reports_passed_count_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", str(EXAMPLES)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Passed 3 out of 3 tests."


def test_conformance_verbose_lists_each_vector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "-v", str(EXAMPLES / "primes.data")]) == 0
    assert capsys.readouterr().out.splitlines() == ["PASS primes: returned 0x29d", "Passed 1 out of 1 tests."]


def test_conformance_fails_when_a_vector_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.data").write_text("-- asm\nmov %r0, 1\nexit\n-- result\n2\n")
    assert main(["conformance", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == ["FAIL bad: returned 0x1, expected 0x2", "Passed 0 out of 1 tests."]


def test_conformance_on_a_directory_without_vectors_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"pybpf conformance: error: no .data vectors in {tmp_path}\n")


def test_shared_vectors_all_pass(conformance_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", str(conformance_dir / "tests")]) == 0
    assert capsys.readouterr().out.strip() == "Passed 313 out of 313 tests."


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["conformance", "/no/such/dir"], "pybpf conformance: error: no such file or directory: /no/such/dir",
                     id="missing-path"),
        pytest.param(["conformance", "--exclude-groups", "nope", "."], "pybpf conformance: error: unknown group 'nope'",
                     id="unknown-group"),
        pytest.param(["conformance", "--cpu-version", "v9", "."], None, id="bad-cpu-version"),
        pytest.param(["frobnicate"], None, id="unknown-command"),
    ],
)
def test_bad_arguments_give_one_line_and_nonzero_status(
    argv: list[str], message: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code  # type: ignore[assignment]
    err = capsys.readouterr().err.splitlines()
    assert status != 0
    assert len(err) == 1
    if message:
        assert err == [message]


def run_plugin(program_hex: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(program_hex))
    return main(["conformance-plugin", *args])


def test_plugin_prints_r0_in_hex(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    prog = "79  10  02  00  00  00  00  00  95  00  00  00  00  00  00  00"
    assert run_plugin(prog, "aa bb 11 22 33 44 55 66 77 88", monkeypatch=monkeypatch) == 0
    assert capsys.readouterr().out == "8877665544332211\n"


@pytest.mark.parametrize(
    ("program", "args", "error"),
    [
        pytest.param("zz", (), "program on standard input is not hex bytes", id="not-hex"),
        pytest.param("95 00 00 00 00 00 00", (), "program size 7 is not a multiple of 8", id="truncated"),
        pytest.param("4f a0 00 00 00 00 00 00 95 00 00 00 00 00 00 00", (), "R0 !read_ok", id="unwritten-register"),
        pytest.param("79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00", (), "load of 8 bytes at 0x0 in out-of-bounds "
                     "memory at PC 0", id="fault"),
        pytest.param("95 00 00 00 00 00 00 00", ("zz",), "memory argument: bad memory bytes", id="bad-memory"),
    ],
)
def test_plugin_errors_exit_nonzero_with_one_line(
    program: str, args: tuple[str, ...], error: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_plugin(program, *args, monkeypatch=monkeypatch) != 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and error in err[0]


def test_console_script_runs_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pybpf.cli", "conformance", str(EXAMPLES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Passed 3 out of 3 tests."
