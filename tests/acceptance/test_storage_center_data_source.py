"""dellsc_storage_center through real Terraform: identity, capacity and profile names."""

from __future__ import annotations

import json

import pytest

from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
CONFIG = """
provider "dellsc" {}

data "dellsc_storage_center" "this" {}

output "sc" {
  value = data.dellsc_storage_center.this
}
"""


def test_storage_center_data_source(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    tf.write(CONFIG)
    tf.init()
    mutations = probe.mutations()
    tf.apply()
    sc = json.loads(tf.run("output", "-json", "sc").stdout)
    assert probe.mutations() == mutations, "reading a data source must not change the array"

    usage = probe.api("GET", "StorageCenter/StorageCenter/64702/StorageUsage")
    assert sc["ssn"] == 64702
    assert sc["total_capacity_gb"] == int(float(usage["availableSpace"].split()[0])) // GIB
    assert sc["free_capacity_gb"] == int(float(usage["freeSpace"].split()[0])) // GIB
    assert sc["api_version"] == "4.1"
    assert {"Recommended", "High Priority", "Low Priority"} <= set(sc["storage_profiles"])
    assert {"Daily", "Weekly"} <= set(sc["replay_profiles"])
    assert len(sc["volume_qos_profiles"]) == 2 and len(sc["group_qos_profiles"]) == 2
    assert len(sc["data_reduction_profiles"]) == 3
