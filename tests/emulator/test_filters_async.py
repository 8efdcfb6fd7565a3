"""GetList filter formats, async protocol, stats."""

from __future__ import annotations

from dataclasses import replace

from dellsc.emulator import EmulatorOptions

from .conftest import SSN, Dsm, start

LEGACY = {
    "filterType": "AND",
    "filters": [
        {"attributeName": "ScSerialNumber", "attributeValue": "64702", "filterType": "Equals"}
    ],
}


def test_current_filter_format_only_when_reported_version_is_new(dsm: Dsm) -> None:
    dsm.create_volume("Mixed-Case")
    assert [
        v["name"] for v in dsm.get_list("ScVolume", NAME="mixed-case", scserialnumber="64702")
    ] == ["Mixed-Case"]
    assert dsm.get_list("ScVolume", Name="mixed-case", replicationSource=True) == []
    assert dsm.request("POST", "StorageCenter/ScVolume/GetList", LEGACY).status_code == 400
    assert (
        dsm.request("POST", "StorageCenter/ScVolume/GetList", {}).json()[0]["name"] == "Mixed-Case"
    )


def test_legacy_filter_format_for_old_api_versions() -> None:
    with start(replace(EmulatorOptions(), tls=False, reported_api_version="2.1")) as server:
        dsm = Dsm(server)
        assert dsm.login()["apiVersion"] == "2.1"
        reply = dsm.request("POST", "StorageCenter/ScStorageProfile/GetList", LEGACY)
        assert [p["name"] for p in reply.json()] == [
            "Recommended",
            "High Priority",
            "Medium Priority",
            "Low Priority",
        ]
        wrapped = dsm.request("POST", "StorageCenter/ScStorageProfile/GetList", {"filter": LEGACY})
        assert wrapped.status_code == 400
        folder = dsm.ok("POST", "StorageCenter/ScVolumeFolder", {"Name": "f", "StorageCenter": SSN})
        assert folder["folderPath"] == ""


def test_seeded_catalogue(dsm: Dsm) -> None:
    names = {o["name"] for o in dsm.get_list("ScServerOperatingSystem", scSerialNumber=SSN)}
    assert {"Red Hat Linux 6.x", "Other Multipath", "Other Singlepath"} <= names
    assert [
        p["name"] for p in dsm.get_list("ScReplayProfile", scSerialNumber=SSN, type="Standard")
    ] == ["Daily", "Weekly"]
    assert [
        q["name"]
        for q in dsm.get_list("ScQosProfile", ScSerialNumber=SSN, profileType="GroupQosProfile")
    ] == ["Group Default", "Group Limited"]
    assert [
        d["name"]
        for d in dsm.get_list("ScDataReductionProfile", ScSerialNumber=SSN, type="Deduplication")
    ] == ["Deduplication with Compression"]
    assert dsm.get_list("ScDiskFolder", scSerialNumber=SSN, name="Assigned")


def test_async_task_runs_then_returns_the_final_reply() -> None:
    with start(replace(EmulatorOptions(), tls=False, task_polls=2)) as server:
        dsm = Dsm(server)
        dsm.login()
        body = {"Name": "a", "Size": "1 GB", "StorageCenter": SSN}
        accepted = dsm.request("POST", "StorageCenter/ScVolume", body, **{"async": "true"})
        assert accepted.status_code == 202
        task = accepted.json()
        assert task["objectType"] == "AsyncTask"
        assert (
            task["returnValue"] == f"{server.api_url}ApiConnection/AsyncTask/{task['instanceId']}"
        )
        statuses = [dsm.request("GET", task["returnValue"]) for _ in range(3)]
        assert [r.json()["objectType"] for r in statuses] == ["AsyncTask", "AsyncTask", "ScVolume"]
        assert statuses[2].status_code == 201


def test_stats_count_mutations_only(dsm: Dsm) -> None:
    dsm.admin("POST", "stats/reset")
    dsm.get_list("ScVolume")
    dsm.get("StorageCenter/StorageCenter")
    assert dsm.admin("GET", "stats")["mutations"] == 0
    dsm.create_volume("m")
    stats = dsm.admin("GET", "stats")
    assert stats["mutations"] == 1
    assert stats["by_route"]["POST StorageCenter/ScVolume"] == 1


def test_getlist_of_many_volumes() -> None:
    """A bulk list returns every preloaded volume in order (its speed is `make bench`'s job)."""
    with start(replace(EmulatorOptions(), tls=False, preload_volumes=2000)) as server:
        dsm = Dsm(server)
        dsm.login()
        volumes = dsm.get_list("ScVolume", scSerialNumber=SSN)
        assert len(volumes) == 2000 and volumes[0]["name"] == "preload-00001"
        assert volumes[-1]["name"] == "preload-02000"
