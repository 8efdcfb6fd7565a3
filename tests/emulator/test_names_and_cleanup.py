"""Names the array keeps literally, what it refuses, and deleting folders and QoS nodes."""

from __future__ import annotations

from .conftest import SSN, Dsm

DEST = 64703


def folder(dsm: Dsm, name: str, parent: str | None = None, kind: str = "ScVolumeFolder") -> str:
    body = {"Name": name, "StorageCenter": SSN, "Notes": ""}
    if parent is not None:
        body["Parent"] = parent
    return str(dsm.ok("POST", f"StorageCenter/{kind}", body)["instanceId"])


def test_special_characters_are_kept_and_found_literally(dsm: Dsm) -> None:
    """`*` and `?` are no wildcards in a GetList's Equals: a name matches only itself."""
    for name in ("db*", "db?", "db/data", "db\\data", "dbx"):
        dsm.create_volume(name)
    for name in ("db*", "db?", "db/data", "db\\data"):
        [found] = dsm.get_list("ScVolume", scSerialNumber=SSN, Name=name)
        assert found["name"] == name


def test_control_characters_in_names_are_refused(dsm: Dsm) -> None:
    for name in ("a\nb", "a\x00b", "a\u2028b"):
        body = {"Name": name, "Size": "1 GB", "StorageCenter": SSN, "Notes": ""}
        reply = dsm.call("POST", "StorageCenter/ScVolume", body)
        assert reply.status_code == 400 and "control characters" in reply.text
    assert dsm.get_list("ScVolume", scSerialNumber=SSN) == []


def test_expiry_beyond_the_minute_counter_is_a_clean_400(dsm: Dsm) -> None:
    vid = dsm.create_volume("v")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": f"{SSN}.1"})
    for minutes in (2**31, 10**12):
        body = {"description": "x", "expireTime": minutes}
        reply = dsm.call("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", body)
        assert reply.status_code == 400 and "up to 2147483647" in reply.text
    body = {"description": "far", "expireTime": 2**31 - 1}
    assert dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", body)["expires"]


def test_only_an_empty_folder_can_be_deleted(dsm: Dsm) -> None:
    outer = folder(dsm, "outer")
    inner = folder(dsm, "inner", outer)
    refused = dsm.call("DELETE", f"StorageCenter/ScVolumeFolder/{outer}")
    assert refused.status_code == 400 and "not empty" in refused.text
    volume = dsm.create_volume("held", VolumeFolder=inner)
    assert dsm.call("DELETE", f"StorageCenter/ScVolumeFolder/{inner}").status_code == 400
    dsm.ok("DELETE", f"StorageCenter/ScVolume/{volume['instanceId']}")
    assert dsm.ok("DELETE", f"StorageCenter/ScVolumeFolder/{inner}") == {"result": True}
    assert dsm.ok("DELETE", f"StorageCenter/ScVolumeFolder/{outer}") == {"result": True}
    root = dsm.call("DELETE", f"StorageCenter/ScVolumeFolder/{SSN}.0")
    assert root.status_code == 400 and "root" in root.text
    servers = folder(dsm, "hosts", kind="ScServerFolder")
    assert dsm.ok("DELETE", f"StorageCenter/ScServerFolder/{servers}") == {"result": True}


def test_a_qos_node_in_use_cannot_be_deleted(pair: Dsm) -> None:
    dsm = pair
    node = dsm.ok("POST", "StorageCenter/ScReplicationQosNode", {
        "LinkSpeed": "1 Gbps", "Name": "q", "StorageCenter": SSN})["instanceId"]  # fmt: skip
    vid = dsm.create_volume("src")["instanceId"]
    repl = dsm.ok("POST", "StorageCenter/ScReplication", {
        "DestinationStorageCenter": DEST, "QosNode": node, "SourceVolume": vid,
        "StorageCenter": SSN, "Type": "Asynchronous"})  # fmt: skip
    refused = dsm.call("DELETE", f"StorageCenter/ScReplicationQosNode/{node}")
    assert refused.status_code == 400 and repl["instanceId"] in refused.text
    dsm.ok("DELETE", f"StorageCenter/ScReplication/{repl['instanceId']}", {
        "DeleteDestinationVolume": True, "RecycleDestinationVolume": True,
        "DeleteRestorePoint": True})  # fmt: skip
    assert dsm.ok("DELETE", f"StorageCenter/ScReplicationQosNode/{node}") == {"result": True}
    assert dsm.get_list("ScReplicationQosNode", scSerialNumber=SSN) == []
