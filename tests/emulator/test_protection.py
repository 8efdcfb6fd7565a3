"""Consistency groups, replication, Live Volume, copies (two SCs)."""

from __future__ import annotations

from .conftest import SSN, Dsm

DEST = 64703


def active_volume(dsm: Dsm, name: str, ssn: int = SSN) -> str:
    vid = str(dsm.create_volume(name, StorageCenter=ssn)["instanceId"])
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": f"{ssn}.1"})
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/Unmap", {})
    return vid


def qos_node(dsm: Dsm, ssn: int) -> str:
    """A replication QoS node on SC `ssn`; its instance id."""
    body = {"LinkSpeed": "1 Gbps", "Name": "q", "StorageCenter": ssn}
    return str(dsm.ok("POST", "StorageCenter/ScReplicationQosNode", body)["instanceId"])


def test_consistency_group_snapshot(dsm: Dsm) -> None:
    body = {"StorageCenter": SSN, "Name": "cg-1", "Type": "Consistent", "Notes": "n"}
    profile = dsm.ok("POST", "StorageCenter/ScReplayProfile", body)
    pid = profile["instanceId"]
    assert profile["type"] == "Consistent"
    members = [active_volume(dsm, f"cg-{n}") for n in (1, 2)]
    for vid in members:
        config = dsm.get(f"StorageCenter/ScVolume/{vid}/VolumeConfiguration")
        ids = [pid] + [r["instanceId"] for r in config["replayProfileList"]]
        dsm.ok("PUT", f"StorageCenter/ScVolumeConfiguration/{vid}", {"ReplayProfileList": ids})
    assert len(dsm.get(f"StorageCenter/ScReplayProfile/{pid}/VolumeList")) == 2
    snap = {"description": "group-snapshot-uuid-0123456789abcdef", "expireTime": 0}
    assert (
        dsm.call("POST", f"StorageCenter/ScReplayProfile/{pid}/CreateReplay", snap).status_code
        == 204
    )
    [group] = dsm.get(f"StorageCenter/ScReplayProfile/{pid}/ConsistencyGroupList")
    assert group["description"] == snap["description"]
    replays = dsm.get(f"StorageCenter/ScReplayConsistencyGroup/{group['instanceId']}/ReplayList")
    assert len(replays) == 2 and all(r["consistent"] for r in replays)
    assert {r["freezeTime"] for r in replays} == {group["freezeTime"]}, "one instant"
    assert dsm.ok("DELETE", f"StorageCenter/ScReplayProfile/{pid}") == {"result": True}
    assert dsm.get_list("ScReplayProfile", ScSerialNumber=SSN, Name="cg-1") == []


def test_replication_to_a_second_sc(pair: Dsm) -> None:
    dsm = pair
    assert [sc["scSerialNumber"] for sc in dsm.get("StorageCenter/StorageCenter")] == [SSN, DEST]
    vid = active_volume(dsm, "src")
    dsm.ok(
        "POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", {"description": "r1", "expireTime": 0}
    )
    node = dsm.ok(
        "POST",
        "StorageCenter/ScReplicationQosNode",
        {"LinkSpeed": "1 Gbps", "Name": "q", "StorageCenter": SSN, "BandwidthLimited": False},
    )
    body = {
        "DestinationStorageCenter": str(DEST),
        "QosNode": node["instanceId"],
        "SourceVolume": vid,
        "StorageCenter": str(SSN),
        "ReplicateActiveReplay": False,
        "Type": "Asynchronous",
        "DestinationVolumeAttributes": {
            "CreateSourceVolumeFolderPath": True,
            "Notes": "",
            "Name": "Cinder repl of src",
        },
    }
    repl = dsm.ok("POST", "StorageCenter/ScReplication", body)
    assert repl["destinationScSerialNumber"] == DEST
    dest_id = repl["destinationVolume"]["instanceId"]
    dest = dsm.get(f"StorageCenter/ScVolume/{dest_id}")
    assert dest["replicationDestination"] is True and dest["scSerialNumber"] == DEST
    [profile] = dsm.get(f"StorageCenter/ScVolume/{dest_id}/MappingProfileList")
    server = dsm.get(f"StorageCenter/ScServer/{profile['server']['instanceId']}")
    assert server["type"] == "RemoteStorageCenter"
    src_replays = {r["globalIndex"] for r in dsm.get(f"StorageCenter/ScVolume/{vid}/ReplayList")}
    dest_replays = {
        r["globalIndex"] for r in dsm.get(f"StorageCenter/ScVolume/{dest_id}/ReplayList")
    }
    assert src_replays & dest_replays
    assert (
        dsm.get(f"StorageCenter/ScVolume/{vid}/ReplicationSourceList")[0]["instanceId"]
        == repl["instanceId"]
    )
    progress = dsm.get(f"StorageCenter/ScReplication/{repl['instanceId']}/CurrentProgress")
    assert progress == {"synced": True, "amountRemaining": "0 Bytes"}
    hits = dsm.get_list(
        "ScVolume", scSerialNumber=DEST, ReplicationDestination=True, ReplicationSource=False
    )
    assert [h["instanceId"] for h in hits] == [dest_id]
    dsm.ok("POST", f"StorageCenter/ScVolume/{dest_id}/Unmap", {})
    assert dsm.get(f"StorageCenter/ScReplication/{repl['instanceId']}")["state"] == "Down"
    delete = {
        "DeleteDestinationVolume": True,
        "RecycleDestinationVolume": True,
        "DeleteRestorePoint": True,
    }
    assert dsm.ok("DELETE", f"StorageCenter/ScReplication/{repl['instanceId']}", delete) == {
        "result": True
    }
    assert dsm.request("GET", f"StorageCenter/ScVolume/{dest_id}").status_code == 404
    assert dsm.get(f"StorageCenter/ScVolume/{vid}")["replicationSource"] is False


def test_live_volume_swap_and_delete(pair: Dsm) -> None:
    dsm = pair
    vid = active_volume(dsm, "lv")
    body = {
        "PrimaryVolume": vid,
        "PrimaryQosNode": qos_node(dsm, SSN),
        "SecondaryQosNode": qos_node(dsm, DEST),
        "SecondaryStorageCenter": str(DEST),
        "StorageCenter": SSN,
        "Type": "Asynchronous",
        "SecondaryVolumeAttributes": {
            "CreateSourceVolumeFolderPath": True,
            "Notes": "",
            "Name": "lv",
        },
    }
    lv = dsm.ok("POST", "StorageCenter/ScLiveVolume", body)
    assert lv["secondaryScSerialNumber"] == DEST and lv["failoverState"] == "Protected"
    assert (
        dsm.get(f"StorageCenter/StorageCenter/{DEST}/LiveVolumeList")[0]["instanceId"]
        == lv["instanceId"]
    )
    dsm.ok("POST", f"StorageCenter/ScLiveVolume/{lv['instanceId']}/SwapRoles", {})
    swapped = dsm.get(f"StorageCenter/ScLiveVolume/{lv['instanceId']}")
    assert swapped["primaryVolume"]["instanceId"] == lv["secondaryVolume"]["instanceId"]
    mapped = dsm.ok(
        "POST",
        f"StorageCenter/ScLiveVolume/{lv['instanceId']}/MapSecondaryVolume",
        {"Server": f"{SSN}.1", "Advanced": {"MapToDownServerHbas": True}},
    )
    assert mapped["objectType"] == "ScMappingProfile"
    delete = {
        "ConvertToReplication": False,
        "DeleteSecondaryVolume": False,
        "RecycleSecondaryVolume": False,
        "DeleteRestorePoint": True,
    }
    assert dsm.ok("DELETE", f"StorageCenter/ScLiveVolume/{lv['instanceId']}", delete) == {
        "result": True
    }
    assert dsm.get(f"StorageCenter/StorageCenter/{SSN}/LiveVolumeList") == []


def test_deleting_a_live_volume_unmaps_the_recycled_secondary(pair: Dsm) -> None:
    dsm = pair
    vid = active_volume(dsm, "lv")
    nodes = [qos_node(dsm, SSN), qos_node(dsm, DEST)]
    body = {
        "PrimaryVolume": vid,
        "PrimaryQosNode": nodes[0],
        "SecondaryQosNode": nodes[1],
        "SecondaryStorageCenter": str(DEST),
        "StorageCenter": SSN,
        "SecondaryVolumeAttributes": {"Name": "lv"},
    }
    lv = dsm.ok("POST", "StorageCenter/ScLiveVolume", body)
    host = f"{DEST}.1"
    dsm.ok(
        "POST",
        f"StorageCenter/ScLiveVolume/{lv['instanceId']}/MapSecondaryVolume",
        {"Server": host},
    )
    assert dsm.get(f"StorageCenter/ScServer/{host}/MappingList")
    delete = {"DeleteSecondaryVolume": True, "RecycleSecondaryVolume": True}
    dsm.ok("DELETE", f"StorageCenter/ScLiveVolume/{lv['instanceId']}", delete)
    secondary = lv["secondaryVolume"]["instanceId"]
    assert dsm.request("GET", f"StorageCenter/ScVolume/{secondary}").status_code == 404
    assert dsm.get(f"StorageCenter/ScServer/{host}/MappingList") == []
    assert dsm.get(f"StorageCenter/ScServer/{host}")["mapped"] is False


def test_copy_runs_then_finishes(dsm: Dsm) -> None:
    src = active_volume(dsm, "copy-src")
    dsm.ok(
        "POST",
        f"StorageCenter/ScVolume/{src}/CreateReplay",
        {"description": "marker", "expireTime": 60},
    )
    dst = dsm.create_volume("copy-dst")["instanceId"]
    body = {
        "CopyReplays": True,
        "DestinationVolume": dst,
        "SourceVolume": src,
        "StorageCenter": SSN,
        "Priority": "High",
    }
    cmm = dsm.ok("POST", "StorageCenter/ScCopyMirrorMigrate/Copy", body)
    assert cmm["state"] == "Running"
    states = [
        dsm.get(f"StorageCenter/ScCopyMirrorMigrate/{cmm['instanceId']}")["state"] for _ in range(2)
    ]
    assert states == ["Running", "Finished"]
    copied = dsm.admin("GET", "state")["objects"]["ScReplay"]
    assert any(
        r["description"] == "marker" and r["createVolume"]["instanceId"] == dst
        for r in copied.values()
    )
