"""``pybpf feature list_builtins``: the registries, one name per line or as JSON."""

from __future__ import annotations

import json

from pybpf.helpers import HELPERS

from .conftest import Cli


def test_helpers_are_the_registry_in_id_order(cli: Cli) -> None:
    result = cli("feature", "list_builtins", "helpers")
    assert result.status == 0
    assert result.out.splitlines() == [h.name for h in sorted(HELPERS, key=lambda h: h.id)]
    assert "bpf_timer_start" in result.out


def test_map_types_json(cli: Cli) -> None:
    names = json.loads(cli("-j", "feature", "list_builtins", "map_types").out)
    assert names[:2] == ["hash", "array"] and "ringbuf" in names and "percpu_hash" in names


def test_prog_types_are_those_pybpf_runs(cli: Cli) -> None:
    names = cli("feature", "list_builtins", "prog_types").out.splitlines()
    assert {"syscall", "sched_cls", "xdp", "tracing", "kprobe"} <= set(names)
    assert "lsm" not in names


def test_unknown_kind_is_a_usage_error(cli: Cli) -> None:
    result = cli("feature", "list_builtins", "nope")
    assert result.status == 2
    assert result.err == "pybpf feature list_builtins: error: unknown kind 'nope' (helpers, prog_types or map_types)\n"
