"""The type checks of the Python misuse rule: a wrong type is a ``TypeError`` at the call,
saying which call, which argument and what it should have been."""

from __future__ import annotations

__all__ = ["expect"]


def expect(value: object, types: type | tuple[type, ...], where: str, wanted: str) -> None:
    """Raise ``TypeError("{where} must be {wanted}, not {type}")`` unless ``value`` is one of
    ``types``. A bool is never taken for an int.

    ``where`` names the call and the argument (``"update_elem: flags"``).
    """
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise TypeError(f"{where} must be {wanted}, not bool")
    if not isinstance(value, types):
        raise TypeError(f"{where} must be {wanted}, not {type(value).__name__}")
