"""HCL and array queries for the consistency-group acceptance tests."""

from __future__ import annotations

from typing import Any

from tests.acceptance.harness import ArrayProbe

PROVIDER = 'provider "dellsc" {}\n'


def _hcl(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    text = str(value)
    return text[1:] if text.startswith("=") else f'"{text}"'  # "=expr" is a raw expression


def block(kind: str, label: str, **attributes: Any) -> str:
    """`resource "<kind>" "<label>" { ... }`; a string starting with `=` is an expression."""
    body = "\n".join(f"  {k} = {_hcl(v)}" for k, v in attributes.items())
    return f'resource "{kind}" "{label}" {{\n{body}\n}}\n'


def volumes(*labels: str, prefix: str = "cg-vol", **attributes: Any) -> str:
    """One 1 GiB dellsc_volume per label, named `<prefix>-<label>`."""
    return "".join(
        block("dellsc_volume", label, name=f"{prefix}-{label}", size_gb=1, **attributes)
        for label in labels
    )


def group(members: list[str], name: str = "acc-cg", label: str = "g", **attributes: Any) -> str:
    """A dellsc_consistency_group of the volumes with these labels."""
    ids = [f"=dellsc_volume.{m}.id" for m in members]
    return block("dellsc_consistency_group", label, name=name, volume_ids=ids, **attributes)


def group_snapshot(name: str = "acc-gs", label: str = "s", **attributes: Any) -> str:
    return block(
        "dellsc_consistency_group_snapshot",
        label,
        consistency_group_id="=dellsc_consistency_group.g.id",
        name=name,
        **attributes,
    )


# -- the array, over REST ---------------------------------------------------------------------


def _filter(**conditions: Any) -> dict[str, Any]:
    filters = [
        {"attributeName": k, "attributeValue": v, "filterType": "Equals"}
        for k, v in conditions.items()
    ]
    return {"filter": {"filterType": "AND", "filters": filters}}


def profiles(probe: ArrayProbe, name: str) -> list[dict[str, Any]]:
    """Snapshot profiles named exactly `name`."""
    found = probe.api(
        "POST",
        "StorageCenter/ScReplayProfile/GetList",
        _filter(scSerialNumber=probe.ssn, Name=name),
    )
    return [p for p in found if p["name"] == name]


def members(probe: ArrayProbe, profile_id: str) -> set[str]:
    listed = probe.api("GET", f"StorageCenter/ScReplayProfile/{profile_id}/VolumeList")
    return {v["instanceId"] for v in listed}


def group_snapshots(probe: ArrayProbe, profile_id: str) -> list[dict[str, Any]]:
    return list(
        probe.api("GET", f"StorageCenter/ScReplayProfile/{profile_id}/ConsistencyGroupList")
    )


def group_replays(probe: ArrayProbe, snapshot_id: str) -> list[dict[str, Any]]:
    return list(
        probe.api("GET", f"StorageCenter/ScReplayConsistencyGroup/{snapshot_id}/ReplayList")
    )


def volume_replays(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    """Frozen replays of a volume (the active one left out)."""
    listed = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/ReplayList")
    return [r for r in listed if not r["active"]]


def profile_names(probe: ArrayProbe, volume_id: str) -> list[str]:
    """The volume's snapshot-profile list, by name, in the array's order."""
    config = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/VolumeConfiguration")
    return [r["instanceName"] for r in config["replayProfileList"]]


def mapping_count(probe: ArrayProbe, volume_id: str) -> int:
    return len(probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList"))
