"""Wire formats of sizes, serial numbers and API versions (§3.3, §3.6, §1.6)."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

GIB = 1024**3
_MAX_BYTES = 2**80  # far beyond any array, far below what makes int() slow

_UNITS = {
    "": 1,
    "bytes": 1,
    "byte": 1,
    "b": 1,
    "kb": 1024,
    "mb": 1024**2,
    "gb": GIB,
    "tb": 1024**4,
    "pb": 1024**5,
}


def parse_bytes(value: object) -> int:
    """A size as the array writes it (`"1.073741824E9 Bytes"`, `"0.0 Bytes"`, or a number) -> bytes.

    Parsed with Decimal so large sizes stay exact; a fractional byte count is truncated.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > _MAX_BYTES:
            raise ValueError(f"not a size: {value!r}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"not a size: {value!r}")
    number, _, unit = value.strip().partition(" ")
    factor = _UNITS.get(unit.strip().lower())
    if factor is None:
        raise ValueError(f"unknown size unit in {value!r}")
    try:
        amount = Decimal(number)
    except InvalidOperation as exc:
        raise ValueError(f"not a size: {value!r}") from exc
    if not amount.is_finite() or abs(amount) * factor > _MAX_BYTES:
        raise ValueError(f"not a size: {value!r}")  # a huge exponent would not fit, or hang int()
    return int(amount * factor)


def format_gb(size_gb: int) -> str:
    """A whole number of GiB as the API takes it on input: `"10 GB"`."""
    return f"{size_gb} GB"


def parse_ssn(value: object) -> int:
    """An SSN sent as an int or a decimal string -> int."""
    if isinstance(value, bool):
        raise ValueError(f"not a serial number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"not a serial number: {value!r}")


def ssn_of(instance_id: str) -> int:
    """The SSN owning an object: the first dotted component of its instanceId."""
    return parse_ssn(instance_id.split(".", 1)[0])


def parse_version(version: str) -> tuple[int, ...]:
    """`"4.10"` -> (4, 10), for numeric comparison (never compare version strings, §9.2.11)."""
    parts: list[int] = []
    for part in version.strip().split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
