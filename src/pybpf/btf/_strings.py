"""The BTF string table: NUL-terminated names that types and line records point into by offset.

The kernel requires the section to start with a NUL byte (so offset 0 is the empty name of
anonymous types) and to end with one (so no lookup runs off the end).
"""

from __future__ import annotations

from typing import final

from ._errors import BtfError

__all__ = ["StringTable"]


@final
class StringTable:
    """The strings of one ``.BTF`` section, looked up by byte offset.

    Strings are decoded as UTF-8 with ``surrogateescape``, so a name with stray bytes still
    round-trips to the same bytes instead of failing the whole object.
    """

    __slots__ = ("_cache", "_data")

    def __init__(self, data: bytes) -> None:
        """Wrap a raw string section.

        Raises:
            BtfError: if the section is empty or does not start and end with a NUL byte.
        """
        if not data:
            raise BtfError("empty string section")
        if data[0] != 0:
            raise BtfError("string section does not start with a NUL byte")
        if data[-1] != 0:
            raise BtfError("string section does not end with a NUL byte")
        self._data = bytes(data)
        self._cache: dict[int, str] = {0: ""}

    def lookup(self, offset: int) -> str:
        """Return the string that starts at ``offset``.

        Raises:
            BtfError: if ``offset`` is outside the section.
        """
        cached = self._cache.get(offset)
        if cached is not None:
            return cached
        if not 0 <= offset < len(self._data):
            raise BtfError(f"string offset {offset} out of range")
        end = self._data.index(0, offset)
        text = self._data[offset:end].decode("utf-8", "surrogateescape")
        self._cache[offset] = text
        return text
