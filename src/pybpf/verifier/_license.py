"""Which licences the kernel counts as GPL-compatible (``license_is_gpl_compatible``)."""

from __future__ import annotations

__all__ = ["GPL_COMPATIBLE", "license_is_gpl_compatible"]

#: The licences the kernel counts as GPL-compatible.
GPL_COMPATIBLE = frozenset(
    {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"}
)


def license_is_gpl_compatible(license: str) -> bool:
    """Whether the kernel lets a program with this licence call GPL-only helpers."""
    return license in GPL_COMPATIBLE
