"""A volume left pending by a create of an earlier version that died is adopted by the next
apply, and brought to the configuration in place (here: grown), never duplicated."""

from __future__ import annotations

import re

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance


def test_pending_volume_from_a_dead_run_is_adopted_and_converged(
    tf: Terraform, probe: ArrayProbe
) -> None:
    left = probe.api("POST", "StorageCenter/ScVolume", {
        "Name": "orphan-candidate", "Size": "1 GB", "StorageCenter": 64702,
        "Notes": "Created by terraform-provider-dellsc [dellsc:pending 0123456789abcdef]",
    })  # fmt: skip
    tf.write(volume("orphan-candidate", size_gb=3))
    tf.init()
    out = tf.apply().output
    assert "Adopted An Unfinished Volume" in out and left["instanceId"] in out
    adopted = probe.volume("orphan-candidate")
    assert adopted["instanceId"] == left["instanceId"]
    assert probe.configured_bytes("orphan-candidate") == 3 * GIB
    assert re.fullmatch(  # the earlier version's pending mark gives way to the owner mark
        r"Created by terraform-provider-dellsc \[dellsc:owner [0-9a-f]{16}\]", adopted["notes"]
    ), adopted["notes"]
    assert tf.values("dellsc_volume.v")["id"] == left["instanceId"]
    assert tf.plan_exit_code() == 0


@pytest.mark.faults
def test_unmanage_answered_404_while_the_volume_exists_fails(
    tf: Terraform, probe: ArrayProbe
) -> None:
    tf.write(volume("kept", deletion_policy="UNMANAGE"))
    tf.init()
    tf.apply()
    volume_id = tf.values("dellsc_volume.v")["id"]
    probe.admin("POST", "faults", {"method": "PUT", "path": f"ScVolume/{volume_id}$",
                                   "action": "status", "status": 404})  # fmt: skip
    failed = tf.run("destroy", "-auto-approve", "-input=false", "-no-color", ok=False)
    text = " ".join(failed.output.split())
    assert "it was not renamed" in text and volume_id in text
    assert tf.state_addresses() == ["dellsc_volume.v"]
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert probe.volume("Unmanaged_kept")["instanceId"] == volume_id
