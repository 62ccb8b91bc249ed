"""Compiling .c files: clang from PATH, else the ziglang package, else a clear error."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

import pybpf
from pybpf.runtime import _compile

SOURCE = """
#include <bpf/bpf_helpers.h>
int answer = 0;
SEC("syscall")
int prog(void *ctx) { answer = 42; return 7; }
char LICENSE[] SEC("license") = "GPL";
"""


def test_without_clang_the_ziglang_package_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip("the ziglang package is not installed")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no object cached by clang
    assert _compile.find_compiler()[-1] == "cc"  # type: ignore[index]
    source = tmp_path / "zig.bpf.c"
    source.write_text(SOURCE)
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(source)
        assert obj.programs["prog"].test_run().retval == 7
        assert obj.globals["answer"] == 42


def test_without_any_compiler_loading_c_is_a_compile_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    source = tmp_path / "prog.bpf.c"
    source.write_text(SOURCE)
    with pytest.raises(pybpf.CompileError, match=r"no clang found \(install clang or the ziglang package\)$"):
        pybpf.Runtime(clock="virtual").load(source)


def _broken_clang(tmp_path: Path, script: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clang = bin_dir / "clang-19"
    clang.write_text("#!/bin/sh\n" + script)
    clang.chmod(0o755)
    return clang


def test_a_clang_that_cannot_run_gives_way_to_the_bundled_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip("the ziglang package is not installed")
    broken = _broken_clang(tmp_path, "echo 'clang-19: error while loading shared libraries: libLLVM.so.19' >&2\nexit 127\n")
    monkeypatch.setattr(shutil, "which", lambda name: str(broken) if name == "clang-19" else None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "prog.bpf.c"
    source.write_text(SOURCE)
    with pybpf.Runtime(clock="virtual") as rt:
        assert rt.load(source).programs["prog"].test_run().retval == 7


def test_when_no_compiler_can_run_the_error_says_which_failed_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _broken_clang(tmp_path, "echo 'cannot open libLLVM' >&2\nkill -9 $$\n")
    monkeypatch.setattr(shutil, "which", lambda name: str(broken) if name == "clang-19" else None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "prog.bpf.c"
    source.write_text(SOURCE)
    with pytest.raises(pybpf.CompileError) as info:
        pybpf.Runtime(clock="virtual").load(source)
    assert str(info.value) == f"compile {source}: no compiler could run: {broken} killed by signal 9 (cannot open libLLVM)"


def test_a_compile_error_carries_the_whole_diagnostic_the_command_and_its_status(tmp_path: Path) -> None:
    if _compile.find_compiler() is None:
        pytest.skip("no compiler")
    source = tmp_path / "two.bpf.c"
    source.write_text("int f(void) { return one; }\nint g(void) { return two; }\n")
    with pytest.raises(pybpf.CompileError) as info:
        pybpf.Runtime(clock="virtual").load(source)
    err = info.value
    first, command, *diagnostic = str(err).splitlines()
    assert first == f"compile {source}: {source}:1:22: error: use of undeclared identifier 'one'"
    assert command.endswith(": exited with status 1") and f"-c {source}" in command
    assert any("undeclared identifier 'two'" in line for line in diagnostic)  # not only the first
    assert err.returncode == 1 and str(source) in err.command and "'two'" in err.output
