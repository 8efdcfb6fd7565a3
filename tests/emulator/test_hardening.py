"""Emulator limits and the faults that act after a request ran (lost reply, poll faults)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import requests

from dellsc.emulator import EmulatorOptions
from dellsc.emulator.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, Sessions
from tests.emulator.conftest import SSN, Dsm, start


def test_oversized_body_is_413_before_authentication(dsm: Dsm) -> None:
    dsm.http.auth = None
    dsm.http.cookies.clear()
    body = b"[" + b"0," * (MAX_BODY_BYTES // 2) + b"0]"
    reply = dsm.http.post(
        dsm.server.api_url + "StorageCenter/ScVolume/GetList", data=body, verify=dsm.verify
    )
    assert reply.status_code == 413
    assert reply.json() == {"result": "The request body is too large"}


def test_deep_json_is_400_not_a_crash(dsm: Dsm) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        body = b"[" * depth + b"]" * depth
        reply = dsm.http.post(
            dsm.server.api_url + "StorageCenter/ScVolume/GetList",
            data=body,
            headers={"Content-Type": "application/json"},
            verify=dsm.verify,
        )
        assert reply.status_code == 400
        assert "nests deeper" in reply.json()["result"]
    assert dsm.request("POST", "StorageCenter/ScVolume/GetList", {}).status_code == 200


def test_sessions_expire_when_idle_and_are_capped() -> None:
    sessions = Sessions(idle_s=0.05, cap=3)
    for token in "abcd":
        sessions.add(token)
    assert "a" not in sessions and len(sessions) == 3  # over the cap, the oldest ended
    assert "b" in sessions
    time.sleep(0.08)
    assert "b" not in sessions and len(sessions) == 0


def test_many_logins_leave_a_bounded_number_of_sessions() -> None:
    server = start(replace(EmulatorOptions(), tls=False, max_sessions=20))
    try:
        for _ in range(60):
            Dsm(server).login()
        assert server.app is not None and len(server.app.sessions) == 20
    finally:
        server.stop()


def test_admin_wrong_password_says_so(dsm: Dsm) -> None:
    wrong = requests.get(
        dsm.server.admin_url + "faults", auth=("Admin", "nope"), verify=dsm.verify, timeout=10
    )
    assert wrong.status_code == 401 and wrong.json() == {"result": "Wrong credentials"}
    missing = requests.get(dsm.server.admin_url + "faults", verify=dsm.verify, timeout=10)
    assert missing.json() == {"result": "Basic credentials required"}


def test_fault_listing_shows_only_the_fields_a_rule_uses(dsm: Dsm) -> None:
    dsm.admin("POST", "faults", {"path": "x", "action": "drop"})
    dsm.admin("POST", "faults", {"path": "y", "action": "delay", "delay_s": 0.1})
    dsm.admin("POST", "faults", {"path": "z", "action": "status", "status": 500, "body": "n"})
    drop, delay, status = dsm.admin("GET", "faults")["faults"]
    assert "status" not in drop and "delay_s" not in drop and "message" not in drop
    assert delay["delay_s"] == 0.1 and "status" not in delay
    assert status["status"] == 500 and status["body"] == "n" and "delay_s" not in status


def test_lost_reply_commits_then_drops(dsm: Dsm) -> None:
    dsm.admin("POST", "faults", {"method": "POST", "path": "ScVolume$", "action": "lost_reply"})
    body = {"Name": "lost", "Size": "1 GB", "StorageCenter": SSN, "Notes": ""}
    with pytest.raises(requests.exceptions.ConnectionError):
        dsm.request("POST", "StorageCenter/ScVolume", body, **{"async": "True"})
    assert [v["name"] for v in dsm.get_list("ScVolume", Name="lost")] == ["lost"]


def test_poll_fault_targets_the_matching_request_only(dsm: Dsm) -> None:
    dsm.admin(
        "POST",
        "faults",
        {"method": "POST", "path": "ScVolume$", "body": '"Name": "p1"', "target": "poll",
         "action": "status", "status": 503, "count": 2},
    )  # fmt: skip
    dsm.create_volume("p0")  # another create is not affected
    reply = dsm.request(
        "POST", "StorageCenter/ScVolume", {"Name": "p1", "Size": "1 GB", "StorageCenter": SSN},
        **{"async": "True"},
    )  # fmt: skip
    assert reply.status_code == 202
    poll = reply.json()["returnValue"]
    assert [dsm.request("GET", poll).status_code for _ in range(2)] == [503, 503]
    assert dsm.request("GET", poll).status_code in (200, 201)
    assert len(dsm.get_list("ScVolume", Name="p1")) == 1


def test_volume_size_limit(dsm: Dsm) -> None:
    reply = dsm.call(
        "POST", "StorageCenter/ScVolume", {"Name": "huge", "Size": "501 TB", "StorageCenter": SSN}
    )
    assert reply.status_code == 400 and "maximum volume size" in reply.json()["result"]


def test_a_delayed_request_is_authenticated_on_arrival(dsm: Dsm) -> None:
    dsm.admin("POST", "faults", {"path": "ScVolume/GetList", "action": "delay", "delay_s": 0.6})
    expiry = threading.Timer(0.2, lambda: dsm.admin("POST", "sessions/expire"))
    expiry.start()
    try:
        assert dsm.request("POST", "StorageCenter/ScVolume/GetList", {}).status_code == 200
    finally:
        expiry.join()
    assert dsm.request("POST", "StorageCenter/ScVolume/GetList", {}).status_code == 401
