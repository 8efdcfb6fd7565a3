"""A Storage Center taken down and brought back up (admin `storage_centers/{ssn}/down|up`)."""

from __future__ import annotations

from .conftest import SSN, Dsm
from .test_protection import DEST, active_volume, qos_node


def replicate(dsm: Dsm, vid: str) -> dict[str, str]:
    body = {
        "DestinationStorageCenter": DEST,
        "QosNode": qos_node(dsm, SSN),
        "SourceVolume": vid,
        "StorageCenter": SSN,
        "Type": "Asynchronous",
        "DestinationVolumeAttributes": {"Name": "Cinder repl of down"},
    }
    return dict(dsm.ok("POST", "StorageCenter/ScReplication", body))


def test_objects_of_a_down_sc_are_unreachable_until_it_is_up(pair: Dsm) -> None:
    dsm = pair
    vid = active_volume(dsm, "down")
    repl = replicate(dsm, vid)
    dest = repl["destinationVolume"]["instanceId"]
    before = dsm.admin("GET", "state")

    switched = dsm.admin("POST", f"storage_centers/{SSN}/down")
    assert switched["connected"] is False and switched["status"] == "Down"
    listed = {sc["scSerialNumber"]: sc for sc in dsm.get("StorageCenter/StorageCenter")}
    assert listed[SSN]["connected"] is False and listed[DEST]["connected"] is True
    for path in (
        f"StorageCenter/ScVolume/{vid}",
        f"StorageCenter/ScVolume/{vid}/ReplayList",
        f"StorageCenter/ScReplication/{repl['instanceId']}",
        f"StorageCenter/StorageCenter/{SSN}/StorageUsage",
    ):
        reply = dsm.request("GET", path)
        assert reply.status_code == 500 and "not connected" in reply.json()["result"], path
    asked = dsm.request(
        "POST",
        "StorageCenter/ScVolume/GetList",
        {"filter": {"filterType": "AND", "filters": [
            {"attributeName": "scSerialNumber", "attributeValue": SSN, "filterType": "Equals"}
        ]}},
    )  # fmt: skip
    assert asked.status_code == 500, "an empty list would say the volumes are gone"
    assert {v["scSerialNumber"] for v in dsm.get_list("ScVolume")} == {DEST}
    # the surviving SC still works: the destination can be broken off and used
    assert dsm.get(f"StorageCenter/ScVolume/{dest}")["replicationDestination"] is True
    assert dsm.call("POST", f"StorageCenter/ScVolume/{dest}/Unmap", {}).ok
    refused = dsm.call("POST", f"StorageCenter/ScVolume/{vid}/Unmap", {})
    assert refused.status_code == 500

    dsm.admin("POST", f"storage_centers/{SSN}/up")
    assert dsm.get(f"StorageCenter/ScVolume/{vid}")["instanceId"] == vid
    after = dsm.admin("GET", "state")["objects"]
    assert after["ScVolume"][vid] == before["objects"]["ScVolume"][vid]
    assert after["ScReplication"][repl["instanceId"]]["state"] == "Down"


def test_live_volume_stays_reachable_through_its_surviving_side(pair: Dsm) -> None:
    dsm = pair
    vid = active_volume(dsm, "lv-down")
    nodes = [qos_node(dsm, SSN), qos_node(dsm, DEST)]
    body = {
        "PrimaryVolume": vid,
        "PrimaryQosNode": nodes[0],
        "SecondaryQosNode": nodes[1],
        "SecondaryStorageCenter": DEST,
        "StorageCenter": SSN,
        "SecondaryVolumeAttributes": {"Name": "lv-down"},
    }
    lv = dsm.ok("POST", "StorageCenter/ScLiveVolume", body)
    dsm.admin("POST", f"storage_centers/{SSN}/down")
    [listed] = dsm.get(f"StorageCenter/StorageCenter/{DEST}/LiveVolumeList")
    assert listed["instanceId"] == lv["instanceId"]
    assert dsm.call("POST", f"StorageCenter/ScLiveVolume/{lv['instanceId']}/SwapRoles", {}).ok
    swapped = dsm.get(f"StorageCenter/ScLiveVolume/{lv['instanceId']}")
    assert swapped["primaryScSerialNumber"] == DEST
    dsm.admin("POST", f"storage_centers/{SSN}/up")


def test_sync_modes(pair: Dsm) -> None:
    dsm = pair
    vid = active_volume(dsm, "modes")
    nodes = [qos_node(dsm, SSN), qos_node(dsm, DEST)]
    live = {
        "PrimaryVolume": vid,
        "PrimaryQosNode": nodes[0],
        "SecondaryQosNode": nodes[1],
        "SecondaryStorageCenter": DEST,
        "StorageCenter": SSN,
        "Type": "Synchronous",
        "SyncMode": "HighConsistency",
    }
    refused = dsm.call("POST", "StorageCenter/ScLiveVolume", live)
    assert refused.status_code == 400 and "HighAvailability" in refused.json()["result"]
    repl = {
        "DestinationStorageCenter": DEST,
        "QosNode": nodes[0],
        "SourceVolume": vid,
        "StorageCenter": SSN,
        "Type": "Asynchronous",
        "SyncMode": "HighConsistency",
    }
    assert dsm.call("POST", "StorageCenter/ScReplication", repl).status_code == 400
    made = dsm.ok("POST", "StorageCenter/ScReplication", repl | {"Type": "Synchronous"})
    assert made["syncMode"] == "HighConsistency" and made["replicateActiveReplay"] is True
