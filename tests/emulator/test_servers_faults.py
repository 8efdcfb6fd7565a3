"""Servers, HBAs, mappings, and fault injection."""

from __future__ import annotations

import pytest
import requests

from .conftest import SSN, Dsm

IQN = "iqn.1993-08.org.debian:01:abcdef"


def make_server(dsm: Dsm, name: str = "host") -> str:
    body = {
        "Name": name,
        "StorageCenter": str(SSN),
        "AlertOnConnectivity": False,
        "OperatingSystem": "64702.38",
        "Notes": "",
    }
    sid = str(dsm.ok("POST", "StorageCenter/ScPhysicalServer", body)["instanceId"])
    hba = {"HbaPortType": "Iscsi", "WwnOrIscsiName": IQN.upper(), "AllowManual": True}
    dsm.ok("POST", f"StorageCenter/ScPhysicalServer/{sid}/AddHba", hba)
    return sid


def test_server_hba_lookup_and_mapping_paths(dsm: Dsm) -> None:
    sid = make_server(dsm)
    [hba] = dsm.get_list("ScServerHba", scSerialNumber=SSN, instanceName=IQN.upper())
    assert hba["server"]["instanceId"] == sid and hba["instanceName"] == IQN
    server = dsm.get(f"StorageCenter/ScServer/{sid}")
    assert server["type"] == "Physical" and server["status"] == "Up"
    assert server["operatingSystem"]["instanceName"] == "Red Hat Linux 6.x"
    v1 = dsm.create_volume("m1")["instanceId"]
    v2 = dsm.create_volume("m2")["instanceId"]
    p1 = dsm.ok(
        "POST",
        f"StorageCenter/ScVolume/{v1}/MapToServer",
        {"server": sid, "Advanced": {"MapToDownServerHbas": True}},
    )
    dsm.ok("POST", f"StorageCenter/ScVolume/{v2}/MapToServer", {"server": sid})
    assert p1["server"]["instanceId"] == sid and p1["lunUsed"] == [1]
    rows = dsm.get(f"StorageCenter/ScVolume/{v2}/MappingList")
    assert rows and {r["lun"] for r in rows} == {2}
    for row in rows:
        port = dsm.get(f"StorageCenter/ScControllerPort/{row['controllerPort']['instanceId']}")
        assert port["iscsiName"].startswith("iqn.2002-03.com.compellent:")
        [domain] = dsm.get(f"StorageCenter/ScControllerPort/{port['instanceId']}/FaultDomainList")
        assert domain["portNumber"] == 3260 and domain["targetIpv4Address"]
        iscsi = dsm.get(f"StorageCenter/ScControllerPortIscsiConfiguration/{port['instanceId']}")
        assert iscsi["ipAddress"]
    assert len(dsm.get(f"StorageCenter/ScServer/{sid}/MappingList")) == 2 * len(rows)
    assert dsm.call("DELETE", f"StorageCenter/ScServer/{sid}").status_code == 400
    assert dsm.call("POST", f"StorageCenter/ScVolume/{v1}/Unmap", {}).ok
    assert dsm.get(f"StorageCenter/ScVolume/{v1}/MappingProfileList") == []
    assert dsm.request("DELETE", f"StorageCenter/ScVolume/{v2}").json() is False
    dsm.ok("POST", f"StorageCenter/ScVolume/{v2}/Unmap", {})
    assert dsm.ok("DELETE", f"StorageCenter/ScServer/{sid}") == {"result": True}
    [orphan] = dsm.get_list("ScServerHba", instanceName=IQN)
    assert "server" not in orphan


def test_fault_status_on_the_nth_request(dsm: Dsm) -> None:
    dsm.admin(
        "POST",
        "faults",
        {
            "method": "GET",
            "path": "^StorageCenter/StorageCenter$",
            "action": "status",
            "status": 503,
            "message": "busy",
            "nth": 2,
        },
    )
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200
    second = dsm.request("GET", "StorageCenter/StorageCenter")
    assert second.status_code == 503 and second.json() == {"result": "busy"}
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200
    [fault] = dsm.admin("GET", "faults")["faults"]
    assert fault["hits"] == 3 and fault["fired"] == 1
    dsm.admin("DELETE", "faults")
    assert dsm.admin("GET", "faults")["faults"] == []


def test_fault_subject_counts_only_the_requests_naming_one_object(dsm: Dsm) -> None:
    """`subject` pins a rule to the requests that name an object (by id in the path or body,
    or by name in the body), and `nth` counts among those only."""
    mine = dsm.create_volume("cell-07")["instanceId"]
    other = dsm.create_volume("cell-08")["instanceId"]
    dsm.admin("POST", "faults", {"method": "PUT", "path": "^StorageCenter/ScVolume/[^/]+$",
                                 "subject": "(?m)^cell-07$", "nth": 2, "status": 500})  # fmt: skip
    notes = {"Notes": "x"}
    assert dsm.request("PUT", f"StorageCenter/ScVolume/{other}", notes).status_code == 200
    assert dsm.request("PUT", f"StorageCenter/ScVolume/{mine}", notes).status_code == 200
    assert dsm.request("PUT", f"StorageCenter/ScVolume/{other}", notes).status_code == 200
    assert dsm.request("PUT", f"StorageCenter/ScVolume/{mine}", notes).status_code == 500
    [fault] = dsm.admin("GET", "faults")["faults"]
    assert (fault["hits"], fault["fired"]) == (2, 1)
    logged = [e for e in dsm.admin("GET", "requests")["requests"] if e["method"] == "PUT"]
    assert "cell-07" in logged[-1]["names"]


def test_fault_probability_fires_on_some_requests_the_same_way_each_time(dsm: Dsm) -> None:
    def fired() -> list[int]:
        dsm.admin("DELETE", "faults")
        rule = {"method": "GET", "path": "^StorageCenter/StorageCenter$", "status": 500,
                "count": 1000, "probability": 0.3, "seed": 7}  # fmt: skip
        dsm.admin("POST", "faults", rule)
        codes = [dsm.request("GET", "StorageCenter/StorageCenter").status_code for _ in range(40)]
        return [i for i, code in enumerate(codes) if code == 500]

    first = fired()
    assert 0 < len(first) < 40 and fired() == first


def test_fault_drop_closes_the_connection(dsm: Dsm) -> None:
    dsm.admin("POST", "faults", {"path": "StorageCenter/StorageCenter$", "action": "drop"})
    with pytest.raises(requests.exceptions.ConnectionError):
        dsm.request("GET", "StorageCenter/StorageCenter")
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200


def test_fault_lose_reply_does_the_work_but_never_answers(dsm: Dsm) -> None:
    dsm.admin("POST", "faults", {"method": "POST", "path": "^StorageCenter/ScVolume$",
                                 "action": "lose_reply"})  # fmt: skip
    body = {"Name": "made-in-the-dark", "Size": "1 GB", "StorageCenter": SSN}
    with pytest.raises(requests.exceptions.ConnectionError):
        dsm.request("POST", "StorageCenter/ScVolume", body, **{"async": "True"})
    assert [v["name"] for v in dsm.get_list("ScVolume", Name="made-in-the-dark")] == [
        "made-in-the-dark"
    ]


def test_fault_task_fail_reports_on_the_poll_and_changes_nothing(dsm: Dsm) -> None:
    before = dsm.admin("GET", "state")
    dsm.admin(
        "POST",
        "faults",
        {
            "method": "POST",
            "path": "^StorageCenter/ScVolume$",
            "action": "task_fail",
            "status": 500,
            "message": "disk on fire",
        },
    )
    reply = dsm.call(
        "POST", "StorageCenter/ScVolume", {"Name": "x", "Size": "1 GB", "StorageCenter": SSN}
    )
    assert reply.status_code == 500 and reply.json() == {"result": "disk on fire"}
    assert dsm.admin("GET", "state") == before


def test_fault_expire_session(dsm: Dsm) -> None:
    dsm.admin("POST", "faults", {"path": "ScVolume", "action": "expire_session"})
    assert dsm.request("POST", "StorageCenter/ScVolume/GetList", {}).status_code == 401
    dsm.login()
    assert dsm.request("POST", "StorageCenter/ScVolume/GetList", {}).status_code == 200


def test_fault_delay(dsm: Dsm) -> None:
    dsm.admin(
        "POST",
        "faults",
        {"path": "StorageCenter/StorageCenter$", "action": "delay", "delay_s": 0.3},
    )
    reply = dsm.request("GET", "StorageCenter/StorageCenter")
    assert reply.status_code == 200 and reply.elapsed.total_seconds() >= 0.3
