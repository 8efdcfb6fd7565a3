"""What the provider makes for a moment (an activation mapping, a clone's marker snapshot) is
never left behind: a failure names what was left, and the next apply removes it.
"""

from __future__ import annotations

import re

import pytest

from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_day_two import live_replays

pytestmark = pytest.mark.acceptance
SNAPSHOT = """
provider "dellsc" {}

resource "dellsc_volume" "src" {
  name    = "tmp-src"
  size_gb = 1
}

resource "dellsc_snapshot" "s" {
  volume_id = dellsc_volume.src.id
  name      = "tmp-snap"
}
"""
CLONE = """
resource "dellsc_volume" "clone" {
  name             = "tmp-clone"
  size_gb          = 1
  source_volume_id = dellsc_volume.src.id
}
"""


def profiles(probe: ArrayProbe, volume_id: str) -> list[dict[str, object]]:
    return list(probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList"))


def test_activation_and_clone_leftovers_are_removed_by_the_next_apply(
    tf: Terraform, probe: ArrayProbe
) -> None:
    hosts = {s["instanceId"] for s in probe.api("POST", "StorageCenter/ScServer/GetList", {})}
    tf.write(SNAPSHOT)
    tf.init()
    # the activation's unmap fails: the snapshot is not taken, the error names the mapping
    probe.admin("POST", "faults", {"method": "DELETE", "path": "ScMappingProfile/",
                                   "action": "status", "status": 500, "count": 3})  # fmt: skip
    failed = " ".join(tf.run("apply", "-auto-approve", "-no-color", ok=False).output.split())
    assert "'dellsc-activation'" in failed and "reaches no host" in failed, failed
    assert "the next apply that snapshots or deletes the volume removes it" in failed
    src = probe.volume("tmp-src")["instanceId"]
    (left,) = profiles(probe, src)
    assert left["server"]["instanceName"] == "dellsc-activation"  # type: ignore[index]
    assert left["server"]["instanceId"] not in hosts, "never an existing host"  # type: ignore[index]
    probe.admin("DELETE", "faults")
    tf.apply()
    assert profiles(probe, src) == []

    # the clone's copy fails and its marker snapshot cannot be expired at once either
    tf.write(SNAPSHOT + CLONE)
    probe.admin("POST", "faults", {"method": "POST", "path": "ScCopyMirrorMigrate/Copy$",
                                   "action": "status", "status": 400})  # fmt: skip
    probe.admin("POST", "faults", {"method": "POST", "path": r"ScReplay/[\d.]+/Expire$",
                                   "action": "status", "status": 500})  # fmt: skip
    failed = " ".join(tf.run("apply", "-auto-approve", "-no-color", ok=False).output.split())
    assert "Volume Clone Not Finished" in failed and "The next apply copies it again" in failed
    assert re.search(r"Its marker snapshot \([\d.]+\) of volume", failed), failed
    assert len(live_replays(probe, src)) == 2, "the snapshot and the marker the failure left"
    probe.admin("DELETE", "faults")
    out = tf.apply().output
    assert "Adopted An Unfinished Volume" in out, out
    (kept,) = live_replays(probe, src)
    assert kept["description"] == "tmp-snap", "no marker snapshot left"
    assert "[dellsc:copying]" not in probe.volume("tmp-clone")["notes"]
    assert tf.plan_exit_code() == 0
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert {v["name"] for v in probe.volumes() if not v["inRecycleBin"]} == set()
