"""``engine="auto"``: interpret first, compile what runs hot, and run without llvmlite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pybpf.engine import AddressSpace, Interpreter, _tiered, create_engine
from pybpf.isa import assemble
from pybpf.maps._hash import HashMap

pytest.importorskip("llvmlite")

LOOP = assemble("mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, %r1, loop\nexit")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_JIT_CACHE", str(tmp_path))
    monkeypatch.delenv("PYBPF_ENGINE", raising=False)


def test_auto_interprets_until_a_program_has_run_enough_to_pay_for_compiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_tiered, "COMPILE_AFTER", 1000)
    engine = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert isinstance(engine, _tiered.Tiered)
    assert engine.run(100) == 100
    assert engine.compiled is None  # about 200 instructions so far
    assert engine.run(500) == 500
    assert engine.compiled is None  # over 1000: compiled as it is next entered
    assert engine.run(700) == 700
    assert engine.compiled is not None
    assert engine.last_instruction_count == 1 + 2 * 700 + 1  # counted as the interpreter counts


def test_auto_loads_cached_code_after_little_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tiered, "LOAD_CACHED_AFTER", 100)
    create_engine("jit", LOOP, helpers={}, space=AddressSpace())  # fills the cache
    engine = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert engine.run(10) == 10 and engine.compiled is None  # 22 instructions: interpreted
    assert engine.run(50) == 50 and engine.compiled is None  # over 100: compiled on next entry
    assert engine.run(3) == 3 and engine.compiled is not None


def test_loading_asks_nothing_of_the_jit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading, and runs of little work, cost what the interpreter's cost."""
    from pybpf.engine import _jit

    monkeypatch.setattr(_jit, "is_cached", _refused)
    monkeypatch.setattr(_jit, "compiles", _refused)
    engine = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert isinstance(engine, _tiered.Tiered)
    assert engine.run(200) == 200 and engine.compiled is None


def test_a_program_is_not_compiled_after_its_last_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tiered, "COMPILE_AFTER", 1000)
    engine = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert engine.run(5000) == 5000
    assert engine.compiled is None and engine.entry_function() is not engine.interpreter.functions[0]


def test_a_hot_program_switches_as_a_callback_enters_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tiered, "COMPILE_AFTER", 100)
    engine = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert engine.run(100) == 100 and engine.compiled is None
    assert engine.entry_function() is not engine.interpreter.functions[0]
    engine.compile_now()
    assert engine.entry_function() is engine.compiled.functions[0]


def _refused(*args: object) -> bool:
    raise AssertionError("the JIT was asked about a program that ran little")


def test_forcing_an_engine_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_ENGINE", "interpreter")
    assert isinstance(create_engine("auto", LOOP, helpers={}, space=AddressSpace()), Interpreter)


def test_without_llvmlite_programs_are_interpreted_after_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pybpf.engine._jit", None)  # the import fails
    monkeypatch.setattr(_tiered, "_JIT", None)
    monkeypatch.setattr(_tiered, "_JIT_MISSING", False)
    with pytest.warns(RuntimeWarning, match="the JIT needs llvmlite"):
        first = create_engine("jit", LOOP, helpers={}, space=AddressSpace())
    second = create_engine("auto", LOOP, helpers={}, space=AddressSpace())  # no second warning
    assert isinstance(first, Interpreter) and isinstance(second, Interpreter)
    assert first.run(3) == 3
    table = HashMap("m", 4, 8, 4, space=AddressSpace())  # maps keep their index in Python
    table.update_elem(b"\1\0\0\0", b"\2" * 8)
    assert table.native_descriptor == 0 and table.lookup_elem(b"\1\0\0\0") == b"\2" * 8


def test_a_program_the_jit_cannot_translate_is_interpreted_whatever_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pybpf.engine import _jit

    # The JIT translates every instruction today: pretend it lags behind the interpreter.
    monkeypatch.setattr(_jit, "compiles", lambda insns: False)
    monkeypatch.setattr(_tiered, "COMPILE_AFTER", 10)
    engine = create_engine("jit", LOOP, helpers={}, space=AddressSpace())
    assert isinstance(engine, Interpreter) and engine.run(7) == 7
    hot = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert hot.run(7) == 7 and hot.run(7) == 7
    hot.compile_now()
    assert hot.compiled is None and hot.entry_function() is hot.interpreter.functions[0]


def test_native_map_calls_follow_the_program_once_compiled() -> None:
    engine = create_engine("auto", LOOP, helpers={}, space=AddressSpace())
    assert engine.native_maps is None  # interpreted: map helpers run in Python
    engine.compile_now()
    assert engine.native_maps is engine.compiled.native_maps and len(engine.native_maps) == 0
