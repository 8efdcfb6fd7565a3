"""The Terraform value model: cty types, null/unknown values and dynamic values.

A leaf: it imports nothing of ours. Python values: null ``None``; unknown ``Unknown``
(``UNKNOWN`` when unrefined); string ``str``; number ``Decimal`` (never float); bool ``bool``;
list, set and tuple ``list``; map and object ``dict[str, Any]``; a value of type ``"dynamic"``
is ``Dynamic(type, value)`` unless it is null or unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

CtyType: TypeAlias = str | list[Any]
"""Parsed cty type JSON (see the module docstring)."""

PRIMITIVES = frozenset({"string", "number", "bool", "dynamic"})


@dataclass(frozen=True, eq=False, slots=True)
class Unknown:
    """A value not known until apply, with Terraform's optional refinements.

    Unknowns compare equal to each other whatever their refinements (Terraform compares
    plans the same way). Number bounds are ``(bound, inclusive)``.
    """

    not_null: bool = False
    prefix: str | None = None
    number_lower: tuple[Decimal, bool] | None = None
    number_upper: tuple[Decimal, bool] | None = None
    length_lower: int | None = None
    length_upper: int | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown)

    def __hash__(self) -> int:
        return hash(Unknown)

    def __repr__(self) -> str:
        refined = {k: getattr(self, k) for k in self.__slots__ if getattr(self, k)}
        return f"Unknown({', '.join(f'{k}={v!r}' for k, v in refined.items())})"


UNKNOWN = Unknown()


@dataclass(frozen=True, slots=True)
class Dynamic:
    """A known value of an attribute typed ``"dynamic"``, with its concrete type."""

    type: CtyType
    value: Any


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True if the value is or contains an unknown at any depth."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Dynamic):
        return contains_unknown(value.value)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False
