"""The generated helper header: in sync with the registry, and enough to build a program."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import pybpf
from pybpf.cli import main
from pybpf.helpers import HELPERS
from pybpf.helpers._header import helper_defs_header

INCLUDE = Path(pybpf.__file__).parent / "include"


def test_shipped_header_is_the_generated_one() -> None:
    shipped = (INCLUDE / "bpf" / "bpf_helper_defs.h").read_text()
    assert shipped == helper_defs_header(), "run: pybpf gen header -o src/pybpf/include/bpf/bpf_helper_defs.h"


def test_header_declares_every_helper_with_its_id() -> None:
    text = helper_defs_header()
    for h in HELPERS:
        assert f"(* const {h.name})({h.c_params}) = (void *) {h.id};" in text


def test_gen_header_command_writes_the_header(tmp_path: Path) -> None:
    out = tmp_path / "defs.h"
    assert main(["gen", "header", "-o", str(out)]) == 0
    assert out.read_text() == helper_defs_header()


PROGRAM = r"""
#include <bpf/bpf_helpers.h>

struct elem { int counter; struct bpf_timer timer; };
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, int);
    __type(value, struct elem);
} hmap SEC(".maps");

SEC("syscall")
int prog(void *ctx)
{
    int key = 0;
    struct elem *e = bpf_map_lookup_elem(&hmap, &key);
    bpf_printk("now %llu", bpf_ktime_get_ns());
    return e ? e->counter : -1;
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_a_program_builds_with_pybpf_headers_alone(tmp_path: Path) -> None:
    clang = shutil.which("clang-19") or shutil.which("clang")
    if clang is None:
        pytest.skip("no clang")
    src = tmp_path / "prog.bpf.c"
    src.write_text(PROGRAM)
    result = subprocess.run(
        [clang, "-target", "bpf", "-O2", "-g", "-nostdinc", "-I", str(INCLUDE), "-c", str(src),
         "-o", str(tmp_path / "prog.bpf.o")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
