"""Sets of ids with elements known only after apply (volumes made in the same apply) plan as
in-place updates: `dellsc_replication_plan.volume_ids` and `dellsc_consistency_group.volume_ids`
(the two resource attributes that hold ids), on both Terraform versions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays
from tests.acceptance.conftest import PASSWORD
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))) as server:
        yield server


def config(count: int) -> str:
    return f"""
provider "dellsc" {{
  ssn = {PRIMARY}
}}

resource "dellsc_volume" "db" {{
  count   = {count}
  name    = "disk-${{count.index}}"
  size_gb = 1
}}

resource "dellsc_consistency_group" "db" {{
  name       = "db-group"
  volume_ids = dellsc_volume.db[*].id
}}

resource "dellsc_replication_plan" "db" {{
  name            = "db"
  destination_ssn = {SECONDARY}
  volume_ids      = dellsc_volume.db[*].id
}}
"""


def test_a_new_volume_joins_plan_and_group_in_the_same_apply(
    tf_any: Terraform, probe: ArrayProbe
) -> None:
    tf, arrays = tf_any, Arrays(probe)
    tf.write(config(2))
    tf.init()
    tf.apply()
    assert tf.plan_exit_code() == 0
    first = {r["sourceVolume"]["instanceId"]: r["instanceId"] for r in arrays.replications()}

    tf.write(config(3))  # "add a disk to the database"
    plan = tf.plan_json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions["dellsc_volume.db[2]"] == ["create"]
    assert actions["dellsc_consistency_group.db"] == ["update"], "in place, not replaced"
    assert actions["dellsc_replication_plan.db"] == ["update"], "in place, not replaced"
    tf.run("apply", "-input=false", "-no-color", "tfplan")
    assert tf.plan_exit_code() == 0

    volumes = {v["name"]: v["instanceId"] for v in arrays.volumes(PRIMARY)}
    assert set(volumes) == {"disk-0", "disk-1", "disk-2"}
    replications = {r["sourceVolume"]["instanceId"]: r for r in arrays.replications()}
    assert set(replications) == set(volumes.values()), "the new disk replicates too"
    for source, replication_id in first.items():
        assert replications[source]["instanceId"] == replication_id, "the others untouched"
    assert set(arrays.by_name(SECONDARY)) == {f"Cinder repl of disk-{i}" for i in range(3)}
    [group] = [p for p in arrays.objects("ScReplayProfile") if p["name"] == "db-group"]
    members = {
        c["instanceId"]
        for c in arrays.objects("ScVolumeConfiguration")
        if any(r["instanceId"] == group["instanceId"] for r in c["replayProfileList"])
    }
    assert members == set(volumes.values()), "the new disk joined the group"
