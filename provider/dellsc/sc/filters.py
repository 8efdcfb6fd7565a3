"""GetList filter bodies (§3.7): an AND of Equals, in the current or legacy envelope."""

from __future__ import annotations

from typing import Any


def filter_body(conditions: dict[str, Any], *, legacy: bool) -> dict[str, Any]:
    """The body of `POST <Kind>/GetList` matching every condition; None values are left out.

    Current APIs (>= 2.2) wrap the group in `{"filter": ...}`; legacy ones (2.0/2.1) send it bare.
    """
    group = {
        "filterType": "AND",
        "filters": [
            {"attributeName": name, "attributeValue": value, "filterType": "Equals"}
            for name, value in conditions.items()
            if value is not None
        ],
    }
    return group if legacy else {"filter": group}
