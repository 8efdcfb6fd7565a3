"""dellsc_server and dellsc_volume_mapping through real Terraform, asserted over REST."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.configs_servers import PROVIDER, mapping, server, volume
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
IQN1 = "iqn.1993-08.org.debian:01:acc0001"
IQN2 = "iqn.1994-05.com.redhat:acc0002"
WWPN1, WWPN2 = "21000024FF30441D", "21000024ff30441e"
SERVER, MAPPING = "dellsc_server.s", "dellsc_volume_mapping.m"


def get_list(probe: ArrayProbe, kind: str, **conditions: Any) -> list[dict[str, Any]]:
    filters = [{"attributeName": "scSerialNumber", "attributeValue": probe.ssn,
                "filterType": "Equals"}] + [
        {"attributeName": k, "attributeValue": v, "filterType": "Equals"}
        for k, v in conditions.items()
    ]  # fmt: skip
    body = {"filter": {"filterType": "AND", "filters": filters}}
    return list(probe.api("POST", f"StorageCenter/{kind}/GetList", body))


def servers_named(probe: ArrayProbe, name: str) -> list[dict[str, Any]]:
    return [s for s in get_list(probe, "ScServer") if s["name"] == name]


def hba_names(probe: ArrayProbe, server_id: str) -> set[str]:
    return {
        h["instanceName"] for h in probe.api("GET", f"StorageCenter/ScServer/{server_id}/HbaList")
    }


def profiles(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    return list(probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList"))


def iscsi_paths(probe: ArrayProbe, volume_id: str, server_id: str) -> set[tuple[str, str]]:
    """(target IQN, portal) of every iSCSI path, from the array's own answers."""
    paths = set()
    for row in probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingList"):
        if row["server"]["instanceId"] != server_id or row["transport"] != "Iscsi":
            continue
        port_id = row["controllerPort"]["instanceId"]
        port = probe.api("GET", f"StorageCenter/ScControllerPort/{port_id}")
        for domain in probe.api("GET", f"StorageCenter/ScControllerPort/{port_id}/FaultDomainList"):
            paths.add((port["iscsiName"], f"{domain['targetIpv4Address']}:{domain['portNumber']}"))
    return paths


def test_server_and_mapping_lifecycle(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    config = PROVIDER + volume() + mapping()
    tf.write(config + server(name="acc-host", iscsi_initiators=[IQN1],
                             operating_system="red hat linux 7.x"))  # fmt: skip
    tf.init()
    tf.apply()
    srv, mapped = tf.values(SERVER), tf.values(MAPPING)
    [on_array] = servers_named(probe, "acc-host")
    assert srv["id"] == on_array["instanceId"] and srv["ssn"] == 64702
    assert on_array["operatingSystem"]["instanceName"] == "Red Hat Linux 7.x"
    assert srv["operating_system"] == "red hat linux 7.x", "configured spelling kept"
    assert hba_names(probe, srv["id"]) == {IQN1}
    volume_id = tf.values("dellsc_volume.v")["id"]
    [profile] = profiles(probe, volume_id)
    assert mapped["id"] == profile["instanceId"] and mapped["server_id"] == srv["id"]
    assert mapped["lun"] == profile["lunUsed"][0]
    assert mapped["transport"] == ["Iscsi"] and mapped["fc_target_wwns"] == []
    paths = set(zip(mapped["iscsi_target_iqns"], mapped["iscsi_target_portals"], strict=True))
    assert paths and paths == iscsi_paths(probe, volume_id, srv["id"])
    assert tf.plan_exit_code() == 0, "second plan after create must be empty"

    tf.write(config + server(name="acc-host", iscsi_initiators=[IQN1, IQN2],
                             operating_system="red hat linux 7.x", notes="db tier"))  # fmt: skip
    mutations = probe.mutations()
    assert tf.actions(SERVER) == ["update"], "a second initiator is added in place"
    assert probe.mutations() == mutations, "plan must not change anything on the array"
    tf.apply()
    assert tf.values(SERVER)["id"] == srv["id"]
    assert hba_names(probe, srv["id"]) == {IQN1, IQN2}
    assert probe.api("GET", f"StorageCenter/ScServer/{srv['id']}")["notes"] == "db tier"
    assert tf.plan_exit_code() == 0

    probe.api("DELETE", f"StorageCenter/ScMappingProfile/{mapped['id']}")
    assert tf.actions(MAPPING) == ["create"], "a mapping removed outside is restored"
    tf.apply()
    [restored] = profiles(probe, volume_id)
    assert restored["server"]["instanceId"] == srv["id"]
    assert tf.values(MAPPING)["id"] == restored["instanceId"]
    assert tf.plan_exit_code() == 0

    tf.write(config + server(name="acc-host-2", iscsi_initiators=[IQN2], notes="db tier",
                             operating_system="red hat linux 7.x"))  # fmt: skip
    assert tf.actions(SERVER) == ["update"]
    tf.apply()
    assert hba_names(probe, srv["id"]) == {IQN2}, "an initiator is removed in place"
    assert servers_named(probe, "acc-host-2")[0]["instanceId"] == srv["id"]
    assert tf.plan_exit_code() == 0

    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert servers_named(probe, "acc-host-2") == []
    assert "acc-mapped" not in probe.volume_names()
