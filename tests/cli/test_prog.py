"""``pybpf prog``: show, dump xlated and jited, run, load, loadall, pin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ._cli import one_error
from .conftest import Build, Cli

COUNTER_SHOW = """\
1: syscall  name count  tag a089a14a12839b98  gpl
\txlated 440B  not jited  memlock 4096B  map_ids 1,6,3,5
\tbtf_id 1
2: syscall  name add  tag 69b1155a2be3cda0  gpl
\txlated 304B  not jited  memlock 4096B  map_ids 3,5
\tbtf_id 1
3: xdp  name pass  tag c1449139186ca030  gpl
\txlated 104B  not jited  memlock 4096B  map_ids 2,5
\tbtf_id 1
"""

PASS_XLATED = """\
int pass(void * ctx):
; int pass(void *ctx)
   0: (b7) r1 = 0
; __u32 key = 0;
   1: (63) *(u32 *)(r10 -4) = r1
   2: (bf) r2 = r10
   3: (07) r2 += -4
; __u64 *n = bpf_map_lookup_elem(&raw, &key);
   4: (18) r1 = map[id:2]
   6: (85) call bpf_map_lookup_elem#1
; if (n)
   7: (15) if r0 == 0x0 goto pc+3
; (*n)++;
   8: (79) r1 = *(u64 *)(r0 +0)
   9: (07) r1 += 1
  10: (7b) *(u64 *)(r0 +0) = r1
; return 2;
  11: (b7) r0 = 2
  12: (95) exit
"""


# -- show ------------------------------------------------------------------------------------


def test_show_lists_every_program_like_bpftool(cli: Cli, counter: Path) -> None:
    # The tags are those Linux 6.18 computes for the same object (SHA-256 of the instructions).
    result = cli("prog", "show", counter)
    assert (result.status, result.out, result.err) == (0, COUNTER_SHOW, "")


def test_list_is_show(cli: Cli, counter: Path) -> None:
    assert cli("prog", "list", counter).out == COUNTER_SHOW


@pytest.mark.parametrize("ref", [["name", "add"], ["id", "2"], ["tag", "69b1155a2be3cda0"]],
                         ids=["name", "id", "tag"])
def test_show_one_program_as_json(cli: Cli, counter: Path, ref: list[str]) -> None:
    result = cli("prog", "show", "-j", counter, *ref)
    assert result.out == (
        '{"id":2,"type":"syscall","name":"add","tag":"69b1155a2be3cda0","gpl_compatible":true,'
        '"bytes_xlated":304,"jited":false,"bytes_memlock":4096,"map_ids":[3,5],"btf_id":1}\n'
    )


def test_show_all_as_json_is_an_array(cli: Cli, counter: Path) -> None:
    shown = json.loads(cli("-j", "prog", "show", counter).out)
    assert [p["name"] for p in shown] == ["count", "add", "pass"]


def test_show_pretty_json_is_bpftools_layout(cli: Cli, counter: Path) -> None:
    assert cli("prog", "show", counter, "id", "3", "-p").out == """\
{
    "id": 3,
    "type": "xdp",
    "name": "pass",
    "tag": "c1449139186ca030",
    "gpl_compatible": true,
    "bytes_xlated": 104,
    "jited": false,
    "bytes_memlock": 4096,
    "map_ids": [2,5
    ],
    "btf_id": 1
}
"""


def test_show_after_runs_has_run_time_and_count(cli: Cli, counter: Path) -> None:
    first = cli("prog", "show", counter, "name", "count", "--run", "count", "--run", "count").out
    assert re.fullmatch(r"1: syscall  name count  tag a089a14a12839b98  gpl run_time_ns \d+ run_cnt 2",
                        first.splitlines()[0])


def test_read_only_data_is_bound_to_every_program(cli: Cli, objects: Build) -> None:
    # timer.bpf.c has a .rodata.str1.1 that only bpf_printk's string uses: libbpf binds it too.
    assert cli("prog", "show", objects("timer")).out.splitlines()[1] == (
        "\txlated 504B  not jited  memlock 4096B  map_ids 1,3,2")


# -- dump ------------------------------------------------------------------------------------


def test_dump_xlated_with_source_lines(cli: Cli, counter: Path) -> None:
    assert cli("prog", "dump", "xlated", counter, "name", "pass").out == PASS_XLATED


def test_dump_xlated_subprograms_get_their_prototype(cli: Cli, counter: Path) -> None:
    out = cli("prog", "dump", "xlated", counter, "name", "add").out.splitlines()
    assert out[:8] == [
        "int add(struct args * a):",
        "; return bump(a->key, a->len);",
        "   0: (61) r2 = *(u32 *)(r1 +4)",
        "; return bump(a->key, a->len);",
        "   1: (61) r1 = *(u32 *)(r1 +0)",
        "   2: (85) call pc+1",
        "; return bump(a->key, a->len);",
        "   3: (95) exit",
    ]
    assert out[8:10] == ["int bump(__u32 key, __u64 len):", "; static __noinline int bump(__u32 key, __u64 len)"]


def test_dump_jited_shows_the_native_code_of_each_subprogram(
    cli: Cli, counter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("llvmlite")
    monkeypatch.delenv("PYBPF_ENGINE", raising=False)  # forcing the interpreter refuses (see below)
    out = cli("prog", "dump", "jited", counter, "name", "add").out
    functions = re.findall(r"^(\w+):$", out, re.MULTILINE)
    assert functions == ["add", "bump"]  # the main program, then its subprogram
    body = [line for line in out.splitlines() if line.startswith("\t")]
    assert body and all(not line[1:].startswith(".") for line in body)  # instructions, no directives
    assert sum(line.split()[0].startswith("ret") for line in body) >= 2  # each function returns
    listing = json.loads(cli("--json", "prog", "dump", "jited", counter, "name", "add").out)
    assert [f["name"] for f in listing] == ["add", "bump"]
    assert all("operation" in i or "label" in i for f in listing for i in f["insns"])


def test_dump_jited_of_an_interpreted_program_says_so(
    cli: Cli, counter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "interpreter")
    one_error(cli("prog", "dump", "jited", counter, "name", "add"),
              "pybpf prog dump: error: program 'add' is interpreted (engine interpreter, or no llvmlite): "
              "there is no JIT image to dump (use 'xlated')")


def test_dump_xlated_global_data_and_callbacks(cli: Cli, objects: Build) -> None:
    out = cli("prog", "dump", "xlated", objects("timer")).out.splitlines()
    assert "  30: (18) r2 = subprog[+20]" in out
    assert "int fire(void * map, __u32 * key, struct elem * e):" in out
    assert "  51: (18) r1 = map[id:3][0]+0" in out


def test_dump_xlated_opcodes_and_linum(cli: Cli, counter: Path) -> None:
    out = cli("prog", "dump", "xlated", counter, "name", "pass", "opcodes", "linum").out.splitlines()
    source = Path(__file__).parent / "testdata" / "counter.bpf.c"
    assert out[:3] == [
        "int pass(void * ctx):",
        f"; int pass(void *ctx) [file:{source} line_num:78 line_col:0]",
        "   0: (b7) r1 = 0",
    ]
    assert out[3] == "       b7 01 00 00 00 00 00 00"
    lddw = out.index("   4: (18) r1 = map[id:2]")
    assert out[lddw + 1] == "       18 11 00 00 02 00 00 00 00 00 00 00 00 00 00 00"


def test_dump_xlated_json(cli: Cli, counter: Path) -> None:
    rows = json.loads(cli("-j", "prog", "dump", "xlated", counter, "name", "pass").out)
    assert rows[0] == {"proto": "int pass(void * ctx)", "src": "int pass(void *ctx)", "disasm": "(b7) r1 = 0"}
    assert rows[2] == {"disasm": "(bf) r2 = r10"}
    assert len(rows) == 12  # the lddw is one row


def test_dump_xlated_json_opcodes(cli: Cli, counter: Path) -> None:
    out = cli("prog", "dump", "xlated", counter, "name", "pass", "opcodes", "-j").out
    assert ('{"src":"__u64 *n = bpf_map_lookup_elem(&raw, &key);","disasm":"(18) r1 = map[id:2]",'
            '"opcodes":{"code":"0x18","src_reg":"0x1","dst_reg":"0x1","off":["0x00","0x00"],'
            '"imm":["0x02","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00"]}}'
            ) in out


def test_dump_xlated_to_a_file_writes_the_raw_instructions(cli: Cli, counter: Path, tmp_path: Path) -> None:
    result = cli("prog", "dump", "xlated", counter, "name", "pass", "file", tmp_path / "x.bin")
    assert (result.status, result.out) == (0, "")
    raw = (tmp_path / "x.bin").read_bytes()
    assert len(raw) == 104
    assert raw[-8:] == bytes.fromhex("9500000000000000")


# -- run -------------------------------------------------------------------------------------


def test_run_a_syscall_program_without_input(cli: Cli, counter: Path) -> None:
    result = cli("prog", "run", counter, "name", "count")
    assert result.status == 0
    assert re.fullmatch(r"Return value: 1, duration: \d+ns\n", result.out)


def test_run_with_ctx_in_and_ctx_out(cli: Cli, counter: Path, tmp_path: Path) -> None:
    (tmp_path / "args").write_bytes(bytes.fromhex("0200000005000000"))
    result = cli("prog", "run", counter, "name", "add", "ctx_in", tmp_path / "args", "ctx_out", "-")
    lines = result.out.splitlines()
    assert lines[0] == "0000000\t0200 0000 0500 0000                     | ........ "
    assert re.fullmatch(r"Return value: 1, duration: \d+ns", lines[1])


def test_run_xdp_with_data_in_from_stdin_and_data_out(cli: Cli, counter: Path) -> None:
    packet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
    result = cli("prog", "run", counter, "name", "pass", "data_in", "-", "data_out", "-", "repeat", "3",
                 stdin=packet)
    lines = result.out.splitlines()
    assert lines[:2] == [
        "0000000\t4142 4344 4546 4748 494a 4b4c 4d4e 4f50 | ABCDEFGH IJKLMNOP",
        "0000010\t5152 5354 5556 5758 595a 3031 3233      | QRSTUVWX YZ0123",
    ]
    assert re.fullmatch(r"Return value: 2, duration \(average\): \d+ns", lines[2])


def test_run_json(cli: Cli, counter: Path, tmp_path: Path) -> None:
    (tmp_path / "pkt").write_bytes(bytes(range(16)))
    out = json.loads(cli("-j", "prog", "run", counter, "name", "pass", "data_in", tmp_path / "pkt",
                         "data_out", "-").out)
    assert list(out) == ["data_out", "retval", "duration"]
    assert out["data_out"] == list(range(16))
    assert out["retval"] == 2


def test_run_writes_data_out_to_a_file(cli: Cli, counter: Path, tmp_path: Path) -> None:
    (tmp_path / "pkt").write_bytes(bytes(20))
    cli("prog", "run", counter, "name", "pass", "data_in", tmp_path / "pkt", "data_out", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == bytes(20)


def test_run_after_other_programs(cli: Cli, counter: Path) -> None:
    result = cli("prog", "run", counter, "name", "count", "--run", "count", "--run", "count")
    assert result.out.startswith("Return value: 3,")


# -- load, loadall, pin ----------------------------------------------------------------------


def test_load_pins_the_first_program(cli: Cli, counter: Path, tmp_path: Path) -> None:
    result = cli("prog", "load", counter, tmp_path / "p")
    assert (result.status, result.out) == (0, "")
    pin = json.loads((tmp_path / "p").read_text())
    assert pin == {"pybpf_pin": 1, "kind": "program", "object": str(counter.resolve()), "name": "count"}
    first = "".join(COUNTER_SHOW.splitlines(keepends=True)[:3])
    assert cli("prog", "show", "pinned", tmp_path / "p").out == first


def test_loadall_pins_every_program_by_name(cli: Cli, counter: Path, tmp_path: Path) -> None:
    result = cli("-j", "prog", "loadall", counter, tmp_path / "progs")
    assert result.out == "null\n"
    assert sorted(p.name for p in (tmp_path / "progs").iterdir()) == ["add", "count", "pass"]
    assert cli("prog", "dump", "xlated", "pinned", tmp_path / "progs" / "pass").out == PASS_XLATED


def test_pin_one_program(cli: Cli, counter: Path, tmp_path: Path) -> None:
    cli("prog", "pin", counter, "name", "pass", tmp_path / "pass")
    assert cli("prog", "show", "pinned", tmp_path / "pass").out.startswith("3: xdp  name pass ")


# -- mistakes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["prog", "show", "{obj}", "name", "nope"],
                     "pybpf prog show: error: program 'nope' not found in {obj}", id="unknown-name"),
        pytest.param(["prog", "show", "{obj}", "id", "9"],
                     "pybpf prog show: error: program id 9 not found in {obj}", id="unknown-id"),
        pytest.param(["prog", "show", "{obj}", "frob"],
                     "pybpf prog show: error: unexpected argument 'frob'", id="stray-word"),
        pytest.param(["prog", "show", "{obj}", "name"],
                     "pybpf prog show: error: expected a value after 'name'", id="missing-value"),
        pytest.param(["prog", "show"], "pybpf prog show: error: expected an object file (OBJ)", id="no-object"),
        pytest.param(["prog", "show", "/no/such.o"], "pybpf prog show: error: /no/such.o: no such file",
                     id="missing-file"),
        pytest.param(["prog", "dump", "xlated", "{obj}"],
                     "pybpf prog dump: error: {obj} has several programs (count, add, pass): "
                     "name one with 'name NAME'", id="which-program"),
        pytest.param(["prog", "dump", "jited", "{obj}", "name", "add", "opcodes"],
                     "pybpf prog dump: error: unexpected argument 'opcodes' (dump jited takes no options here)",
                     id="jited-options"),
        pytest.param(["prog", "dump", "xlated", "{obj}", "name", "add", "visual"],
                     "pybpf prog dump: error: 'visual' (the DOT graph) is not supported", id="visual"),
        pytest.param(["prog", "dump", "source", "{obj}"],
                     "pybpf prog dump: error: expected 'xlated' or 'jited', got 'source'", id="bad-mode"),
        pytest.param(["prog", "run", "{obj}", "name", "pass"],
                     "pybpf prog run: error: run pass: test_run: xdp programs need a packet of at least "
                     "14 bytes (EINVAL)", id="xdp-without-packet"),
        pytest.param(["prog", "run", "{obj}", "name", "add", "repeat", "x"],
                     "pybpf prog run: error: repeat: 'x' is not a number", id="bad-repeat"),
        pytest.param(["prog", "run", "{obj}", "name", "add", "data_in", "/no/file"],
                     "pybpf prog run: error: cannot read /no/file: no such file or directory", id="no-data-file"),
        pytest.param(["prog", "run", "{obj}", "name", "count", "--bogus"],
                     "pybpf prog run: error: unrecognized option '--bogus'", id="bad-option"),
        pytest.param(["prog", "load", "{obj}", "{tmp}/p", "type", "xdp"],
                     "pybpf prog load: error: unexpected argument 'type'", id="load-type"),
        pytest.param(["prog", "show", "pinned", "{tmp}/none"],
                     "pybpf prog show: error: no pin at {tmp}/none", id="no-pin"),
    ],
)
def test_mistakes_give_one_line(cli: Cli, counter: Path, tmp_path: Path, argv: list[str], message: str) -> None:
    fill = {"obj": str(counter), "tmp": str(tmp_path)}
    result = cli(*[a.format(**fill) for a in argv])
    one_error(result, message.format(**fill))


def test_verifier_refusal_names_the_program(cli: Cli, objects: Build) -> None:
    bad = objects("bad")
    one_error(cli("prog", "show", bad),
              f"pybpf prog show: error: {bad}: program 'broken' refused by the verifier: unreachable insn 1 (at PC 1)")


@pytest.mark.parametrize("flag", ["-d", "--verbose"])
def test_debug_prints_the_verifier_log_as_bpftool_does(cli: Cli, objects: Build, flag: str) -> None:
    bad = objects("bad")
    lines = cli("prog", "load", flag, bad, "/tmp/unused").err.splitlines()
    assert lines[:4] == [
        "libbpf: prog 'broken': BPF program load failed: Invalid argument",
        "libbpf: prog 'broken': -- BEGIN PROG LOAD LOG --",
        "func#0 @0",
        "unreachable insn 1",
    ]
    assert re.fullmatch(r"verification time \d+ usec", lines[4])
    assert lines[5:] == [
        "stack depth 0",
        "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
        "-- END PROG LOAD LOG --",
        "libbpf: prog 'broken': failed to load: -22",
        f"libbpf: failed to load object '{bad}'",
        f"pybpf prog load: error: {bad}: program 'broken' refused by the verifier: unreachable insn 1 (at PC 1)",
    ]


def test_errors_in_json_mode_are_also_json(cli: Cli, counter: Path) -> None:
    result = cli("-j", "prog", "show", counter, "name", "nope")
    assert result.out == f'{{"error":"program \'nope\' not found in {counter}"}}\n'
    assert result.status == 1
