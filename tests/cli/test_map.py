"""``pybpf map``: show, dump, lookup, update, delete, getnext, pin, peek, push, pop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybpf.cli._args import CommandError, parse_bytes

from ._cli import one_error
from .conftest import Build, Cli

COUNTER_SHOW = """\
1: percpu_array  name hits  flags 0x0
\tkey 4B  value 8B  max_entries 1  memlock 336B
\tbtf_id 1
2: array  name raw  flags 0x0
\tkey 4B  value 8B  max_entries 2  memlock 328B
3: hash  name counts  flags 0x0
\tkey 4B  value 16B  max_entries 16  memlock 2464B
\tbtf_id 1
4: array  name counter.data  flags 0x400
\tkey 4B  value 4B  max_entries 1  memlock 8192B
\tbtf_id 1
5: array  name counter.rodata  flags 0x480
\tkey 4B  value 8B  max_entries 1  memlock 8192B
\tbtf_id 1  frozen
6: array  name counter.bss  flags 0x400
\tkey 4B  value 8B  max_entries 1  memlock 8192B
\tbtf_id 1
"""

KINDS_DUMP = """\
[{
        "key": 7,
        "value": {
            "f": {
                "low": 0x5,
                "mid": 0x1d,
                "ch": 1,
                "name": "hi",
                "on": true
            },
            "u": {
                "number": 16909060,
                "bytes": [4,3,2,1
                ]
            },
            "color": "BLUE",
            "big": "HUGE",
            "s": -2,
            "ptr": "(nil)",
            "list": [1,2
            ]
        }
    }
]
"""


# -- show ------------------------------------------------------------------------------------


def test_show_lists_every_map_like_bpftool(cli: Cli, counter: Path) -> None:
    # memlock is what Linux 6.18 charges for the same maps (map_mem_usage).
    result = cli("map", "show", counter)
    assert (result.status, result.out, result.err) == (0, COUNTER_SHOW, "")


def test_show_one_map_as_json(cli: Cli, counter: Path) -> None:
    assert cli("-j", "map", "show", counter, "name", "counter.rodata").out == (
        '{"id":5,"type":"array","name":"counter.rodata","flags":1152,"bytes_key":4,"bytes_value":8,'
        '"max_entries":1,"bytes_memlock":8192,"frozen":1,"btf_id":1}\n'
    )


def test_show_by_id_and_by_section_alias(cli: Cli, counter: Path) -> None:
    assert cli("map", "show", counter, "id", "6").out == cli("map", "show", counter, "name", ".bss").out
    assert cli("map", "show", counter, "id", "6").out.startswith("6: array  name counter.bss  flags 0x400")


def test_show_all_as_json_is_an_array(cli: Cli, counter: Path) -> None:
    names = [m["name"] for m in json.loads(cli("map", "list", counter, "-j").out)]
    assert names == ["hits", "raw", "counts", "counter.data", "counter.rodata", "counter.bss"]


def test_queues_have_no_btf_as_libbpf_creates_them(cli: Cli, kinds: Path) -> None:
    assert cli("map", "show", kinds, "name", "fifo").out == (
        "2: queue  name fifo  flags 0x0\n\tkey 0B  value 4B  max_entries 4  memlock 332B\n")


# -- dump ------------------------------------------------------------------------------------


def test_dump_with_btf_is_a_pretty_array(cli: Cli, counter: Path) -> None:
    result = cli("map", "dump", counter, "name", "counts", "--run", "add", "--ctx", "0200000005000000",
                 "--run", "count")
    assert result.out == """\
[{
        "key": 2,
        "value": {
            "packets": 1,
            "bytes": 5
        }
    },{
        "key": 1,
        "value": {
            "packets": 1,
            "bytes": 100
        }
    }
]
"""


def test_dump_empty_map_with_btf(cli: Cli, counter: Path) -> None:
    assert cli("map", "dump", counter, "name", "counts").out == "[]\n"


def test_dump_without_btf_is_hex_lines(cli: Cli, counter: Path) -> None:
    result = cli("map", "dump", counter, "name", "raw", "--run", "pass", "--data", "00" * 14)
    assert result.out == (
        "key: 00 00 00 00  value: 01 00 00 00 00 00 00 00\n"
        "key: 01 00 00 00  value: 00 00 00 00 00 00 00 00\n"
        "Found 2 elements\n"
    )


def test_dump_json_has_hex_and_formatted(cli: Cli, counter: Path) -> None:
    out = cli("-j", "map", "dump", counter, "name", "counts", "--run", "count").out
    assert out == (
        '[{"key":["0x01","0x00","0x00","0x00"],"value":["0x01","0x00","0x00","0x00","0x00","0x00",'
        '"0x00","0x00","0x64","0x00","0x00","0x00","0x00","0x00","0x00","0x00"],'
        '"formatted":{"key":1,"value":{"packets":1,"bytes":100}}}]\n'
    )


def test_dump_per_cpu_values(cli: Cli, counter: Path) -> None:
    assert cli("map", "dump", counter, "name", "hits", "--run", "count").out == """\
[{
        "key": 0,
        "values": [{
                "cpu": 0,
                "value": 1
            },{
                "cpu": 1,
                "value": 0
            }
        ]
    }
]
"""
    out = json.loads(cli("map", "dump", counter, "name", "hits", "-j").out)
    assert out[0]["values"][1] == {"cpu": 1, "value": ["0x00"] * 8}
    assert out[0]["formatted"] == {"key": 0, "values": [{"cpu": 0, "value": 0}, {"cpu": 1, "value": 0}]}


def test_dump_global_data_as_a_section(cli: Cli, counter: Path) -> None:
    assert cli("map", "dump", counter, "name", ".rodata").out == """\
[{
        "value": {
            ".rodata": [{
                    "greeting": "hello"
                }
            ]
        }
    }
]
"""
    out = cli("-j", "map", "dump", counter, "name", "counter.bss", "--run", "count").out
    assert out.endswith('"formatted":{"value":{".bss":[{"runs":1}]}}}]\n')


def test_dump_bpftool_plain_btf_values(cli: Cli, kinds: Path) -> None:
    # bitfields print as unquoted hex, a NULL pointer as "(nil)", bools as true (bpftool 7.1,
    # which prints the pointer without quotes; later bpftool quotes it, as here)
    assert cli("map", "dump", kinds, "name", "kinds", "--run", "fill").out == KINDS_DUMP


def test_dump_json_btf_values(cli: Cli, kinds: Path) -> None:
    out = json.loads(cli("-j", "map", "dump", kinds, "name", "kinds", "--run", "fill").out)
    assert out[0]["formatted"]["value"]["f"] == {"low": "0x5", "mid": "0x1d", "ch": 1, "name": "hi", "on": True}
    assert out[0]["formatted"]["value"]["ptr"] == 0


# -- lookup, update, delete, getnext ---------------------------------------------------------


def test_lookup_with_btf(cli: Cli, counter: Path) -> None:
    result = cli("map", "lookup", counter, "name", "counts", "key", "1", "0", "0", "0", "--run", "count")
    assert result.out == '{\n    "key": 1,\n    "value": {\n        "packets": 1,\n        "bytes": 100\n    }\n}\n'


def test_lookup_without_btf_and_per_cpu(cli: Cli, counter: Path) -> None:
    assert cli("map", "lookup", counter, "name", "raw", "key", "1", "0", "0", "0").out == (
        "key: 01 00 00 00  value: 00 00 00 00 00 00 00 00\n")


def test_lookup_json(cli: Cli, counter: Path) -> None:
    out = cli("map", "lookup", "-j", counter, "name", "raw", "key", "hex", "01", "00", "00", "00").out
    assert out == ('{"key":["0x01","0x00","0x00","0x00"],'
                   '"value":["0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00"]}\n')


def test_lookup_of_a_missing_key_is_bpftools_not_found(cli: Cli, counter: Path) -> None:
    result = cli("map", "lookup", counter, "name", "counts", "key", "9", "0", "0", "0")
    assert (result.status, result.out, result.err) == (1, "key:\n09 00 00 00\n\nNot found\n", "")
    result = cli("-j", "map", "lookup", counter, "name", "counts", "key", "9", "0", "0", "0")
    assert (result.status, result.out) == (1, "null\n")


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        pytest.param(["1", "2", "3"], b"\x01\x02\x03", id="decimal"),
        pytest.param(["0x1f", "0X20", "255"], b"\x1f\x20\xff", id="hex-prefix"),
        pytest.param(["010", "0", "07"], b"\x08\x00\x07", id="octal"),
        pytest.param(["hex", "1f", "ff", "0x10"], b"\x1f\xff\x10", id="hex-keyword"),
        pytest.param(["256", "-1", "+2"], b"\x00\xff\x02", id="strtoul-wraps"),
    ],
)
def test_byte_arguments_follow_bpftool(words: list[str], expected: bytes) -> None:
    assert parse_bytes(words, "key", len(expected)) == expected


def test_bad_bytes_are_refused() -> None:
    with pytest.raises(CommandError, match=r"^key: cannot parse byte '0x'$"):
        parse_bytes(["0x"], "key", 1)
    with pytest.raises(CommandError, match=r"^value: expected 2 bytes, got 1$"):
        parse_bytes(["hex", "aa"], "value", 2)


def test_update_then_lookup_in_one_command(cli: Cli, counter: Path) -> None:
    # each command is a process of its own: without a pin the update is gone afterwards
    result = cli("map", "update", counter, "name", "counts", "key", "3", "0", "0", "0",
                 "value", "hex", "05", "00", "00", "00", "00", "00", "00", "00", "0a", "0", "0", "0", "0", "0", "0", "0")
    assert (result.status, result.out, result.err) == (0, "", "")
    assert cli("-j", "map", "update", counter, "name", "counts", "key", "3", "0", "0", "0",
               "value", *["0"] * 16, "noexist").out == "null\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["update", "{obj}", "name", "counts", "key", "1", "0", "0", "0", "value", *["0"] * 16, "exist"],
                     "map 'counts': update: key does not exist (ENOENT)", id="exist-missing"),
        pytest.param(["update", "{obj}", "name", "counts", "key", "1", "0", "0", "0", "value", "1", "2"],
                     "value: expected 16 bytes, got 2", id="short-value"),
        pytest.param(["update", "{obj}", "name", "counts", "key", "1", "0", "0", "0"], "did not find value",
                     id="no-value"),
        pytest.param(["update", "{obj}", "name", "counts", "value", *["0"] * 16], "did not find key", id="no-key"),
        pytest.param(["update", "{obj}", "name", "counts", "key", "1", "0", "0", "0", "value", *["0"] * 16,
                      "any", "exist"], "flags specified more than once", id="two-flags"),
        pytest.param(["update", "{obj}", "name", "counter.rodata", "key", "0", "0", "0", "0",
                      "value", *["0"] * 8], "map 'counter.rodata': update: map is frozen (EPERM)", id="frozen"),
        pytest.param(["update", "{obj}", "name", "counts", "key", "1", "0", "0", "0", "value", *["0"] * 16,
                      "maybe"], "value: cannot parse byte 'maybe'", id="bad-flag"),
        pytest.param(["update", "{obj}", "name", "counts", "key", "1", "0", "0", "0", "value", *["0"] * 16,
                      "any", "maybe"], "expected key, value or flags, got 'maybe'", id="stray-word"),
        pytest.param(["lookup", "{obj}", "name", "counts", "key", "1", "0", "zz", "0"],
                     "key: cannot parse byte 'zz'", id="bad-byte"),
        pytest.param(["lookup", "{obj}", "name", "counts", "key", "1", "0", "0"],
                     "key: expected 4 bytes, got 3", id="short-key"),
        pytest.param(["lookup", "{obj}", "name", "nope", "key", "1", "0", "0", "0"],
                     "map 'nope' not found in {obj}", id="unknown-map"),
        pytest.param(["lookup", "{obj}", "key", "1", "0", "0", "0"],
                     "expected a map: id ... | name ... | pinned ..., got 'key'", id="no-map"),
        pytest.param(["lookup", "/no/such.o", "name", "counts", "key", "1", "0", "0", "0"],
                     "/no/such.o: no such file", id="missing-file"),
        pytest.param(["delete", "{obj}", "name", "raw", "key", "0", "0", "0", "0"],
                     "map 'raw': delete: array elements cannot be deleted (EINVAL)", id="delete-array"),
        pytest.param(["delete", "{obj}", "name", "counts", "key", "0", "0", "0", "0"],
                     "map 'counts': delete: key does not exist (ENOENT)", id="delete-missing"),
        pytest.param(["getnext", "{obj}", "name", "counts"], "map 'counts': no key in the map (ENOENT)",
                     id="getnext-empty"),
        pytest.param(["getnext", "{obj}", "name", "raw", "key", "1", "0", "0", "0"],
                     "map 'raw': no key after 01 00 00 00 (ENOENT)", id="getnext-last"),
        pytest.param(["dump", "{obj}"], "{obj} has several maps (hits, raw, counts, counter.data, counter.rodata, "
                     "counter.bss): name one with 'name NAME'", id="which-map"),
        pytest.param(["peek", "{obj}", "name", "counts"], "map 'counts' is a hash map, not a queue or stack",
                     id="peek-hash"),
    ],
)
def test_mistakes_give_one_line(cli: Cli, counter: Path, argv: list[str], message: str) -> None:
    result = cli("map", *[a.format(obj=counter) for a in argv])
    one_error(result, f"pybpf map {argv[0]}: error: {message.format(obj=counter)}")


def test_delete(cli: Cli, counter: Path) -> None:
    result = cli("map", "delete", counter, "name", "counts", "key", "1", "0", "0", "0", "--run", "count")
    assert (result.status, result.out) == (0, "")


def test_getnext(cli: Cli, counter: Path) -> None:
    assert cli("map", "getnext", counter, "name", "raw").out == "key: None\nnext key:\n00 00 00 00\n"
    assert cli("map", "getnext", counter, "name", "raw", "key", "0", "0", "0", "0").out == (
        "key:\n00 00 00 00\nnext key:\n01 00 00 00\n")
    assert cli("-j", "map", "getnext", counter, "name", "raw").out == (
        '{"key":null,"next_key":["0x00","0x00","0x00","0x00"]}\n')


# -- queues ----------------------------------------------------------------------------------


def test_peek_pop_push(cli: Cli, kinds: Path) -> None:
    assert cli("map", "peek", kinds, "name", "fifo", "--run", "fill").out == "value: 2a 00 00 00\n"
    assert cli("-j", "map", "pop", kinds, "name", "fifo", "--run", "fill").out == (
        '{"key":[],"value":["0x2a","0x00","0x00","0x00"]}\n')
    assert cli("map", "push", kinds, "name", "fifo", "value", "1", "0", "0", "0").status == 0
    one_error(cli("map", "dequeue", kinds, "name", "fifo"), "pybpf map dequeue: error: map 'fifo' is empty")


# -- pin -------------------------------------------------------------------------------------


def test_pin_writes_the_contents(cli: Cli, counter: Path, tmp_path: Path) -> None:
    assert cli("map", "pin", counter, "name", "counts", tmp_path / "counts", "--run", "count").status == 0
    assert (tmp_path / "counts").read_text() == (
        '{"pybpf_pin": 1, "kind": "map", "object": "' + str(counter.resolve()) + '", "name": "counts", '
        '"type": "hash", "key_size": 4, "value_size": 16, "max_entries": 16, "flags": 0, "elements": [\n'
        ' {"key": "01000000", "value": "01000000000000006400000000000000"}\n'
        ']}\n'
    )


def test_pinned_map_updates_persist(cli: Cli, counter: Path, tmp_path: Path) -> None:
    pin = tmp_path / "counts"
    cli("map", "pin", counter, "name", "counts", pin)
    cli("map", "update", "pinned", pin, "key", "7", "0", "0", "0", "value", "1", *["0"] * 15)
    result = cli("map", "lookup", "pinned", pin, "key", "7", "0", "0", "0")
    assert result.out == '{\n    "key": 7,\n    "value": {\n        "packets": 1,\n        "bytes": 0\n    }\n}\n'
    cli("map", "delete", counter, "pinned", pin, "key", "7", "0", "0", "0")
    assert cli("map", "dump", "pinned", pin).out == "[]\n"


# -- maps of programs and maps, ring buffers, other hash maps ---------------------------------

ARRAYS_SHOW = """\
1: prog_array  name jumps  flags 0x0
\tkey 4B  value 4B  max_entries 4  memlock 344B
\towner_prog_type xdp  owner not jited
2: array  name in1  flags 0x0
\tkey 4B  value 4B  max_entries 1  memlock 320B
\tbtf_id 1
3: array_of_maps  name outer  flags 0x0
\tkey 4B  value 4B  max_entries 2  memlock 328B
4: array  name in2  flags 0x0
\tkey 4B  value 4B  max_entries 1  memlock 320B
\tbtf_id 1
5: hash_of_maps  name tables  flags 0x0
\tkey 4B  value 4B  max_entries 8  memlock 1552B
6: ringbuf  name events  flags 0x0
\tkey 0B  value 0B  max_entries 4096  memlock 16728B
7: lru_hash  name lru  flags 0x0
\tkey 4B  value 8B  max_entries 8  memlock 1536B
\tbtf_id 1
8: percpu_hash  name pcpu  flags 0x0
\tkey 4B  value 4B  max_entries 8  memlock 1664B
\tbtf_id 1
9: hash  name lazy  flags 0x1
\tkey 4B  value 8B  max_entries 8  memlock 1024B
\tbtf_id 1
"""


@pytest.fixture
def arrays(objects: Build) -> Path:
    return objects("arrays")


def test_show_memlock_of_every_kind(cli: Cli, arrays: Path) -> None:
    # the same figures as bpftool map show on Linux 6.18 for this object
    assert cli("map", "show", arrays).out == ARRAYS_SHOW
    info = json.loads(cli("-j", "map", "show", arrays, "name", "jumps").out)
    assert (info["owner_prog_type"], info["owner_jited"]) == ("xdp", False)


def test_memlock_of_a_hash_without_preallocation_grows(cli: Cli, arrays: Path, tmp_path: Path) -> None:
    cli("map", "update", arrays, "name", "lazy", "key", "1", "0", "0", "0", "value", "1", *["0"] * 7,
        "--pin-root", tmp_path)
    assert "memlock 1096B" in cli("map", "show", arrays, "name", "lazy", "--pin-root", tmp_path).out


def test_program_arrays_and_maps_of_maps_hold_ids(cli: Cli, arrays: Path) -> None:
    assert cli("map", "dump", arrays, "name", "jumps").out == "key: 01 00 00 00  value: 01 00 00 00\nFound 1 element\n"
    assert cli("map", "dump", arrays, "name", "outer").out == "key: 00 00 00 00  value: 02 00 00 00\nFound 1 element\n"
    assert cli("map", "update", arrays, "name", "jumps", "key", "2", "0", "0", "0", "value", "name", "second").status == 0
    assert cli("map", "update", arrays, "name", "outer", "key", "1", "0", "0", "0", "value", "id", "4").status == 0


def test_per_cpu_update_sets_every_cpu(cli: Cli, arrays: Path, tmp_path: Path) -> None:
    cli("map", "update", arrays, "name", "pcpu", "key", "1", "0", "0", "0", "value", "5", "0", "0", "0",
        "--pin-root", tmp_path)
    assert cli("map", "lookup", arrays, "name", "pcpu", "key", "1", "0", "0", "0", "--pin-root", tmp_path).out == (
        '{\n    "key": 1,\n    "values": [{\n            "cpu": 0,\n            "value": 5\n        },{\n'
        '            "cpu": 1,\n            "value": 5\n        }\n    ]\n}\n')


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["update", "{obj}", "name", "outer", "key", "1", "0", "0", "0", "value", "1", "0", "0", "0"],
                     "map 'outer' holds maps: give the value as 'id N' or 'name NAME'", id="map-value-bytes"),
        pytest.param(["update", "{obj}", "name", "jumps", "key", "2", "0", "0", "0", "value", "name", "nope"],
                     "program 'nope' not found in {obj}", id="unknown-program-value"),
        pytest.param(["dump", "{obj}", "name", "events"],
                     "map 'events': ringbuf maps cannot be dumped (get next key: operation not supported "
                     "(ENOTSUPP))", id="dump-ringbuf"),
    ],
)
def test_array_mistakes(cli: Cli, arrays: Path, argv: list[str], message: str) -> None:
    one_error(cli("map", *[a.format(obj=arrays) for a in argv]),
              f"pybpf map {argv[0]}: error: {message.format(obj=arrays)}")


def test_dump_of_a_queue_points_to_peek_and_pop(cli: Cli, kinds: Path) -> None:
    one_error(cli("map", "dump", kinds, "name", "fifo"),
              "pybpf map dump: error: map 'fifo': queue maps cannot be dumped; use 'map peek' or 'map pop'")
