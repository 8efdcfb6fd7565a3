"""`provider::dellsc::parse_id(id)`: the parts of every ID form this provider uses.

The forms, from the resources' schemas and import code: an instance ID `<ssn>.<index>`
(volumes, servers, clusters, mapping profiles, consistency groups, replications); a snapshot
(replay) `<ssn>.<volume index>.<replay index>`; a group snapshot
`<ssn>.<ssn>.<profile index>.<n>`; the import IDs `<volume_id>/<server_id>` (a mapping),
`<volume_id>/name:<snapshot name>`, `name:<name>` and a replication plan's
`<primary ssn>:<secondary ssn>:<name>`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dellsc.functions.base import Function, FunctionError

_INSTANCE = re.compile(r"(\d+)\.(\d+)")
_SNAPSHOT = re.compile(r"(\d+)\.(\d+)\.(\d+)")
_GROUP_SNAPSHOT = re.compile(r"(\d+)\.(\d+)\.(\d+)\.(\d+)")
# a replication plan's ID, as dellsc_replication_plan writes it (a unit test keeps them equal)
PLAN_ID = re.compile(r"(\d+):(\d+):([A-Za-z0-9][A-Za-z0-9_.-]{0,62})")
FORMS = (
    "an instance ID such as 64702.101, a snapshot ID such as 64702.101.3, a group snapshot "
    "ID such as 64702.64702.11.1, <volume_id>/<server_id>, <volume_id>/name:<snapshot name>, "
    "name:<name> or a replication plan ID such as 64702:64703:dr"
)


def _number(digits: str) -> Decimal:
    return Decimal(int(digits))


def parse(text: str) -> dict[str, Any]:
    """The parts of one ID (every attribute of the result present, null when not part of it)."""
    out: dict[str, Any] = dict.fromkeys(
        ("ssn", "index", "volume_id", "server_id", "group_id", "name", "secondary_ssn")
    )
    if (m := _INSTANCE.fullmatch(text)) is not None:
        return out | {"object": "instance", "ssn": _number(m[1]), "index": _number(m[2])}
    if (m := _SNAPSHOT.fullmatch(text)) is not None:
        return out | {"object": "snapshot", "ssn": _number(m[1]), "index": _number(m[3]),
                      "volume_id": f"{int(m[1])}.{int(m[2])}"}  # fmt: skip
    if (m := _GROUP_SNAPSHOT.fullmatch(text)) is not None:
        return out | {"object": "group_snapshot", "ssn": _number(m[1]), "index": _number(m[4]),
                      "group_id": f"{int(m[1])}.{int(m[3])}"}  # fmt: skip
    if (m := PLAN_ID.fullmatch(text)) is not None:
        return out | {"object": "replication_plan", "ssn": _number(m[1]),
                      "secondary_ssn": _number(m[2]), "name": m[3]}  # fmt: skip
    if text.startswith("name:") and text[5:].strip():
        return out | {"object": "name", "name": text[5:]}
    volume, slash, rest = text.partition("/")
    if slash and _INSTANCE.fullmatch(volume):
        ssn = _number(volume.split(".")[0])
        if _INSTANCE.fullmatch(rest):
            return out | {"object": "mapping", "ssn": ssn, "volume_id": volume, "server_id": rest}
        if rest.startswith("name:") and rest[5:].strip():
            return out | {"object": "snapshot_name", "ssn": ssn, "volume_id": volume,
                          "name": rest[5:]}  # fmt: skip
    raise FunctionError(f"{text!r} is not an ID this provider uses: expected {FORMS}.", 0)


class ParseId(Function):
    name = "parse_id"

    def call(self, arguments: list[Any]) -> Any:
        return parse(str(arguments[0]))
