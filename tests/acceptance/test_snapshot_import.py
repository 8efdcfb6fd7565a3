"""Importing snapshots (by id, by volume and name) and bad snapshot / source input."""

from __future__ import annotations

import pytest

from tests.acceptance.configs_snap import PROVIDER, snapshot, volume
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
SERVER = "64702.1"  # the seeded physical server


def existing_volume_with_replays(probe: ArrayProbe, *descriptions: str) -> tuple[str, list[str]]:
    """A 3 GiB volume made outside Terraform with one replay per description (left unmapped)."""
    made = probe.admin("POST", "volumes", {"ssn": 64702, "name": "legacy", "size_bytes": 3 * GIB})
    volume_id = str(made["volumes"][0]["instanceId"])
    path = f"StorageCenter/ScVolume/{volume_id}"
    profile = probe.api("POST", f"{path}/MapToServer", {"server": SERVER})
    ids = [
        probe.api("POST", f"{path}/CreateReplay", {"description": d, "expireTime": 0})["instanceId"]
        for d in descriptions
    ]
    probe.api("DELETE", f"StorageCenter/ScMappingProfile/{profile['instanceId']}")
    return volume_id, ids


def test_import_and_bad_input(tf: Terraform, probe: ArrayProbe) -> None:
    volume_id, (legacy, _, _, expired) = existing_volume_with_replays(
        probe, "legacy-snap", "twin", "twin", "expired"
    )
    probe.api("POST", f"StorageCenter/ScReplay/{expired}/Expire", {})
    base = PROVIDER + snapshot("s", volume_id, "legacy-snap") + snapshot("t", volume_id, "twin")
    tf.write(base)
    tf.init()
    before, mutations = probe.snapshot(), probe.mutations()

    tf.run("import", "-input=false", "-no-color", "dellsc_snapshot.s", legacy)
    state = tf.values("dellsc_snapshot.s")
    assert (state["id"], state["volume_id"], state["name"]) == (legacy, volume_id, "legacy-snap")
    assert state["expire_minutes"] == 0 and state["deletion_policy"] == "DELETE"
    tf.run("state", "rm", "dellsc_snapshot.s")
    tf.run(
        "import", "-input=false", "-no-color", "dellsc_snapshot.s", f"{volume_id}/name:legacy-snap"
    )
    assert tf.values("dellsc_snapshot.s")["id"] == legacy

    for import_id, message in (
        (f"{volume_id}/name:twin", "Snapshot Name Not Unique"),
        (f"{volume_id}/name:nothing", "Snapshot Not Found"),
        ("legacy-snap", "Invalid Import ID"),
        (f"{volume_id}/legacy-snap", "Invalid Import ID"),
    ):
        failed = tf.run("import", "-input=false", "-no-color", "dellsc_snapshot.t", import_id,
                        ok=False)  # fmt: skip
        assert message in failed.output, failed.output
    assert tf.state_addresses() == ["dellsc_snapshot.s"]
    assert probe.snapshot() == before and probe.mutations() == mutations, "import is read-only"

    # bad values known at validate time: each diagnostic names its attribute
    tf.write(
        PROVIDER
        + snapshot("s", volume_id, "legacy-snap")
        + snapshot("long", volume_id, "n" * 31)
        + snapshot("negative", volume_id, "neg", expire_minutes=-5)
        + volume("both", "acc-both", 3, source_snapshot_id=legacy, source_volume_id=volume_id)
    )
    failed = tf.run("plan", "-input=false", "-no-color", ok=False)
    assert "Invalid name" in failed.output and "name must be between 1 and 30" in failed.output
    assert "expire_minutes must be at least 0, got -5" in failed.output
    assert "Conflicting Volume Sources" in failed.output
    assert "source_snapshot_id and source_volume_id" in failed.output

    # bad values only the array can judge: plan-time errors, nothing sent to the array
    tf.write(
        PROVIDER
        + snapshot("s", volume_id, "legacy-snap")
        + snapshot("nowhere", "64702.99999", "lost")
        + volume("missing", "acc-missing", 3, source_snapshot_id=f"{volume_id}.999")
        + volume("expired", "acc-expired", 3, source_snapshot_id=expired)
        + volume("smaller", "acc-smaller", 2, source_volume_id=volume_id)
        + volume("smaller_view", "acc-smaller-view", 2, source_snapshot_id=legacy)
    )
    failed = tf.run("plan", "-input=false", "-no-color", ok=False)
    assert "volume_id '64702.99999' names no volume" in failed.output
    assert failed.output.count("Source Snapshot Not Found") == 2
    assert f"source_snapshot_id '{expired}' names no live snapshot" in failed.output
    assert failed.output.count("Volume Smaller Than Its Source") == 2
    assert "size_gb = 2 is smaller than the source (3 GiB)" in failed.output
    assert probe.snapshot() == before and probe.mutations() == mutations

    tf.write(base.replace(snapshot("t", volume_id, "twin"), ""))
    assert tf.plan_exit_code() == 0, "plan after import must be empty"

    # renamed in place; expired outside Terraform, it leaves the state and is planned anew
    tf.apply(PROVIDER + snapshot("s", volume_id, "legacy-renamed"))
    assert tf.values("dellsc_snapshot.s")["id"] == legacy
    assert probe.api("GET", f"StorageCenter/ScReplay/{legacy}")["description"] == "legacy-renamed"
    assert tf.plan_exit_code() == 0
    probe.api("POST", f"StorageCenter/ScReplay/{legacy}/Expire", {})
    assert tf.actions("dellsc_snapshot.s") == ["create"]
