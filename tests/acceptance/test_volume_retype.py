"""Retype: every profile attribute changes in place, the plan warns, the array follows."""

from __future__ import annotations

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
ADDR = "dellsc_volume.v"
RETYPED = {
    "storage_profile": "highpriority",  # spaces and case are ignored, as the array does
    "replay_profiles": ["Daily", "Weekly"],
    "volume_qos_profile": "Premium",
    "group_qos_profile": "Group Limited",
    "data_reduction_profile": "Compression",
}


def test_retype_every_profile_in_place(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(volume("retyped"))
    tf.init()
    tf.apply()
    volume_id = tf.values(ADDR)["id"]

    tf.write(volume("retyped", **RETYPED))  # type: ignore[arg-type]
    planned = tf.run("plan", "-no-color", "-input=false")
    for attribute in RETYPED:
        assert f"Retype In Place: {attribute}" in planned.output
    assert "1 to change, 0 to destroy" in planned.output
    tf.apply()

    state = tf.values(ADDR)
    assert state["id"] == volume_id
    assert state["storage_profile"] == "highpriority", "the configured spelling is kept"
    config = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/VolumeConfiguration")
    config = config[0] if isinstance(config, list) else config
    assert config["storageProfile"]["instanceName"] == "High Priority"
    assert sorted(r["instanceName"] for r in config["replayProfileList"]) == ["Daily", "Weekly"]
    assert config["volumeQosProfile"]["instanceName"] == "Premium"
    assert config["groupQosProfile"]["instanceName"] == "Group Limited"
    assert config["dataReductionProfile"]["instanceName"] == "Compression"
    assert tf.plan_exit_code() == 0

    # Changed outside Terraform: the next plan shows the drift and puts it back in place.
    profiles = probe.api("POST", "StorageCenter/ScStorageProfile/GetList", {})
    recommended = next(p["instanceId"] for p in profiles if p["name"] == "Recommended")
    probe.api("PUT", f"StorageCenter/ScVolumeConfiguration/{volume_id}",
              {"storageProfile": recommended})  # fmt: skip
    drift = tf.run("plan", "-no-color", "-input=false")
    assert '~ storage_profile        = "Recommended" -> "highpriority"' in drift.output
    assert "must be replaced" not in drift.output
