"""Fault-matrix rows of the data-protection types: snapshots, volumes made from a snapshot or
a volume, consistency groups and their snapshots, replication plans (see faultmatrix.py).

A cell's objects are named after the cell (`cell.name`); supporting resources of a cell are
labelled `<label>_<suffix>` (`dellsc_volume.<label>_b`, `dellsc_snapshot.<label>_src`), so the
fault rules can name their ids as `{volume_b}`, `{snapshot_src}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.acceptance.faultmatrix import (
    SECONDARY,
    Cell,
    Check,
    Operation,
    Seen,
    volume_block,
)
from tests.acceptance.harness import ArrayProbe

REPL_PREFIX = "Cinder repl of "
PLAN_MARK = "dellsc_replication_plan "


def _block(kind: str, label: str, lines: list[str]) -> str:
    body = "\n".join(f"  {line}" for line in lines)
    return f'resource "{kind}" "{label}" {{\n{body}\n}}\n'


def _volume(cell: Cell, suffix: str, **extra: str) -> str:
    """A supporting 1 GiB volume `dellsc_volume.<label>_<suffix>` named `<name>-<suffix>`."""
    lines = [f'name    = "{cell.name}-{suffix}"', "size_gb = 1"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return _block("dellsc_volume", f"{cell.label}_{suffix}", lines)


def _snapshot(cell: Cell, label: str, volume: str, minutes: int = 0) -> str:
    lines = [f"volume_id      = dellsc_volume.{volume}.id", f'name           = "{cell.name}"',
             f"expire_minutes = {minutes}"]  # fmt: skip
    return _block("dellsc_snapshot", label, lines)


def _ids(labels: list[str]) -> str:
    return "[" + ", ".join(f"dellsc_volume.{label}.id" for label in labels) + "]"


def _group(cell: Cell, members: list[str]) -> str:
    lines = [f'name       = "{cell.name}"', f"volume_ids = {_ids(members)}"]
    return _block("dellsc_consistency_group", cell.label, lines)


def _group_snapshot(cell: Cell) -> str:
    lines = [f"consistency_group_id = dellsc_consistency_group.{cell.label}.id",
             f'name                 = "{cell.name}"']  # fmt: skip
    return _block("dellsc_consistency_group_snapshot", cell.label, lines)


def _plan(cell: Cell, members: list[str], **extra: str) -> str:
    lines = [f'name            = "{cell.name}"', f"destination_ssn = {SECONDARY}",
             f"volume_ids      = {_ids(members)}"]  # fmt: skip
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return _block("dellsc_replication_plan", cell.label, lines)


# -- the array, through REST (never our client) --------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _live(replay: dict[str, Any]) -> bool:
    if replay["active"] or replay["markedForExpiration"]:
        return False
    return not replay["expires"] or dt.datetime.fromisoformat(replay["expireTime"]) > _now()


def _fm_volumes(probe: ArrayProbe) -> list[dict[str, Any]]:
    return [v for v in probe.volumes() if v["name"].startswith("fm-")]


def _replays(probe: ArrayProbe) -> list[dict[str, Any]]:
    """Live snapshots of the matrix's volumes, each with its volume's name as `_volume`."""
    found = []
    for volume in _fm_volumes(probe):
        listed = probe.api("GET", f"StorageCenter/ScVolume/{volume['instanceId']}/ReplayList")
        found += [r | {"_volume": volume["name"]} for r in listed if _live(r)]
    return found


def _volume_name(replay: dict[str, Any]) -> str:
    return str(replay["_volume"])


def _profiles(probe: ArrayProbe) -> list[dict[str, Any]]:
    where = {"attributeName": "scSerialNumber", "attributeValue": probe.ssn, "filterType": "Equals"}
    body = {"filter": {"filterType": "AND", "filters": [where]}}
    listed = probe.api("POST", "StorageCenter/ScReplayProfile/GetList", body)
    return [p for p in listed if p["name"].startswith("fm-")]


def _group_snapshots(probe: ArrayProbe) -> list[dict[str, Any]]:
    """Group snapshots with at least one live member, each with its live members as
    `_replays`."""
    found = []
    for profile in _profiles(probe):
        path = f"StorageCenter/ScReplayProfile/{profile['instanceId']}/ConsistencyGroupList"
        for snapshot in probe.api("GET", path):
            path = f"StorageCenter/ScReplayConsistencyGroup/{snapshot['instanceId']}/ReplayList"
            replays = [r for r in probe.api("GET", path) if _live(r)]
            if replays:
                found.append(snapshot | {"_replays": replays})
    return found


def _copies(probe: ArrayProbe) -> list[dict[str, Any]]:
    """The volumes a replication plan made on the secondary (they carry its mark)."""
    where = {"attributeName": "scSerialNumber", "attributeValue": SECONDARY,
             "filterType": "Equals"}  # fmt: skip
    body = {"filter": {"filterType": "AND", "filters": [where]}}
    listed = probe.api("POST", "StorageCenter/ScVolume/GetList", body)
    return [
        v
        for v in listed
        if not v["inRecycleBin"] and str(v.get("notes", "")).startswith(PLAN_MARK + "64702:")
    ]


def _copy_of(copy: dict[str, Any]) -> str:
    return str(copy["name"]).removeprefix(REPL_PREFIX)


def _plan_holds(values: dict[str, Any]) -> set[str]:
    pairs = values.get("pairs") or {}
    return {str(p["destination_volume_id"]) for p in pairs.values()}


# -- checks --------------------------------------------------------------------------------------


def _named(cell: Cell, replay: dict[str, Any], seen: Seen) -> str | None:
    if replay["description"] != cell.name:
        return f"described {replay['description']!r}"
    return None


def _expires_in(minutes: int) -> Check:
    def check(cell: Cell, replay: dict[str, Any], seen: Seen) -> str | None:
        if not replay["expires"]:
            return "never expires"
        left = (dt.datetime.fromisoformat(replay["expireTime"]) - _now()).total_seconds() / 60
        return None if minutes - 15 < left <= minutes else f"expires in {left:.0f} min"

    return check


def _nothing_temporary(cell: Cell, volume: dict[str, Any], seen: Seen) -> str | None:
    """A clone leaves no snapshot behind, on itself or on its source."""
    source = seen.values("dellsc_volume", cell, "_src").get("id")
    for volume_id in (volume["instanceId"], source):
        listed = seen.probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/ReplayList")
        left = [r["description"] for r in listed if _live(r)]
        if left:
            return f"snapshots {left} left on {volume_id}"
    return None


def _view_of_snapshot(cell: Cell, volume: dict[str, Any], seen: Seen) -> str | None:
    snapshot = seen.values("dellsc_snapshot", cell, "_src").get("id")
    if f"[dellsc:source snapshot {snapshot}]" not in str(volume.get("notes", "")):
        return f"notes {volume.get('notes')!r} name no snapshot {snapshot}"
    return None


def _members_are(*suffixes: str) -> Check:
    def check(cell: Cell, profile: dict[str, Any], seen: Seen) -> str | None:
        wanted = {seen.values("dellsc_volume", cell, s).get("id") for s in suffixes}
        path = f"StorageCenter/ScReplayProfile/{profile['instanceId']}/VolumeList"
        actual = {v["instanceId"] for v in seen.probe.api("GET", path)}
        return None if actual == wanted else f"members {sorted(actual)}, want {sorted(wanted)}"

    return check


def _whole(cell: Cell, snapshot: dict[str, Any], seen: Seen) -> str | None:
    count = len(snapshot["_replays"])
    return None if count == 2 else f"{count} live member snapshots, want 2"


def _replications(seen: Seen, copy_id: str) -> list[dict[str, Any]]:
    listed = seen.probe.snapshot()["objects"].get("ScReplication", {}).values()
    return [r for r in listed if r["destinationVolume"]["instanceId"] == copy_id]


def _replicating(cell: Cell, copy: dict[str, Any], seen: Seen) -> str | None:
    found = _replications(seen, copy["instanceId"])
    if len(found) != 1 or found[0]["state"] != "Up":
        return f"{len(found)} replications into it, want one Up"
    if found[0]["sourceVolume"]["instanceName"] != _copy_of(copy):
        return f"replicates {found[0]['sourceVolume']['instanceName']!r}"
    return None


def _failed_over(cell: Cell, copy: dict[str, Any], seen: Seen) -> str | None:
    if copy["name"] != cell.name:
        return f"the copy is named {copy['name']!r}, not the volume's name"
    site = seen.values("dellsc_replication_plan", cell).get("active_site")
    return None if site == "secondary" else f"active_site {site!r}"


# -- fault targets read from the array -----------------------------------------------------------


def _first_member_replay(probe: ArrayProbe, refs: dict[str, str]) -> dict[str, str]:
    path = f"StorageCenter/ScReplayConsistencyGroup/{refs['id']}/ReplayList"
    return {"replay": min(r["instanceId"] for r in probe.api("GET", path))}


def _replication_of(suffix: str) -> Any:
    def refs(probe: ArrayProbe, values: dict[str, str]) -> dict[str, str]:
        path = f"StorageCenter/ScVolume/{values['volume' + suffix]}/ReplicationSourceList"
        [replication] = probe.api("GET", path)
        return {
            "replication": replication["instanceId"],
            "copy": replication["destinationVolume"]["instanceId"],
        }

    return refs


# -- rows ----------------------------------------------------------------------------------------

SNAPSHOT_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_snapshot", "snap-create",
        before=lambda c: volume_block(c),
        after=lambda c: volume_block(c) + _snapshot(c, c.label, c.label),
        method="POST", path="^StorageCenter/ScVolume/{volume}/CreateReplay$",
        objects=_replays, name_of=_volume_name, check=_named,
    ),
    Operation(
        "dellsc_snapshot", "snap-expire",
        before=lambda c: volume_block(c) + _snapshot(c, c.label, c.label),
        after=lambda c: volume_block(c) + _snapshot(c, c.label, c.label, minutes=120),
        method="PUT", path="^StorageCenter/ScReplay/{snapshot}$",
        objects=_replays, name_of=_volume_name, check=_expires_in(120),
    ),
    Operation(
        "dellsc_snapshot", "snap-delete",
        before=lambda c: volume_block(c) + _snapshot(c, c.label, c.label),
        after=lambda c: volume_block(c),
        method="POST", path="^StorageCenter/ScReplay/{snapshot}/Expire$",
        objects=_replays, name_of=_volume_name,
    ),
)  # fmt: skip


def _source(cell: Cell) -> str:
    return _volume(cell, "src") + _snapshot(cell, f"{cell.label}_src", f"{cell.label}_src")


SOURCED_VOLUME_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_volume", "view-create",
        before=_source,
        after=lambda c: _source(c) + volume_block(
            c, source_snapshot_id=f"${{dellsc_snapshot.{c.label}_src.id}}"
        ),
        method="POST", path="^StorageCenter/ScReplay/{snapshot_src}/CreateView$",
        objects=lambda probe: probe.volumes(), check=_view_of_snapshot,
    ),
    Operation(
        "dellsc_volume", "clone-create",
        before=lambda c: _volume(c, "src"),
        after=lambda c: _volume(c, "src") + volume_block(
            c, source_volume_id=f"${{dellsc_volume.{c.label}_src.id}}"
        ),
        method="POST", path="^StorageCenter/ScVolume$", body='"Name": "{name}"',
        objects=lambda probe: probe.volumes(), check=_nothing_temporary,
    ),
    Operation(
        "dellsc_volume", "clone-copy",
        before=lambda c: _volume(c, "src"),
        after=lambda c: _volume(c, "src") + volume_block(
            c, source_volume_id=f"${{dellsc_volume.{c.label}_src.id}}"
        ),
        method="POST", path="^StorageCenter/ScCopyMirrorMigrate/Copy$",
        body='"SourceVolume": "{volume_src}"',
        objects=lambda probe: probe.volumes(), check=_nothing_temporary,
    ),
)  # fmt: skip


def _pair(cell: Cell) -> str:
    return volume_block(cell) + _volume(cell, "b")


GROUP_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_consistency_group", "cg-create",
        before=_pair,
        after=lambda c: _pair(c) + _group(c, [c.label, f"{c.label}_b"]),
        method="POST", path="^StorageCenter/ScReplayProfile$", body='"Name": "{name}"',
        objects=_profiles, check=_members_are("", "_b"),
    ),
    Operation(
        "dellsc_consistency_group", "cg-add",
        before=lambda c: _pair(c) + _group(c, [c.label]),
        after=lambda c: _pair(c) + _group(c, [c.label, f"{c.label}_b"]),
        method="PUT", path="^StorageCenter/ScVolumeConfiguration/{volume_b}$",
        objects=_profiles, check=_members_are("", "_b"),
    ),
    Operation(
        "dellsc_consistency_group", "cg-remove",
        before=lambda c: _pair(c) + _group(c, [c.label, f"{c.label}_b"]),
        after=lambda c: _pair(c) + _group(c, [c.label]),
        method="PUT", path="^StorageCenter/ScVolumeConfiguration/{volume_b}$",
        objects=_profiles, check=_members_are(""),
    ),
    Operation(
        "dellsc_consistency_group", "cg-delete",
        before=lambda c: _pair(c) + _group(c, [c.label, f"{c.label}_b"]),
        after=_pair,
        method="DELETE", path="^StorageCenter/ScReplayProfile/{id}$",
        objects=_profiles,
    ),
)  # fmt: skip


def _grouped(cell: Cell) -> str:
    return _pair(cell) + _group(cell, [cell.label, f"{cell.label}_b"])


GROUP_SNAPSHOT_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_consistency_group_snapshot", "cgs-create",
        before=_grouped,
        after=lambda c: _grouped(c) + _group_snapshot(c),
        method="POST", path="^StorageCenter/ScReplayProfile/{consistency_group}/CreateReplay$",
        objects=_group_snapshots, name_of=lambda s: str(s["description"]), check=_whole,
    ),
    Operation(
        "dellsc_consistency_group_snapshot", "cgs-delete",
        before=lambda c: _grouped(c) + _group_snapshot(c),
        after=_grouped,
        method="POST", path="^StorageCenter/ScReplay/{replay}/Expire$",
        objects=_group_snapshots, name_of=lambda s: str(s["description"]),
        refs=_first_member_replay,
    ),
)  # fmt: skip

KEEP = {"deletion_policy": "UNMANAGE"}  # a failed-over plan is destroyed keeping its copies

REPLICATION_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_replication_plan", "repl-create",
        before=lambda c: volume_block(c),
        after=lambda c: volume_block(c) + _plan(c, [c.label]),
        method="POST", path="^StorageCenter/ScReplication$",
        body='"SourceVolume": "{volume}"',
        objects=_copies, name_of=_copy_of, held=_plan_holds, check=_replicating,
    ),
    Operation(
        "dellsc_replication_plan", "repl-add",
        before=lambda c: _pair(c) + _plan(c, [c.label]),
        after=lambda c: _pair(c) + _plan(c, [c.label, f"{c.label}_b"]),
        method="POST", path="^StorageCenter/ScReplication$",
        body='"SourceVolume": "{volume_b}"',
        objects=_copies, name_of=_copy_of, held=_plan_holds, check=_replicating,
        names=lambda c: (c.name, c.name + "-b"),
    ),
    Operation(
        "dellsc_replication_plan", "repl-remove",
        before=lambda c: _pair(c) + _plan(c, [c.label, f"{c.label}_b"]),
        after=lambda c: _pair(c) + _plan(c, [c.label]),
        method="DELETE", path="^StorageCenter/ScReplication/{replication}$",
        objects=_copies, name_of=_copy_of, held=_plan_holds, check=_replicating,
        gone=lambda c: (c.name + "-b",), refs=_replication_of("_b"),
    ),
    Operation(
        "dellsc_replication_plan", "repl-failover",
        before=lambda c: volume_block(c) + _plan(c, [c.label], **KEEP),
        after=lambda c: volume_block(c) + _plan(c, [c.label], active_site="secondary", **KEEP),
        method="PUT", path="^StorageCenter/ScVolume/{copy}$",
        objects=_copies, name_of=_copy_of, held=_plan_holds, check=_failed_over,
        refs=_replication_of(""),
    ),
    Operation(
        "dellsc_replication_plan", "repl-delete",
        before=lambda c: volume_block(c) + _plan(c, [c.label]),
        after=lambda c: volume_block(c),
        method="DELETE", path="^StorageCenter/ScReplication/{replication}$",
        objects=_copies, name_of=_copy_of, held=_plan_holds, refs=_replication_of(""),
    ),
)  # fmt: skip

PROTECTION_OPERATIONS: dict[str, tuple[Operation, ...]] = {
    "dellsc_snapshot": SNAPSHOT_OPERATIONS,
    "dellsc_volume (from a source)": SOURCED_VOLUME_OPERATIONS,
    "dellsc_consistency_group": GROUP_OPERATIONS,
    "dellsc_consistency_group_snapshot": GROUP_SNAPSHOT_OPERATIONS,
    "dellsc_replication_plan": REPLICATION_OPERATIONS,
}
# the create rows `make test` runs: a create whose reply is lost is what orphans or duplicates
CREATE_ROWS: tuple[Operation, ...] = tuple(ops[0] for ops in PROTECTION_OPERATIONS.values())
