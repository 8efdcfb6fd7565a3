"""Volumes, configuration, replays, views, recycle bin, validation."""

from __future__ import annotations

import datetime as dt

import pytest

from dellsc.emulator import wire

from .conftest import GIB, SSN, Dsm


def test_create_read_rename_expand(dsm: Dsm) -> None:
    vol = dsm.create_volume("alpha", 10)
    assert vol["configuredSize"] == "1.073741824E10 Bytes"
    assert vol["scSerialNumber"] == SSN and vol["instanceId"].startswith("64702.")
    assert vol["active"] is False and vol["inRecycleBin"] is False
    assert vol["deviceId"].startswith("6000d31000fcbe")
    vid = vol["instanceId"]
    renamed = dsm.ok("PUT", f"StorageCenter/ScVolume/{vid}", {"Name": "beta"})
    assert renamed["name"] == "beta"
    grown = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/ExpandToSize", {"NewSize": "20 GB"})
    assert float(grown["configuredSize"].split()[0]) == 20 * GIB
    shrink = dsm.call("POST", f"StorageCenter/ScVolume/{vid}/ExpandToSize", {"NewSize": "5 GB"})
    assert shrink.status_code == 400 and "shrink" in shrink.json()["result"]
    assert dsm.get(f"StorageCenter/ScVolume/{vid}")["name"] == "beta"


def test_sync_mode_uses_the_strict_status_codes(dsm: Dsm) -> None:
    body = {"Name": "sync", "Size": "1 GB", "StorageCenter": "64702"}
    created = dsm.request("POST", "StorageCenter/ScVolume", body)
    assert created.status_code == 201
    vid = created.json()["instanceId"]
    assert dsm.request("DELETE", f"StorageCenter/ScVolume/{vid}").json() == {"result": True}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        pytest.param({"Name": "x", "Size": "0 GB"}, "greater than zero", id="zero-size"),
        pytest.param({"Name": "x", "Size": "-1 GB"}, "greater than zero", id="negative-size"),
        pytest.param({"Name": "x", "Size": "1.5 GB"}, "whole number", id="fractional-size"),
        pytest.param({"Name": "", "Size": "1 GB"}, "non-empty", id="empty-name"),
        pytest.param({"Name": "n" * 251, "Size": "1 GB"}, "limit is 250", id="long-name"),
        pytest.param(
            {"Name": "x", "Size": "1 GB", "StorageProfile": "64702.99"},
            "64702.99",
            id="unknown-profile",
        ),
        pytest.param(
            {"Name": "x", "Size": "1 GB", "VolumeFolder": "64702.77"},
            "64702.77",
            id="unknown-folder",
        ),
        pytest.param(
            {"Name": "x", "Size": "1 GB", "ReplayProfileList": ["64702.55"]},
            "64702.55",
            id="unknown-replay-profile",
        ),
    ],
)
def test_invalid_create_is_refused_and_changes_nothing(
    dsm: Dsm, body: dict[str, object], needle: str
) -> None:
    before = dsm.admin("GET", "state")
    reply = dsm.call("POST", "StorageCenter/ScVolume", body | {"StorageCenter": SSN})
    assert reply.status_code == 400
    assert needle in reply.json()["result"]
    assert dsm.admin("GET", "state") == before


def test_delete_moves_to_the_recycle_bin_and_hides(dsm: Dsm) -> None:
    vid = dsm.create_volume("gone")["instanceId"]
    assert dsm.ok("DELETE", f"StorageCenter/ScVolume/{vid}") == {"result": True}
    assert dsm.request("GET", f"StorageCenter/ScVolume/{vid}").status_code == 404
    assert dsm.get_list("ScVolume", Name="gone") == []
    stored = dsm.admin("GET", "state")["objects"]["ScVolume"][vid]
    assert stored["inRecycleBin"] is True
    assert dsm.call("DELETE", f"StorageCenter/ScVolume/{vid}").status_code == 404


def test_volume_configuration_put_and_read_back(dsm: Dsm) -> None:
    vid = dsm.create_volume("cfg")["instanceId"]
    path = f"StorageCenter/ScVolumeConfiguration/{vid}"
    dsm.ok("PUT", path, {"storageProfile": "64702.2"})
    dsm.ok("PUT", path, {"volumeQosProfile": "64702.21"})
    dsm.ok("PUT", path, {"groupQosProfile": "64702.23"})
    dsm.ok("PUT", path, {"dataReductionProfile": "64702.31"})
    dsm.ok("PUT", path, {"ReplayProfileList": ["64702.3", "64702.2"]})
    config = dsm.get(f"StorageCenter/ScVolume/{vid}/VolumeConfiguration")
    assert config["instanceId"] == vid
    assert config["storageProfile"]["instanceName"] == "High Priority"
    assert config["volumeQosProfile"]["instanceName"] == "Premium"
    assert config["groupQosProfile"]["instanceName"] == "Group Limited"
    assert config["dataReductionProfile"]["instanceName"] == "Compression"
    assert [r["instanceName"] for r in config["replayProfileList"]] == ["Weekly", "Daily"]
    dsm.ok("PUT", path, {"groupQosProfile": None, "dataReductionProfile": None})
    config = dsm.get(f"StorageCenter/ScVolume/{vid}/VolumeConfiguration")
    assert config["groupQosProfile"] is None and config["dataReductionProfile"] is None
    wrong = dsm.call("PUT", path, {"volumeQosProfile": "64702.23"})
    assert wrong.status_code == 400 and "VolumeQosProfile" in wrong.json()["result"]
    listed = dsm.get_list("ScVolumeConfiguration", scSerialNumber=SSN)
    assert [c["instanceId"] for c in listed] == [vid]


def test_replays_need_an_active_volume_and_truncate(dsm: Dsm) -> None:
    vid = dsm.create_volume("snap")["instanceId"]
    body = {"description": "0123456789abcdef0123456789abcdef-uuid", "expireTime": 0}
    refused = dsm.call("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", body)
    assert refused.status_code == 400
    assert dsm.get(f"StorageCenter/ScVolume/{vid}/ReplayList") == []
    profile = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": "64702.1"})
    assert dsm.get(f"StorageCenter/ScVolume/{vid}")["active"] is True
    dsm.ok("DELETE", f"StorageCenter/ScMappingProfile/{profile['instanceId']}")
    assert dsm.get(f"StorageCenter/ScVolume/{vid}")["active"] is True
    replay = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", body)
    assert replay["description"] == body["description"][:30]
    replays = dsm.get(f"StorageCenter/ScVolume/{vid}/ReplayList")
    assert [r["active"] for r in replays] == [True, False]
    active_id = replays[0]["instanceId"]
    assert dsm.call("POST", f"StorageCenter/ScReplay/{active_id}/Expire", {}).status_code == 400
    rid = replay["instanceId"]
    updated = dsm.ok("PUT", f"StorageCenter/ScReplay/{rid}", {"expireTime": 1440})
    assert updated["expires"] is True
    assert dsm.call("POST", f"StorageCenter/ScReplay/{rid}/Expire", {}).status_code == 204
    [_, expired] = dsm.get(f"StorageCenter/ScVolume/{vid}/ReplayList")
    assert expired["markedForExpiration"] is True


def test_view_volume_from_a_replay(dsm: Dsm) -> None:
    vid = dsm.create_volume("parent", 3)["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": "64702.1"})
    rid = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", {"expireTime": 0})[
        "instanceId"
    ]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/ExpandToSize", {"NewSize": "5 GB"})
    view = dsm.ok("POST", f"StorageCenter/ScReplay/{rid}/CreateView", {"Name": "child"})
    assert view["name"] == "child"
    assert float(view["configuredSize"].split()[0]) == 3 * GIB


def test_folders_and_paths(dsm: Dsm) -> None:
    top = dsm.ok("POST", "StorageCenter/ScVolumeFolder", {"Name": "top", "StorageCenter": SSN})
    sub = dsm.ok(
        "POST",
        "StorageCenter/ScVolumeFolder",
        {"Name": "sub", "StorageCenter": SSN, "Parent": top["instanceId"]},
    )
    assert top["folderPath"] == "/" and sub["folderPath"] == "/top/"
    vol = dsm.create_volume("inside", VolumeFolder=sub["instanceId"])
    assert vol["volumeFolderPath"] == "/top/sub/"
    found = dsm.get_list("ScVolumeFolder", scSerialNumber=SSN, Name="SUB", folderPath="/top/")
    assert [f["instanceId"] for f in found] == [sub["instanceId"]]
    assert dsm.get_list("ScVolume", volumeFolderPath="/top/sub/", Name="inside")


def test_storage_usage_tracks_configured_sizes(dsm: Dsm) -> None:
    def configured() -> float:
        usage = dsm.get("StorageCenter/StorageCenter/64702/StorageUsage")
        assert float(usage["availableSpace"].split()[0]) > 0
        return float(usage["configuredSpace"].split()[0])

    assert configured() == 0
    dsm.create_volume("u1", 2)
    vid = dsm.create_volume("u2", 3)["instanceId"]
    assert configured() == 5 * GIB
    dsm.ok("DELETE", f"StorageCenter/ScVolume/{vid}")
    assert configured() == 2 * GIB


def test_admin_volumes_make_odd_sizes_and_duplicates(dsm: Dsm) -> None:
    made = dsm.admin("POST", "volumes", {"name": "odd", "size_bytes": GIB + 512, "count": 2})
    assert len(made["volumes"]) == 2
    assert made["volumes"][0]["configuredSize"] == "1.073742336E9 Bytes"
    assert len(dsm.get_list("ScVolume", Name="odd")) == 2


def test_replays_of_a_recycled_volume_are_hidden(dsm: Dsm) -> None:
    vid = dsm.create_volume("recycled-with-replay")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": "64702.1"})
    rid = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", {"expireTime": 0})[
        "instanceId"
    ]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/Unmap", {})
    dsm.ok("DELETE", f"StorageCenter/ScVolume/{vid}")
    assert dsm.request("GET", f"StorageCenter/ScReplay/{rid}").status_code == 404
    assert dsm.get_list("ScReplay", instanceId=rid) == []
    before = dsm.admin("GET", "state")
    assert dsm.call("PUT", f"StorageCenter/ScReplay/{rid}", {"expireTime": 60}).status_code == 404
    assert dsm.call("POST", f"StorageCenter/ScReplay/{rid}/Expire", {}).status_code == 404
    assert dsm.admin("GET", "state") == before


def test_replays_past_their_expiry_are_gone(dsm: Dsm, monkeypatch: pytest.MonkeyPatch) -> None:
    vid = dsm.create_volume("short-lived")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": "64702.1"})
    soon = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay",
                  {"description": "soon", "expireTime": 30})["instanceId"]  # fmt: skip
    later = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay",
                   {"description": "later", "expireTime": 0})["instanceId"]  # fmt: skip
    dsm.ok("PUT", f"StorageCenter/ScReplay/{later}", {"expireTime": 90})
    in_an_hour = wire.clock() + dt.timedelta(hours=1)
    monkeypatch.setattr(wire, "clock", lambda: in_an_hour)
    listed = dsm.get(f"StorageCenter/ScVolume/{vid}/ReplayList")
    assert [r["description"] for r in listed if not r["active"]] == ["later"]
    assert dsm.request("GET", f"StorageCenter/ScReplay/{soon}").status_code == 404
    assert dsm.get_list("ScReplay", instanceId=soon) == []
    assert dsm.call("PUT", f"StorageCenter/ScReplay/{soon}", {"expireTime": 60}).status_code == 404
