"""Externs as libbpf resolves them: __kconfig values, __ksym variables and kfuncs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pybpf

KCONFIG = r"""
enum libbpf_tristate { TRI_NO = 0, TRI_YES = 1, TRI_MODULE = 2 };
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern enum libbpf_tristate CONFIG_TRI __kconfig __weak;
extern _Bool CONFIG_FLAG __kconfig __weak;
extern char CONFIG_LETTER __kconfig __weak;
extern int CONFIG_NUMBER __kconfig __weak;
extern char CONFIG_NAME[8] __kconfig __weak;
extern int CONFIG_ABSENT __kconfig __weak;
long out[6];
char name[8];

SEC("syscall")
int read_config(void *ctx)
{
    out[0] = LINUX_KERNEL_VERSION;
    out[1] = CONFIG_TRI;
    out[2] = CONFIG_FLAG;
    out[3] = CONFIG_LETTER;
    out[4] = CONFIG_NUMBER;
    out[5] = CONFIG_ABSENT;
    __builtin_memcpy(name, CONFIG_NAME, 8);
    return 0;
}
"""


@pytest.fixture
def kconfig_obj(c_file) -> Path:  # type: ignore[no-untyped-def]
    return c_file(KCONFIG)  # type: ignore[no-any-return]


def test_kconfig_values_in_every_form(kconfig_obj: Path) -> None:
    given = {"CONFIG_TRI": "m", "CONFIG_FLAG": True, "CONFIG_LETTER": "y", "CONFIG_NUMBER": "0x20",
             "CONFIG_NAME": '"pybpf-long"'}
    obj = pybpf.Runtime(clock="virtual", kconfig=given).load(kconfig_obj)
    obj.programs["read_config"].test_run()
    assert obj.globals["out"] == [(6 << 16) | (18 << 8), 2, 1, ord("y"), 32, 0]
    assert obj.globals["name"] == b"pybpf-l"  # cut to fit, NUL kept


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"CONFIG_FLAG": "m"}, r"extern \(kcfg\) 'CONFIG_FLAG': value 'm' is not supported for bool"),
        ({"CONFIG_NUMBER": "y"}, r"extern \(kcfg\) 'CONFIG_NUMBER': value 'y' implies tristate or char type"),
        ({"CONFIG_NUMBER": 2**40}, r"extern \(kcfg\) 'CONFIG_NUMBER': value 1099511627776 does not fit in 4 bytes"),
        ({"CONFIG_TRI": "maybe"}, r"extern \(kcfg\) 'CONFIG_TRI': value 'maybe' implies a string"),
    ],
    ids=["bool-m", "int-tristate", "int-range", "enum-string"],
)
def test_kconfig_values_that_do_not_fit_their_type(kconfig_obj: Path, given: dict[str, object], message: str) -> None:
    with pytest.raises(pybpf.ElfError, match=f"^load: {message}"):
        pybpf.Runtime(clock="virtual", kconfig=given).load(kconfig_obj)


def test_strong_kconfig_externs_must_resolve(c_file) -> None:  # type: ignore[no-untyped-def]
    source = c_file("extern int CONFIG_NOT_THERE __kconfig;\nint v;\nSEC(\"syscall\") int f(void *c) { v = CONFIG_NOT_THERE; return 0; }\n")
    with pytest.raises(pybpf.ElfError, match=r"^load: extern \(kcfg\) 'CONFIG_NOT_THERE': not resolved$"):
        pybpf.Runtime(clock="virtual").load(source)
    obj = pybpf.Runtime(clock="virtual", kconfig={"CONFIG_NOT_THERE": 5}).load(source)
    obj.programs["f"].test_run()
    assert obj.globals["v"] == 5


def test_unknown_virtual_externs_are_refused(c_file) -> None:  # type: ignore[no-untyped-def]
    source = c_file("extern int LINUX_NO_SUCH __kconfig;\nint v;\nSEC(\"syscall\") int f(void *c) { v = LINUX_NO_SUCH; return 0; }\n")
    with pytest.raises(pybpf.ElfError, match=r"^load: extern \(kcfg\) 'LINUX_NO_SUCH': unrecognized virtual extern$"):
        pybpf.Runtime(clock="virtual").load(source)


KSYMS = r"""
extern const int bpf_prog_active __ksym;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_made_up(void) __ksym __weak;
long out[3];

SEC("syscall")
int probe(void *ctx)
{
    out[0] = bpf_ksym_exists(bpf_rcu_read_lock);
    out[1] = bpf_ksym_exists(bpf_made_up);
    bpf_probe_read_kernel(&out[2], 4, &bpf_prog_active);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_ksym_variables_and_weak_kfuncs(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(KSYMS))
    assert obj.programs["probe"].test_run().retval == 0
    assert obj.globals["out"] == [1, 0, 0]


def test_an_unknown_strong_kfunc_fails_the_load_naming_it(c_file) -> None:  # type: ignore[no-untyped-def]
    source = c_file("extern void bpf_made_up(void) __ksym;\nSEC(\"syscall\") int f(void *c) { bpf_made_up(); return 0; }\n")
    expected = re.escape("load: program 'f': kfunc 'bpf_made_up' is unknown to pybpf")
    with pytest.raises(pybpf.NotSupportedError, match=f"^{expected}"):
        pybpf.Runtime(clock="virtual").load(source)
