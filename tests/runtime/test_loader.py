"""The loader's libbpf conventions: the sizes maps are created with."""

from __future__ import annotations

import pytest

from pybpf import maps
from pybpf._spec import MapSpec
from pybpf.runtime._loader import max_entries


@pytest.mark.parametrize(
    ("map_type", "declared", "created"),
    [
        pytest.param(maps.MapType.RINGBUF, 4096, 4096, id="ringbuf.page"),
        pytest.param(maps.MapType.RINGBUF, 5000, 8192, id="ringbuf.rounded"),
        pytest.param(maps.MapType.USER_RINGBUF, 8, 4096, id="user_ringbuf.rounded"),
        pytest.param(maps.MapType.USER_RINGBUF, 3 * 4096, 4 * 4096, id="user_ringbuf.pages"),
        pytest.param(maps.MapType.USER_RINGBUF, 0, 0, id="user_ringbuf.zero_left_to_the_kernel"),
        pytest.param(maps.MapType.ARRAY, 8, 8, id="array.as_declared"),
    ],
)
def test_ring_buffers_are_rounded_to_a_power_of_2_pages_as_libbpf_does(
        map_type: maps.MapType, declared: int, created: int) -> None:
    spec = MapSpec("m", int(map_type), 0, 0, declared)
    assert max_entries(spec, ncpus=2) == created
