"""Server clusters: create, AddToCluster, mapping to a cluster, members joining and leaving."""

from __future__ import annotations

from typing import Any

from .conftest import SSN, Dsm


def _server(dsm: Dsm, name: str, *initiators: str, **extra: Any) -> str:
    body = {"Name": name, "StorageCenter": SSN, "Notes": ""} | extra
    sid = str(dsm.ok("POST", "StorageCenter/ScPhysicalServer", body)["instanceId"])
    for initiator in initiators:
        kind = "Iscsi" if initiator.startswith("iqn.") else "FibreChannel"
        dsm.ok("POST", f"StorageCenter/ScPhysicalServer/{sid}/AddHba",
               {"HbaPortType": kind, "WwnOrIscsiName": initiator, "AllowManual": True})  # fmt: skip
    return sid


def _cluster(dsm: Dsm, name: str = "esx-cluster") -> dict[str, Any]:
    folder = dsm.ok("POST", "StorageCenter/ScServerFolder", {"Name": "vmw", "StorageCenter": SSN})
    body = {"Name": name, "StorageCenter": SSN, "Notes": "n", "OperatingSystem": f"{SSN}.42",
            "ServerFolder": folder["instanceId"]}  # fmt: skip
    return dict(dsm.ok("POST", "StorageCenter/ScServerCluster", body))


def _rows(dsm: Dsm, path: str) -> list[dict[str, Any]]:
    return list(dsm.get(path))


def test_cluster_mapping_reaches_every_member(dsm: Dsm) -> None:
    cluster = _cluster(dsm)
    cid = cluster["instanceId"]
    assert cluster["objectType"] == "ScServerCluster" and cluster["type"] == "Cluster"
    assert cluster["serverFolderPath"].strip("/") == "vmw" and cluster["notes"] == "n"
    clash = dsm.call("POST", "StorageCenter/ScPhysicalServer", {"Name": "ESX-CLUSTER",
                                                                "StorageCenter": SSN})  # fmt: skip
    assert clash.status_code == 400, "servers and clusters share one name space"
    members = [_server(dsm, f"esx{n}", f"iqn.1998-01.com.vmware:esx{n}") for n in (1, 2, 3)]
    for sid in members:
        joined = dsm.ok("POST", f"StorageCenter/ScPhysicalServer/{sid}/AddToCluster",
                        {"Parent": cid})  # fmt: skip
        assert joined["parent"]["instanceId"] == cid
    listed = {s["instanceId"]: s for s in dsm.get_list("ScServer", scSerialNumber=SSN)}
    assert listed[cid]["objectType"] == "ScServerCluster"
    assert dsm.get_list("ScServerCluster", scSerialNumber=SSN)[0]["instanceId"] == cid
    assert {h["instanceName"] for h in _rows(dsm, f"StorageCenter/ScServer/{cid}/HbaList")} == {
        f"iqn.1998-01.com.vmware:esx{n}" for n in (1, 2, 3)
    }

    own = dsm.create_volume("own")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{own}/MapToServer", {"server": members[0]})
    shared = dsm.create_volume("datastore")["instanceId"]
    profile = dsm.ok("POST", f"StorageCenter/ScVolume/{shared}/MapToServer", {"server": cid})
    assert profile["server"]["instanceId"] == cid
    assert profile["lunUsed"] == [2], "LUN 1 is taken on a member"
    rows = _rows(dsm, f"StorageCenter/ScVolume/{shared}/MappingList")
    assert {r["server"]["instanceId"] for r in rows} == set(members)
    assert {r["lun"] for r in rows} == {2} and {r["profile"]["instanceId"] for r in rows} == {
        profile["instanceId"]
    }
    for sid in members:
        seen = _rows(dsm, f"StorageCenter/ScServer/{sid}/MappingList")
        assert {r["volume"]["instanceId"] for r in seen} >= {shared}
    direct = dsm.call("POST", f"StorageCenter/ScVolume/{shared}/MapToServer",
                      {"server": members[1]})  # fmt: skip
    assert direct.status_code == 400 and "through" in direct.json()["result"]

    fourth = _server(dsm, "esx4", "iqn.1998-01.com.vmware:esx4")
    dsm.ok("POST", f"StorageCenter/ScPhysicalServer/{fourth}/AddToCluster", {"Parent": cid})
    rows = _rows(dsm, f"StorageCenter/ScVolume/{shared}/MappingList")
    assert {r["server"]["instanceId"] for r in rows} == {*members, fourth}
    [same] = dsm.get(f"StorageCenter/ScVolume/{shared}/MappingProfileList")
    assert (same["instanceId"], same["lunUsed"]) == (profile["instanceId"], [2]), "no new mapping"

    dsm.ok("DELETE", f"StorageCenter/ScServer/{fourth}")
    rows = _rows(dsm, f"StorageCenter/ScVolume/{shared}/MappingList")
    assert {r["server"]["instanceId"] for r in rows} == set(members), "a deleted member leaves"


def test_joining_needs_free_luns_and_deleting_releases_members(dsm: Dsm) -> None:
    cid = _cluster(dsm)["instanceId"]
    first = _server(dsm, "a", "iqn.1998-01.com.vmware:a", Parent=cid)
    assert dsm.get(f"StorageCenter/ScServer/{first}")["parent"]["instanceId"] == cid
    shared = dsm.create_volume("shared")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{shared}/MapToServer", {"server": cid})
    loner = _server(dsm, "b", "iqn.1998-01.com.vmware:b")
    mine = dsm.create_volume("mine")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{mine}/MapToServer", {"server": loner})
    refused = dsm.call("POST", f"StorageCenter/ScPhysicalServer/{loner}/AddToCluster",
                       {"Parent": cid})  # fmt: skip
    assert refused.status_code == 400 and "LUN 1" in refused.json()["result"]
    assert "parent" not in dsm.get(f"StorageCenter/ScServer/{loner}")

    busy = dsm.call("DELETE", f"StorageCenter/ScServer/{cid}")
    assert busy.status_code == 400, "a cluster with mapped volumes is not deleted"
    for profile in dsm.get(f"StorageCenter/ScVolume/{shared}/MappingProfileList"):
        dsm.ok("DELETE", f"StorageCenter/ScMappingProfile/{profile['instanceId']}")
    dsm.ok("PUT", f"StorageCenter/ScServerCluster/{cid}", {"Name": "renamed", "Notes": "x"})
    assert dsm.get(f"StorageCenter/ScServer/{cid}")["name"] == "renamed"
    dsm.ok("DELETE", f"StorageCenter/ScServer/{cid}")
    assert "parent" not in dsm.get(f"StorageCenter/ScServer/{first}"), "members are released"
