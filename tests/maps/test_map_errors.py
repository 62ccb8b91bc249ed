"""Map errors: kernel errno values and names, messages, and KeyError compatibility."""

from __future__ import annotations

import errno as host_errno

import pytest

import pybpf
from pybpf import maps
from pybpf.maps import KeyNotExistError, MapError, errno_name


@pytest.mark.parametrize(
    "name",
    [
        "EPERM",
        "ENOENT",
        "E2BIG",
        "EBADF",
        "EAGAIN",
        "ENOMEM",
        "EBUSY",
        "EEXIST",
        "EINVAL",
        "ENOSPC",
        "EDEADLK",
        "EOPNOTSUPP",
    ],
)
def test_errno_values_are_linux_ones(name: str) -> None:
    assert getattr(maps, name) == getattr(host_errno, name)
    assert errno_name(getattr(maps, name)) == name


def test_enotsupp_is_the_kernel_internal_524() -> None:
    assert maps.ENOTSUPP == 524
    assert errno_name(524) == "ENOTSUPP"


def test_unknown_errno_gets_a_numeric_name() -> None:
    assert errno_name(4242) == "errno 4242"


def test_message_names_operation_meaning_and_errno() -> None:
    err = MapError("update", maps.EEXIST)
    assert str(err) == "update: key exists (EEXIST)"
    assert err.errno == maps.EEXIST
    assert err.operation == "update"
    assert isinstance(err, pybpf.PybpfError)


def test_detail_replaces_the_default_meaning() -> None:
    assert str(MapError("create", maps.EINVAL, "value_size must not be 0")) == (
        "create: value_size must not be 0 (EINVAL)"
    )


def test_key_not_exist_is_a_key_error_with_a_plain_message() -> None:
    err = KeyNotExistError("lookup")
    assert isinstance(err, KeyError)
    assert isinstance(err, MapError)
    assert err.errno == maps.ENOENT
    assert str(err) == "lookup: key does not exist (ENOENT)"
