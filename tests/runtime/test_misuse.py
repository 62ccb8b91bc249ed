"""Python misuse of the API: a wrong type is a TypeError and a bad value a ValueError, raised at
the call with a message naming the argument; a misspelt name is a KeyError listing the names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf import SECOND


@pytest.mark.parametrize("clock", ["virtual", "real"])
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(lambda rt: rt.advance(1.5 * SECOND), TypeError,
                     "advance: ns must be an int of nanoseconds, not float (use int(1500000000.0))", id="float-advance"),
        pytest.param(lambda rt: rt.advance(-1), ValueError, "advance: ns is -1: time can't go backwards",
                     id="negative-advance"),
        pytest.param(lambda rt: rt.run_until(3e9), TypeError,
                     "run_until: t_ns must be an int of nanoseconds, not float (use int(3000000000.0))", id="float-until"),
        pytest.param(lambda rt: rt.run_until_idle(-1), ValueError,
                     "run_until_idle: limit_ns is -1: time can't go backwards", id="negative-idle"),
        pytest.param(lambda rt: rt.run_until_idle(None), TypeError,
                     "run_until_idle: limit_ns must be an int of nanoseconds, not NoneType", id="none-idle"),
    ],
)
def test_time_arguments_are_checked_at_the_call(
    clock: str, call: Callable[[pybpf.Runtime], object], error: type[Exception], message: str
) -> None:
    with pybpf.Runtime(clock=clock) as rt:
        with pytest.raises(error, match=f"^{re.escape(message)}$"):
            call(rt)


def test_run_until_into_the_past_of_a_virtual_clock_is_refused() -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        rt.advance(SECOND)
        with pytest.raises(ValueError, match=r"^run_until: t_ns 1000000000 is before now \(2000000000\): "
                                             r"time can't go backwards$"):
            rt.run_until(SECOND)
        rt.run_until(3 * SECOND)
        assert rt.clock.now() == 3 * SECOND


TICKER = Path(__file__).resolve().parents[2] / "examples" / "timers" / "ticker.bpf.c"
CONNTRACK = TICKER.with_name("conntrack.bpf.c")


@pytest.fixture
def ticker(c_file) -> Iterator[pybpf.Object]:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as rt:
        yield rt.load(TICKER)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(lambda o: o.maps["tickers"]["x"], TypeError,
                     "map 'tickers': key: expected an int for INT 'int', got str 'x'", id="key-type"),
        pytest.param(lambda o: o.maps["tickers"][b"\0"], ValueError, "map 'tickers': key: expected 4 bytes, got 1",
                     id="key-length"),
        pytest.param(lambda o: o.maps["tickers"].__setitem__(0, 5), TypeError,
                     "map 'tickers': value: expected a dict for STRUCT 'ticker', got int", id="value-type"),
        pytest.param(lambda o: o.maps["tickers"].__setitem__(0, {"ticks": -1}), ValueError,
                     "map 'tickers': value.ticks: -1 out of range for INT 'unsigned long long' (0..18446744073709551615)",
                     id="value-range"),
        pytest.param(lambda o: o.globals.__setitem__("interval_ns", 1.5), TypeError,
                     "global 'interval_ns': expected an int for INT 'unsigned long long', got float 1.5", id="global"),
        pytest.param(lambda o: o.programs["start_ticker"].test_run(ctx=1), TypeError,
                     "test_run: ctx must be bytes, a dict or None, not int", id="ctx-type"),
        pytest.param(lambda o: o.programs["start_ticker"].test_run(ctx={"a": 1}), TypeError,
                     "test_run: ctx: program 'start_ticker' has no BTF type for its context (declared void *ctx?): "
                     "give the context as bytes", id="ctx-void"),
        pytest.param(lambda o: o.programs["start_ticker"].test_run(data="abc"), TypeError,
                     "test_run: data must be bytes or None, not str", id="data-type"),
        pytest.param(lambda o: o.programs["start_ticker"].test_run(repeat=2.0), TypeError,
                     "test_run: repeat must be an int, not float", id="repeat-type"),
        pytest.param(lambda o: o.programs["start_ticker"].test_run(repeat=-1), ValueError,
                     "test_run: repeat must not be negative, got -1", id="repeat-value"),
        pytest.param(lambda o: o.programs["start_ticker"].test_run(cpu="0"), TypeError,
                     "test_run: cpu must be an int or None, not str", id="cpu-type"),
        pytest.param(lambda o: o.maps["tickers"].update_elem(0, {}, flags="any"), TypeError,
                     "update_elem: flags must be an int (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK), not str",
                     id="flags"),
        pytest.param(lambda o: o.maps["tickers"].pin(Path("/x")), TypeError, "pin: path must be a str, not PosixPath",
                     id="pin-path"),
        pytest.param(lambda o: o.maps["tickers"].poll(print), TypeError,
                     "poll: map 'tickers' is not a ring buffer (type array)", id="poll-array"),
    ],
)
def test_wrong_types_and_values_say_what_is_wrong(
    ticker: pybpf.Object, call: Callable[[pybpf.Object], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call(ticker)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda o: o.programs["start_tickr"],
                     "no program 'start_tickr' in object 'ticker' (did you mean 'start_ticker'? "
                     "programs: start_ticker, stop_ticker)", id="program"),
        pytest.param(lambda o: o.maps["tick"],
                     "no map 'tick' in object 'ticker' (did you mean 'tickers'? maps: ticker.data, tickers)", id="map"),
        pytest.param(lambda o: o.globals["zzz"], "no global 'zzz' in the object (globals: interval_ns)", id="global"),
    ],
)
def test_a_misspelt_name_is_a_key_error_listing_the_names(
    ticker: pybpf.Object, call: Callable[[pybpf.Object], object], message: str
) -> None:
    with pytest.raises(KeyError) as info:
        call(ticker)
    assert info.value.args == (message,)


def test_a_program_of_a_closed_runtime_says_so(c_file) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(clock="virtual")
    program = rt.load(TICKER).programs["start_ticker"]
    rt.close()
    with pytest.raises(ValueError, match=r"^test_run: program 'start_ticker' cannot run: its runtime is closed$"):
        program.test_run()


def test_a_text_file_is_not_an_elf_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.o"
    text.write_text("hello world, text!")  # 18 bytes: shorter than an ELF header
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(pybpf.ElfError, match=r"^not an ELF file \("):
        rt.load(text)


@pytest.mark.parametrize(
    ("argument", "error", "message"),
    [
        pytest.param({"clock": 5}, TypeError, "Runtime: clock must be 'real', 'virtual' or a Clock, not int", id="clock"),
        pytest.param({"ncpus": 2.0}, TypeError, "Runtime: ncpus must be an int, not float", id="ncpus"),
        pytest.param({"memory_limit": "1M"}, TypeError, "Runtime: memory_limit must be an int or None, not str",
                     id="memory-limit"),
        pytest.param({"engine": None}, TypeError, "Runtime: engine must be 'auto', 'interpreter' or 'jit', not NoneType",
                     id="engine"),
        pytest.param({"memory_limit": -1}, ValueError, "Runtime: memory_limit must not be negative, got -1",
                     id="negative-memory-limit"),
        pytest.param({"trace_limit": -5}, ValueError, "Runtime: trace_limit must not be negative, got -5",
                     id="negative-trace-limit"),
        pytest.param({"timer_trace_limit": "a"}, TypeError, "Runtime: timer_trace_limit must be an int, not str",
                     id="timer-trace-limit"),
        pytest.param({"task": 5}, TypeError, "Runtime: task must be a pybpf.Task or None, not int", id="task"),
        pytest.param({"kconfig": 5}, TypeError,
                     "Runtime: kconfig must be a dict of CONFIG_* values, 'host' or None, not int", id="kconfig"),
        pytest.param({"btf": 5}, TypeError, "Runtime: btf must be 'host', the path of a BTF file, or None, not int",
                     id="btf"),
        pytest.param({"btf": "/nonexistent/vmlinux"}, ValueError, "Runtime: btf: no BTF file at /nonexistent/vmlinux",
                     id="btf-path"),
        pytest.param({"clock": pybpf.VirtualClock}, TypeError,
                     "Runtime: clock must be 'real', 'virtual' or a Clock, not ABCMeta", id="clock-class"),
    ],
)
def test_runtime_arguments(argument: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        pybpf.Runtime(**argument)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda rt: rt.load(5), "load: path must be a str or Path, not int", id="path"),
        pytest.param(lambda rt: rt.load(TICKER, globals=[("interval_ns", 1)]),
                     "load: globals must be a dict of global variables, not list", id="globals"),
        pytest.param(lambda rt: rt.load(TICKER, programs=5),
                     "load: programs must be a collection of program names (str) or None", id="programs"),
        pytest.param(lambda rt: rt.load(TICKER, verify="no"), "load: verify must be True or False, not str",
                     id="verify"),
        pytest.param(lambda rt: rt.load(TICKER, cflags="-DX=1"),
                     "load: cflags must be a list of compiler options (str)", id="cflags"),
        pytest.param(lambda rt: rt.load(TICKER, pin_root=None), "load: pin_root must be a str, not NoneType",
                     id="pin-root"),
    ],
)
def test_load_arguments(call: Callable[[pybpf.Runtime], object], message: str) -> None:
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        call(rt)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda rt: rt.trigger(5), "trigger: name must be a str, not int", id="hook-name"),
        pytest.param(lambda rt: rt.trigger("bpf_fentry_test1", 1.5), "trigger: argument 1 must be an int, bytes or a dict, not float",
                     id="hook-argument"),
        pytest.param(lambda rt: rt.open_pinned(None), "open_pinned: path must be a str, not NoneType", id="open-pinned"),
    ],
)
def test_runtime_calls(call: Callable[[pybpf.Runtime], object], message: str) -> None:
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        call(rt)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        pytest.param({"start_ns": 1.5}, "VirtualClock: start_ns must be an int of nanoseconds, not float", id="start"),
        pytest.param({"epoch_ns": None}, "VirtualClock: epoch_ns must be an int of nanoseconds, not NoneType",
                     id="epoch"),
        pytest.param({"max_callbacks": "9"}, "VirtualClock: max_callbacks must be an int, not str", id="callbacks"),
    ],
)
def test_virtual_clock_arguments(argument: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        pybpf.VirtualClock(**argument)  # type: ignore[arg-type]


def test_a_closed_runtime_loads_nothing_and_plots_go_to_a_directory(tmp_path: Path) -> None:
    rt = pybpf.Runtime(clock="virtual")
    with pytest.raises(ValueError, match="^plot_timers: no directory .*missing to write t.svg into$"):
        rt.plot_timers(tmp_path / "missing" / "t.svg")
    rt.close()
    with pytest.raises(ValueError, match="^load: the runtime is closed$"):
        rt.load(TICKER)
