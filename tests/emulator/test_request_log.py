"""The admin request log, and the schedule rules of snapshot profiles (RuleList)."""

from __future__ import annotations

from .conftest import Dsm


def test_request_log_records_requests_without_changing_them(dsm: Dsm) -> None:
    dsm.admin("DELETE", "requests")
    created = dsm.create_volume("logged", 1)
    listed = dsm.get_list("ScVolume", Name="logged")
    assert [v["instanceId"] for v in listed] == [created["instanceId"]]
    log = dsm.admin("GET", "requests")["requests"]
    posts = [r for r in log if r["path"] == "StorageCenter/ScVolume"]
    assert len(posts) == 1
    assert posts[0]["method"] == "POST" and posts[0]["mutation"] is True
    assert posts[0]["body"]["Name"] == "logged" and posts[0]["route"] == "StorageCenter/ScVolume"
    get_lists = [r for r in log if r["path"] == "StorageCenter/ScVolume/GetList"]
    assert get_lists and not get_lists[0]["mutation"]
    assert [r["seq"] for r in log] == sorted(r["seq"] for r in log)
    assert all("authorization" not in str(r).lower() for r in log), "headers are never kept"
    assert dsm.admin("DELETE", "requests") == {"result": True}
    assert dsm.admin("GET", "requests")["requests"] == []


def test_replay_profile_rules(dsm: Dsm) -> None:
    daily = next(p for p in dsm.get_list("ScReplayProfile") if p["name"] == "Daily")
    rules = dsm.get(f"StorageCenter/ScReplayProfile/{daily['instanceId']}/RuleList")
    assert len(rules) == daily["ruleCount"] == 1
    rule = rules[0]
    assert rule["objectType"] == "ScReplayProfileRule"
    assert rule["replayProfile"]["instanceId"] == daily["instanceId"]
    assert rule["schedule"]["instanceName"] == "Daily at 12:01 AM"
    assert rule["expiration"] == 7 * 24 * 60
    missing = dsm.request("GET", "StorageCenter/ScReplayProfile/64702.999/RuleList")
    assert missing.status_code == 404
