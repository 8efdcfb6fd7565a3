"""Field drift (`--drift`): one field of one object type renamed, or given another value, in
every reply, as another DSM version might answer, to see what the client and `dellsc doctor`
make of a shape they do not expect.

A rule is `{"kind": "ScQosProfile", "field": "maxIops", "rename": "maximumIops"}` or
`{"kind": "ScQosProfile", "field": "maxBandwidth", "value": "100 MB/s"}` (the field is set, or
added, with that value). It acts on the objects a reply carries (the reply itself, or the items
of a list), matched by `objectType`, never on the references nested in them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_KEEP = object()


@dataclass(frozen=True)
class Drift:
    kind: str
    field: str
    rename: str | None = None
    value: Any = _KEEP

    @classmethod
    def of(cls, spec: Any) -> Drift:
        """A rule from a dict or its JSON text; ValueError when it is not one."""
        if isinstance(spec, str):
            try:
                spec = json.loads(spec)
            except json.JSONDecodeError as exc:
                raise ValueError(f"--drift must be a JSON object: {exc}") from None
        if not isinstance(spec, dict) or not all(
            isinstance(spec.get(k), str) and spec[k] for k in ("kind", "field")
        ):
            raise ValueError('--drift needs "kind" and "field" (strings)')
        rename = spec.get("rename")
        if (rename is None) == ("value" not in spec) or (
            rename is not None and not isinstance(rename, str)
        ):
            raise ValueError('--drift needs exactly one of "rename" (a string) or "value"')
        return cls(spec["kind"], spec["field"], rename, spec.get("value", _KEEP))

    def apply(self, doc: dict[str, Any]) -> dict[str, Any]:
        """`doc` as this rule changes it (a copy when it does)."""
        if doc.get("objectType") != self.kind:
            return doc
        key = next((k for k in doc if k.lower() == self.field.lower()), None)
        if self.rename is not None:
            if key is None:
                return doc
            return {(self.rename if k == key else k): v for k, v in doc.items()}
        return {**{k: v for k, v in doc.items() if k != key}, self.field: self.value}


def drifted(body: Any, drifts: tuple[Drift, ...]) -> Any:
    """A reply body with every rule applied to the objects it carries."""
    if not drifts:
        return body
    if isinstance(body, list):
        return [drifted(item, drifts) for item in body]
    if isinstance(body, dict):
        for rule in drifts:
            body = rule.apply(body)
    return body
