"""HCL and array helpers for the replication-plan acceptance tests (two Storage Centers)."""

from __future__ import annotations

from typing import Any

from tests.acceptance.harness import ArrayProbe

PRIMARY, SECONDARY = 64702, 64703
PROVIDER = f'provider "dellsc" {{\n  ssn = {PRIMARY}\n}}\n'


def volumes(*names: str, folder: str = "dr") -> str:
    """One dellsc_volume per name (resource label = name), in `folder`."""
    return "".join(
        f'resource "dellsc_volume" "{n}" {{\n  name    = "{n}"\n  size_gb = 1\n'
        f'  folder  = "{folder}"\n}}\n'
        for n in names
    )


def plan(label: str, members: list[str], **attributes: Any) -> str:
    """A dellsc_replication_plan of the dellsc_volume resources named in `members`."""
    lines = [
        f'  name            = "{attributes.pop("name", label)}"',
        f"  destination_ssn = {attributes.pop('destination_ssn', SECONDARY)}",
        "  volume_ids      = [" + ", ".join(f"dellsc_volume.{m}.id" for m in members) + "]",
    ]
    for key, value in attributes.items():
        rendered = str(value).lower() if isinstance(value, bool) else f'"{value}"'
        lines.append(f"  {key} = {rendered}")
    body = "\n".join(lines)
    return f'resource "dellsc_replication_plan" "{label}" {{\n{body}\n}}\n'


def config(*parts: str) -> str:
    return PROVIDER + "".join(parts)


class Arrays:
    """Both Storage Centers, read from the emulator's state dump (works while one is down)."""

    def __init__(self, probe: ArrayProbe) -> None:
        self.probe = probe

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return list(self.probe.snapshot()["objects"].get(kind, {}).values())

    def volumes(self, ssn: int) -> list[dict[str, Any]]:
        return [
            v
            for v in self.objects("ScVolume")
            if v["scSerialNumber"] == ssn and not v["inRecycleBin"]
        ]

    def volume(self, volume_id: str) -> dict[str, Any]:
        [found] = [v for v in self.objects("ScVolume") if v["instanceId"] == volume_id]
        return found

    def by_name(self, ssn: int) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for v in self.volumes(ssn):
            assert v["name"] not in found, f"two volumes named {v['name']!r} on {ssn}"
            found[v["name"]] = v
        return found

    def replications(self) -> list[dict[str, Any]]:
        return self.objects("ScReplication")

    def replication_of(self, source_id: str) -> dict[str, Any]:
        [found] = [r for r in self.replications() if r["sourceVolume"]["instanceId"] == source_id]
        return found

    def live_volumes(self) -> list[dict[str, Any]]:
        return self.objects("ScLiveVolume")

    def replay_indexes(self, volume_id: str) -> set[str]:
        return {
            r["globalIndex"]
            for r in self.objects("ScReplay")
            if r["createVolume"]["instanceId"] == volume_id
        }

    def mapped_servers(self, volume_id: str) -> set[str]:
        return {
            p["server"]["instanceId"]
            for p in self.objects("ScMappingProfile")
            if p["volume"]["instanceId"] == volume_id
        }

    def down(self, ssn: int) -> None:
        self.probe.admin("POST", f"storage_centers/{ssn}/down")

    def up(self, ssn: int) -> None:
        self.probe.admin("POST", f"storage_centers/{ssn}/up")
