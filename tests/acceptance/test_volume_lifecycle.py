"""dellsc_volume through real Terraform: create, grow, rename, retype, shrink, destroy."""

from __future__ import annotations

import re

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
ADDR = "dellsc_volume.v"


def test_volume_lifecycle(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    tf.write(volume(size_gb=2))
    tf.init()
    assert tf.actions(ADDR) == ["create"]

    tf.apply()
    created = tf.values(ADDR)
    assert re.fullmatch(r"64702\.\d+", created["id"])
    assert re.fullmatch(r"[0-9a-f]{32}", created["wwn"])
    assert created["size_bytes"] == 2 * GIB
    assert created["deletion_policy"] == "DELETE"
    assert created["storage_profile"] and created["replay_profiles"]
    assert probe.configured_bytes("acc-vol") == 2 * GIB
    assert tf.plan_exit_code() == 0, "second plan after create must be empty"

    tf.write(volume(size_gb=4))
    mutations = probe.mutations()
    assert tf.actions(ADDR) == ["update"]
    assert probe.mutations() == mutations, "plan must not change anything on the array"
    tf.apply()
    assert probe.configured_bytes("acc-vol") == 4 * GIB
    assert tf.values(ADDR)["id"] == created["id"]
    assert tf.plan_exit_code() == 0

    tf.write(volume("acc-renamed", size_gb=4))
    assert tf.actions(ADDR) == ["update"]
    tf.apply()
    assert "acc-renamed" in probe.volume_names() and "acc-vol" not in probe.volume_names()
    assert tf.plan_exit_code() == 0

    before, mutations = probe.snapshot(), probe.mutations()
    tf.write(volume("acc-renamed", size_gb=3))
    failed = tf.run("plan", "-no-color", "-input=false", ok=False)
    assert "Volume Cannot Shrink" in failed.output
    assert "size_gb" in failed.output
    assert probe.snapshot() == before and probe.mutations() == mutations

    tf.write(volume("acc-renamed", size_gb=4, storage_profile="Low Priority"))
    planned = tf.run("plan", "-no-color", "-input=false")
    assert "Retype In Place: storage_profile" in planned.output
    assert "must be replaced" not in planned.output
    tf.apply()
    assert tf.values(ADDR)["storage_profile"] == "Low Priority"
    assert tf.values(ADDR)["id"] == created["id"]
    assert tf.plan_exit_code() == 0

    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert "acc-renamed" not in probe.volume_names()


def test_unmanage_keeps_the_volume_renamed(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(volume("keep-me", deletion_policy="UNMANAGE"))
    tf.init()
    tf.apply()
    volume_id = tf.values(ADDR)["id"]
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    kept = probe.volume("Unmanaged_keep-me")
    assert kept["instanceId"] == volume_id
    assert tf.state_addresses() == []


def test_prevent_blocks_destroy(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(volume("precious", deletion_policy="PREVENT"))
    tf.init()
    tf.apply()
    mutations = probe.mutations()
    failed = tf.run("destroy", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Volume Deletion Prevented" in failed.output
    assert "precious" in probe.volume_names()
    assert probe.mutations() == mutations
    tf.apply(volume("precious", deletion_policy="DELETE"))
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert "precious" not in probe.volume_names()


def test_volume_deleted_outside_terraform_is_recreated(
    tf_any: Terraform, probe: ArrayProbe
) -> None:
    tf = tf_any
    tf.write(volume("vanishing"))
    tf.init()
    tf.apply()
    old_id = tf.values(ADDR)["id"]
    probe.api("DELETE", f"StorageCenter/ScVolume/{old_id}")
    assert tf.actions(ADDR) == ["create"]
    tf.apply()
    assert tf.values(ADDR)["id"] != old_id
    assert "vanishing" in probe.volume_names()
    assert tf.plan_exit_code() == 0


def test_failed_read_back_keeps_the_created_volume_in_state(
    tf_any: Terraform, probe: ArrayProbe
) -> None:
    """A create that fails half-way saves what exists (tainted); the next apply replaces it."""
    tf = tf_any
    tf.write(volume("half-done"))
    tf.init()
    probe.admin("POST", "faults", {
        "method": "GET", "path": "StorageCenter/ScVolume/[^/]+/VolumeConfiguration",
        "action": "status", "status": 500, "message": "injected", "nth": 1, "count": 20,
    })  # fmt: skip
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Volume Created But Not Read Back" in failed.output
    first_id = tf.values(ADDR)["id"]
    assert tf.state_addresses() == [ADDR]
    probe.admin("DELETE", "faults")
    assert tf.actions(ADDR) == ["delete", "create"], "a tainted volume is replaced"
    tf.apply()
    assert tf.values(ADDR)["id"] != first_id
    assert [v["name"] for v in probe.volumes()].count("half-done") == 1
    assert tf.plan_exit_code() == 0
