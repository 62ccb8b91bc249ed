"""A :class:`Table`: a map as a Python ``MutableMapping``, with pluggable key/value codecs.

Like BCC's tables: ``t[k]``, ``t[k] = v``, ``del t[k]``, iteration and ``len``. A codec turns
Python values into the map's bytes and back; the defaults take ints (little-endian, the map's
size) or bytes, and give back ints for sizes up to 8 bytes, bytes beyond. A BTF-aware codec
can give dicts for structs instead.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol, final

from ._array import ArrayBase
from ._base import Map
from ._errors import EINVAL, KeyNotExistError, MapError

__all__ = ["BytesCodec", "Codec", "IntCodec", "Table", "default_codec"]


class Codec(Protocol):
    """Converts between Python values and the bytes of a key or value."""

    def to_bytes(self, value: Any) -> bytes:
        """The bytes for ``value`` (the map checks their length)."""
        ...

    def from_bytes(self, data: bytes) -> Any:
        """The Python value of ``data``."""
        ...


def _encode(value: Any, size: int, signed: bool) -> bytes:
    """Bytes pass through (the map checks their length); ints become ``size`` little-endian
    bytes, negative ones in two's complement."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, int):
        raise MapError("encode", EINVAL, f"expected an int or bytes, got {type(value).__name__}")
    try:
        return value.to_bytes(size, "little", signed=signed or value < 0)
    except OverflowError:
        raise MapError("encode", EINVAL, f"{value} does not fit in {size} bytes") from None


@final
class IntCodec:
    """Little-endian integers of ``size`` bytes (unsigned unless ``signed``)."""

    def __init__(self, size: int, *, signed: bool = False) -> None:
        self.size = size
        self.signed = signed

    def to_bytes(self, value: Any) -> bytes:
        """``value`` (an int, or bytes passed through) as ``size`` bytes."""
        return _encode(value, self.size, self.signed)

    def from_bytes(self, data: bytes) -> int:
        """The integer ``data`` holds."""
        return int.from_bytes(data, "little", signed=self.signed)


@final
class BytesCodec:
    """Raw bytes of ``size`` bytes; ints are accepted when writing."""

    def __init__(self, size: int) -> None:
        self.size = size

    def to_bytes(self, value: Any) -> bytes:
        """``value`` (bytes, or an int) as ``size`` bytes."""
        return _encode(value, self.size, False)

    def from_bytes(self, data: bytes) -> bytes:
        """``data`` itself."""
        return bytes(data)


def default_codec(size: int) -> IntCodec | BytesCodec:
    """The codec a :class:`Table` uses unless told: ints for up to 8 bytes, bytes beyond."""
    return IntCodec(size) if size <= 8 else BytesCodec(size)


@final
class Table(MutableMapping[Any, Any]):
    """A dict-like view of ``map``.

    Args:
        map: the map to view (values of maps of maps and program arrays are objects, passed
            through unless a value codec is given).
        key_codec: converts keys; :func:`default_codec` of the key size if None.
        value_codec: converts values; :func:`default_codec` of the value size if None.

    Per-CPU values read as lists, one per CPU; writing one value sets every CPU. ``del`` on an
    array zeroes the element (:meth:`ArrayBase.clear_elem`), since array elements always exist.
    Missing keys raise :class:`KeyNotExistError`, which is a ``KeyError``.
    """

    def __init__(
        self, map: Map, key_codec: Codec | None = None, value_codec: Codec | None = None
    ) -> None:
        self.map = map
        self.key_codec: Codec = key_codec or default_codec(map.key_size)
        self.value_codec: Codec | None = value_codec
        if value_codec is None and not map.holds_objects:
            self.value_codec = default_codec(map.value_size)

    def decode_value(self, raw: Any) -> Any:
        """The Python value of raw value bytes (a list of them for per-CPU maps)."""
        codec = self.value_codec
        if codec is None:
            return raw
        if self.map.percpu:
            return [codec.from_bytes(v) for v in raw]
        return codec.from_bytes(raw)

    def encode_value(self, value: Any) -> Any:
        """The raw bytes of a Python value (a list of them for per-CPU maps)."""
        codec = self.value_codec
        if codec is None:
            return value
        if self.map.percpu and isinstance(value, (list, tuple)):
            return [codec.to_bytes(v) for v in value]
        return codec.to_bytes(value)

    def __getitem__(self, key: Any) -> Any:
        return self.decode_value(self.map.lookup_elem(self.key_codec.to_bytes(key)))

    def __setitem__(self, key: Any, value: Any) -> None:
        self.map.update_elem(self.key_codec.to_bytes(key), self.encode_value(value))

    def _delete(self, raw_key: bytes) -> None:
        if isinstance(self.map, ArrayBase):
            self.map.clear_elem(raw_key)
        else:
            self.map.delete_elem(raw_key)

    def __delitem__(self, key: Any) -> None:
        self._delete(self.key_codec.to_bytes(key))

    def __iter__(self) -> Iterator[Any]:
        raw_keys = self.map.keys()
        return (self.key_codec.from_bytes(k) for k in raw_keys)

    def __len__(self) -> int:
        return len(self.map.keys())

    def clear(self) -> None:
        """Delete every element (arrays: zero every element)."""
        raw_keys = self.map.keys()
        for raw_key in raw_keys:
            try:
                self._delete(raw_key)
            except KeyNotExistError:
                pass  # deleted meanwhile by someone else

    def __repr__(self) -> str:
        return f"Table({self.map!r})"
