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


KALLSYMS_ALL = {"CONFIG_KALLSYMS_ALL": "y"}


def test_ksym_variables_and_weak_kfuncs(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual", kconfig=KALLSYMS_ALL).load(c_file(KSYMS))
    assert obj.programs["probe"].test_run().retval == 0
    assert obj.globals["out"] == [1, 0, 0]


def test_typed_ksym_variables_need_kallsyms_of_data_symbols(c_file) -> None:  # type: ignore[no-untyped-def]
    """The default kconfig is the oracle kernel's: without CONFIG_KALLSYMS_ALL the verifier
    cannot find any variable's address, reachable or not."""
    expected = re.escape("ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'.")
    with pytest.raises(pybpf.VerifierError, match=f"^{expected}$") as refused:
        pybpf.Runtime(clock="virtual").load(c_file(KSYMS))
    assert refused.value.errno == 2


PERCPU = r"""
struct rq { unsigned int nr_running; unsigned long clock; };
extern const int cpu_number __ksym;
extern const struct rq runqueues __ksym;
extern const void bpf_prog_active __ksym;  /* typeless: an address, a number */
long out[4];

SEC("tc")
int copies(void *ctx)
{
    const int *mine = bpf_this_cpu_ptr(&cpu_number), *last = bpf_per_cpu_ptr(&cpu_number, 3);
    const struct rq *rq = bpf_per_cpu_ptr(&runqueues, 2);

    out[0] = *mine;
    out[1] = last ? *last : -1;
    out[2] = bpf_per_cpu_ptr(&cpu_number, 4) == 0;
    out[3] = rq ? rq->clock + 10 : -1;
    return (long)&bpf_prog_active != 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_per_cpu_variables_have_a_copy_per_cpu(c_file) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(clock="virtual", ncpus=4, kconfig=KALLSYMS_ALL)
    obj = rt.load(c_file(PERCPU))
    run = obj.programs["copies"].test_run(data=bytes(64), cpu=2)
    assert run.retval == 1
    assert obj.globals["out"] == [2, 3, 1, 10]


@pytest.mark.parametrize(("body", "message"), [
    ("return *(int *)bpf_per_cpu_ptr(&cpu_number, 0);", "R0 invalid mem access 'rdonly_mem_or_null'"),
    ("*(int *)bpf_this_cpu_ptr(&cpu_number) = 1; return 0;", "R0 cannot write into rdonly_mem"),
    ("return ((int *)bpf_this_cpu_ptr(&cpu_number))[1];", "R0 min value is outside of the allowed memory range"),
    ("return *(volatile const int *)&cpu_number;", "R1 is ptr_int access percpu memory: off=0"),
    ("return bpf_this_cpu_ptr((const char *)&cpu_number + 4) != 0;",
     "dereference of modified percpu_ptr_ ptr R1 off=4 disallowed"),
    ("return bpf_this_cpu_ptr(&bpf_prog_active) != 0;",
     "R1 type=scalar expected=percpu_ptr_, percpu_rcu_ptr_, percpu_trusted_ptr_"),
    ("return ((const struct rq *)bpf_per_cpu_ptr(&runqueues, 0))->nr_running;", "R0 invalid mem access 'ptr_or_null_'"),
])
def test_per_cpu_pointers_as_the_kernel_types_them(c_file, body: str, message: str) -> None:  # type: ignore[no-untyped-def]
    source = PERCPU.split("long out")[0] + f"SEC(\"tc\") int f(void *ctx) {{ {body} }}\n"
    source += 'char LICENSE[] SEC("license") = "GPL";\n'
    with pytest.raises(pybpf.VerifierError, match=f"^{re.escape(message)}$"):
        pybpf.Runtime(clock="virtual", kconfig=KALLSYMS_ALL).load(c_file(source))


def test_an_unknown_strong_kfunc_fails_the_load_naming_it(c_file) -> None:  # type: ignore[no-untyped-def]
    source = c_file("extern void bpf_made_up(void) __ksym;\nSEC(\"syscall\") int f(void *c) { bpf_made_up(); return 0; }\n")
    expected = re.escape("load: program 'f': kfunc 'bpf_made_up' is unknown to pybpf")
    with pytest.raises(pybpf.NotSupportedError, match=f"^{expected}"):
        pybpf.Runtime(clock="virtual").load(source)
