"""GetList filter bodies: parse the current or legacy shape and match documents.

Current (reported API >= 2.2): `{"filter": {"filterType": "AND", "filters": [...]}}`.
Legacy (2.0/2.1): the inner object alone. Only the shape matching the reported version is
accepted. Attribute names and string values compare case-insensitively; an attribute an object
does not have never matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .wire import Body, Doc, bad_request

_OPERATORS = ("equals", "notequals")


@dataclass(frozen=True)
class Condition:
    attribute: str
    value: Any
    negate: bool


@dataclass(frozen=True)
class Filter:
    conditions: tuple[Condition, ...]
    any_of: bool

    @property
    def attributes(self) -> set[str]:
        return {c.attribute.lower() for c in self.conditions}

    def matches(self, doc: Doc) -> bool:
        results = (_condition_holds(doc, c) for c in self.conditions)
        return any(results) if self.any_of else all(results)


def parse_filter(raw: Any, legacy: bool) -> Filter:
    body = Body(raw)
    wrapped = body.has("filter")
    bare = body.has("filters") or body.has("filterType")
    if legacy and wrapped:
        raise bad_request(
            "Filter format not supported by this API version: send the legacy filter "
            "(filterType/filters at the top level, without the 'filter' wrapper)"
        )
    if not legacy and bare:
        raise bad_request(
            "Filter format not supported by this API version: wrap filterType/filters "
            "in a 'filter' object"
        )
    group = body.sub("filter") if wrapped else body
    if not group.raw:
        return Filter((), False)
    group_type = str(group.get("filterType", "AND")).upper()
    if group_type not in ("AND", "OR"):
        raise bad_request(f"Unsupported filter group type '{group_type}'")
    items = group.get("filters", [])
    if not isinstance(items, list):
        raise bad_request("'filters' must be an array")
    conditions = []
    for item in items:
        entry = Body(item)
        name = entry.get("attributeName")
        if not isinstance(name, str) or not name:
            raise bad_request("Each filter needs an 'attributeName'")
        operator = str(entry.get("filterType", "Equals")).lower()
        if operator not in _OPERATORS:
            raise bad_request(f"Unsupported filterType '{entry.get('filterType')}'")
        conditions.append(
            Condition(name, entry.get("attributeValue"), negate=operator == "notequals")
        )
    return Filter(tuple(conditions), group_type == "OR")


_MISSING = object()


def attribute(doc: Doc, name: str) -> Any:
    """Case-insensitive top-level attribute lookup."""
    if name in doc:
        return doc[name]
    camel = name[:1].lower() + name[1:]
    if camel in doc:
        return doc[camel]
    folded = name.lower()
    for key, value in doc.items():
        if key.lower() == folded:
            return value
    return _MISSING


def _same(have: Any, want: Any) -> bool:
    if isinstance(have, dict):
        have = have.get("instanceId")
    if isinstance(have, list):
        return any(_same(h, want) for h in have)
    if have is None or want is None:
        return have is None and want is None
    return str(have).casefold() == str(want).casefold()


def _condition_holds(doc: Doc, condition: Condition) -> bool:
    have = attribute(doc, condition.attribute)
    if have is _MISSING:
        return False
    return _same(have, condition.value) != condition.negate


def select(
    docs: list[Doc], flt: Filter, render: Callable[[Doc], Doc], computed: set[str]
) -> list[Doc]:
    """Rendered documents matching `flt`; renders before matching only when needed."""
    if flt.attributes & computed:
        rendered = [render(d) for d in docs]
        return [d for d in rendered if flt.matches(d)]
    return [render(d) for d in docs if flt.matches(d)]
