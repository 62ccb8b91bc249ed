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
