"""The shipped mock defaults (examples/testing/dellsc.tfmock.hcl) make plan-only module tests
work with no array and no emulator: every resource and data source of the provider, their IDs
fed into every argument that validates one, through real `terraform test`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.acceptance.harness import Terraform

pytestmark = pytest.mark.acceptance
MOCKS = Path(__file__).resolve().parents[2] / "examples" / "testing" / "dellsc.tfmock.hcl"

EVERY_TYPE = """
data "dellsc_storage_center" "sc" {}
data "dellsc_volume" "v" { name = "existing" }
data "dellsc_volumes" "all" {}
data "dellsc_server" "s" { name = "existing" }
data "dellsc_server_cluster" "c" { name = "existing" }
data "dellsc_snapshot" "snap" {
  volume_id = data.dellsc_volume.v.id
  name      = "existing"
}
data "dellsc_snapshots" "snaps" { volume_id = data.dellsc_volume.v.id }
data "dellsc_storage_profiles" "p" {}
data "dellsc_snapshot_profiles" "p" {}
data "dellsc_qos_profiles" "p" {}
data "dellsc_data_reduction_profiles" "p" {}

resource "dellsc_volume" "v" {
  name    = "data"
  size_gb = 10
}
resource "dellsc_snapshot" "s" {
  volume_id = dellsc_volume.v.id
  name      = "before"
}
resource "dellsc_volume" "from_snapshot" {
  name               = "copy"
  size_gb            = 10
  source_snapshot_id = dellsc_snapshot.s.id
}
resource "dellsc_volume" "clone" {
  name             = "clone"
  size_gb          = 10
  source_volume_id = data.dellsc_volume.v.id
}
resource "dellsc_server" "esx" {
  name             = "esx01"
  iscsi_initiators = ["iqn.1998-01.com.vmware:esx01"]
}
resource "dellsc_server_cluster" "c" {
  name       = "esx-prod"
  server_ids = [dellsc_server.esx.id, data.dellsc_server.s.id]
}
resource "dellsc_volume_mapping" "to_server" {
  volume_id = dellsc_volume.v.id
  server_id = dellsc_server.esx.id
}
resource "dellsc_volume_mapping" "to_cluster" {
  volume_id = dellsc_volume.clone.id
  server_id = dellsc_server_cluster.c.id
}
resource "dellsc_volume_mapping" "to_existing" {
  volume_id = data.dellsc_snapshot.snap.volume_id
  server_id = data.dellsc_server_cluster.c.id
}
resource "dellsc_consistency_group" "g" {
  name       = "db"
  volume_ids = [dellsc_volume.v.id, dellsc_volume.from_snapshot.id]
}
resource "dellsc_consistency_group_snapshot" "gs" {
  consistency_group_id = dellsc_consistency_group.g.id
  name                 = "nightly"
}
resource "dellsc_replication_plan" "dr" {
  name            = "dr"
  destination_ssn = data.dellsc_storage_center.sc.ssn + 1
  volume_ids      = [dellsc_volume.v.id]
}
"""

ASSERTIONS = {
    "dellsc_volume.v.id": "instance",
    "dellsc_snapshot.s.id": "snapshot",
    "dellsc_server_cluster.c.id": "instance",
    "dellsc_volume_mapping.to_cluster.id": "instance",
    "dellsc_consistency_group_snapshot.gs.id": "group_snapshot",
    "dellsc_replication_plan.dr.id": "replication_plan",
    "data.dellsc_snapshot.snap.id": "snapshot",
}


def test_every_type_plans_against_the_mocks(tf_any: Terraform) -> None:
    """On 1.11 and 1.15; and what testing-modules.md says of `expect_failures`: it cannot
    catch an error the provider reports (here a validator's), even against mocks."""
    tf = tf_any
    tf.write(EVERY_TYPE)
    (tf.workdir / "tests" / "mocks").mkdir(parents=True)
    shutil.copy(MOCKS, tf.workdir / "tests" / "mocks")
    asserts = "".join(
        f'  assert {{\n    condition = provider::dellsc::parse_id({ref}).object == "{kind}"\n'
        f'    error_message = "{ref}"\n  }}\n'
        for ref, kind in ASSERTIONS.items()
    )
    (tf.workdir / "tests" / "plan.tftest.hcl").write_text(
        'mock_provider "dellsc" {\n  source = "./tests/mocks"\n  override_during = plan\n}\n'
        f'run "plan" {{\n  command = plan\n{asserts}}}\nrun "apply" {{}}\n'
    )
    tf.init()
    tested = tf.run("test", "-no-color", extra_env={"DELLSC_ENDPOINT": ""})
    assert "Success! 2 passed, 0 failed." in tested.stdout, tested.output

    (tf.workdir / "limits").mkdir()
    (tf.workdir / "limits" / "provider_error.tftest.hcl").write_text(
        'mock_provider "dellsc" {\n  source = "./tests/mocks"\n}\n'
        'run "bad_id" {\n  command = plan\n  variables {\n    bad = "esx01"\n  }\n'
        "  expect_failures = [dellsc_volume_mapping.bad]\n}\n"
    )
    (tf.workdir / "bad.tf").write_text(
        'variable "bad" {\n  type    = string\n  default = null\n}\n'
        'resource "dellsc_volume_mapping" "bad" {\n  count     = var.bad == null ? 0 : 1\n'
        "  volume_id = dellsc_volume.v.id\n  server_id = var.bad\n}\n"
    )
    failed = tf.run("test", "-no-color", "-test-directory=limits", ok=False).output
    assert (
        "server_id must be a server instance ID" in failed and "Missing expected failure" in failed
    ), failed
