"""Destroy explains itself and tidies up: UNMANAGE shows in the plan, and the folders this
provider made are removed once empty, never a folder someone else made or one that holds
anything."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.hostile import Raw, block, diagnostics

pytestmark = pytest.mark.acceptance
SSN = 64702


def folder_paths(probe: ArrayProbe, kind: str) -> set[str]:
    """Full paths (`a/b`) of the non-root folders of one kind, read over REST."""
    body = {"filter": {"filterType": "AND", "filters": [
        {"attributeName": "scSerialNumber", "attributeValue": SSN, "filterType": "Equals"}
    ]}}  # fmt: skip
    folders = probe.api("POST", f"StorageCenter/{kind}/GetList", body)
    return {
        "/".join(p for p in (f["folderPath"].strip("/"), f["name"]) if p)
        for f in folders
        if not f.get("root")
    }


def config(moved: bool = False) -> str:
    gone = "acc/moved" if moved else "acc/gone/deep"
    return 'provider "dellsc" {}\n' + "".join([
        block("resource", "dellsc_volume", "keep", name="acc-keep", size_gb=1,
              folder="acc/keep", deletion_policy="UNMANAGE"),
        block("resource", "dellsc_volume", "gone", name="acc-gone", size_gb=1, folder=gone),
        block("resource", "dellsc_volume", "theirs", name="acc-in-user", size_gb=1,
              folder="user/sub"),
        block("resource", "dellsc_server", "host", name="acc-host", folder="hosts/rack1"),
        block("resource", "dellsc_snapshot", "snap", name="acc-snap",
              volume_id=Raw("dellsc_volume.keep.id"), deletion_policy="UNMANAGE"),
        block("resource", "dellsc_consistency_group", "group", name="acc-group",
              volume_ids=[Raw("dellsc_volume.gone.id")], deletion_policy="UNMANAGE"),
    ])  # fmt: skip


def test_destroy_warns_what_it_keeps_and_removes_the_folders_it_made(
    tf: Terraform, probe: ArrayProbe
) -> None:
    # someone else's folder (their notes), holding a volume of theirs
    user: dict[str, Any] = probe.api("POST", "StorageCenter/ScVolumeFolder", {
        "Name": "user", "StorageCenter": SSN, "Notes": "made by hand"})  # fmt: skip
    probe.api("POST", "StorageCenter/ScVolume", {
        "Name": "stranger", "Size": "1 GB", "StorageCenter": SSN,
        "VolumeFolder": user["instanceId"]})  # fmt: skip
    tf.write(config())
    tf.init()
    tf.apply()
    assert {"acc/gone/deep", "acc/keep", "user/sub"} <= folder_paths(probe, "ScVolumeFolder")

    tf.apply(config(moved=True))  # the move leaves acc/gone/deep empty: both levels go
    volumes = folder_paths(probe, "ScVolumeFolder")
    assert "acc/moved" in volumes and not {"acc/gone", "acc/gone/deep"} & volumes

    plan = tf.run("plan", "-destroy", "-no-color", "-input=false").output
    warned = {d.summary: d for d in diagnostics(plan) if d.severity == "Warning"}
    kept = warned["Volume Will Be Kept: 'acc-keep'"]
    assert "renamed 'Unmanaged_acc-keep'" in kept.detail
    assert (kept.address, kept.argument) == ("dellsc_volume.keep", "deletion_policy")
    assert "Snapshot Will Be Kept For A Day: 'acc-snap'" in warned
    assert "1 member volume(s)" in warned["Consistency Group Will Be Kept: 'acc-group'"].detail

    tf.run("destroy", "-auto-approve", "-no-color", "-input=false")
    assert probe.volume("Unmanaged_acc-keep")["volumeFolderPath"].strip("/") == "acc/keep"
    assert folder_paths(probe, "ScVolumeFolder") == {"acc", "acc/keep", "user"}, (
        "empty folders this provider made are gone; the one holding the kept volume, its "
        "parent and the user's folder stay"
    )
    assert folder_paths(probe, "ScServerFolder") == set()
    assert probe.volume("stranger")
    profiles = probe.api("POST", "StorageCenter/ScReplayProfile/GetList", {})
    assert "acc-group" in {p["name"] for p in profiles}, "UNMANAGE keeps the group"
