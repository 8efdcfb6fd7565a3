"""Emulator limits (bodies, request log, timeouts, connections, numbers) and the faults that act
after a request ran (lost reply, poll faults)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace

import pytest
import requests

from dellsc.emulator import EmulatorOptions, EmulatorServer
from dellsc.emulator.limits import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MAX_LOG_BYTES,
    RequestLog,
    Sessions,
)
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


# -- nothing unauthenticated is read or kept -------------------------------------------------


def raw_request(server: EmulatorServer, head: bytes, body: bytes = b"") -> tuple[bytes, bool]:
    """Send a raw HTTP/1.1 request over plain TCP; (status line + headers, server closed)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(head + body)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
        conn.settimeout(5)
        closed = False
        try:
            while chunk:
                chunk = conn.recv(65536)
            closed = True
        except (TimeoutError, ConnectionResetError):
            closed = not chunk
        return reply.split(b"\r\n\r\n")[0], closed


def test_unauthenticated_body_is_neither_read_nor_recorded() -> None:
    with start(replace(EmulatorOptions(), tls=False)) as server:
        dsm = Dsm(server)
        dsm.admin("DELETE", "requests")
        body = b"[" + b"[]," * (2 * 1024 * 1024) + b"[]]"  # 6 MiB that would parse into ~300 MB
        with requests.Session() as http:
            for path in ("StorageCenter/ScVolume/GetList", "ApiConnection/Login"):
                reply = http.post(
                    server.api_url + path, data=body, headers={"x-dell-api-version": "4.1"},
                    timeout=30,
                )  # fmt: skip
                assert reply.status_code == 401, "answered, the body discarded unread"
        assert server.app is not None
        assert len(server.app.request_log) == 0 and server.app.request_log.body_bytes == 0
        stats = dsm.admin("GET", "stats")
        assert stats["refused_unread"] == 2 and stats["request_log"]["entries"] == 0


def test_admin_body_is_not_read_without_credentials(server: EmulatorServer) -> None:
    reply = requests.post(
        server.admin_url + "volumes", data=b"x" * 100_000, verify=server.ca_file, timeout=10
    )
    assert reply.status_code == 401
    assert server.app is not None and server.app.stats["refused_unread"] == 1


def test_request_log_is_bounded_by_bytes() -> None:
    log = RequestLog(max_entries=1000, max_bytes=10_000, max_body=4_000)
    for n in range(50):
        log.add({"method": "POST", "path": f"p{n}"}, b'{"pad": "' + b"x" * 1_000 + b'"}')
    assert log.body_bytes <= 10_000 and len(log) < 12
    log.add({"method": "POST", "path": "big"}, b"[" + b"0," * 5_000 + b"0]")
    *_, last = log.listing()
    assert last["body"] is None and last["body_bytes"] == 10_003, "kept by its size only"
    seqs = [e["seq"] for e in log.listing()]
    assert seqs == sorted(seqs) and seqs[-1] == 51


def test_request_log_through_the_server_stays_within_its_bytes(dsm: Dsm) -> None:
    dsm.admin("DELETE", "requests")
    pad = "y" * 60_000
    for n in range(MAX_LOG_BYTES // 60_000 + 40):
        dsm.request("POST", "StorageCenter/ScVolume/GetList", {"pad": pad, "n": n})
    stats = dsm.admin("GET", "stats")["request_log"]
    assert 0 < stats["body_bytes"] <= MAX_LOG_BYTES
    assert dsm.admin("GET", "requests")["requests"][-1]["body"]["n"] > 100


# -- timeouts and the connection cap -----------------------------------------------------------


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closes `conn` within `seconds` (reading and discarding)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        pass
    return True


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_idle_and_slow_connections_time_out(tls: bool) -> None:
    """Nothing sent, a TLS handshake begun, a request head sent byte by byte: all closed."""
    options = replace(EmulatorOptions(), tls=tls, header_timeout_s=0.5)
    with start(options) as server:
        idle = socket.create_connection(("127.0.0.1", server.port))
        half = socket.create_connection(("127.0.0.1", server.port))
        half.sendall(b"\x16\x03\x01" if tls else b"GET /api/rest/ HTTP/1.1\r\nHo")
        assert closed_within(idle, 5) and closed_within(half, 5)
        idle.close()
        half.close()
        deadline = time.monotonic() + 5  # the server's accounting follows on its own loop
        while server.connections.live and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.connections.live == 0
        stats = server.connections.stats()
        assert stats["timed_out"] + stats["failed_handshakes"] == 2
        dsm = Dsm(server)
        dsm.login()  # a real client is served
        assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200


def test_a_body_that_does_not_arrive_is_a_408() -> None:
    with start(replace(EmulatorOptions(), tls=False, body_timeout_s=0.5)) as server:
        dsm = Dsm(server)
        dsm.login()
        cookie = "; ".join(f"{k}={v}" for k, v in dsm.http.cookies.items())
        head = (
            "POST /api/rest/StorageCenter/ScVolume/GetList HTTP/1.1\r\nHost: x\r\n"
            f"x-dell-api-version: 4.1\r\nCookie: {cookie}\r\nContent-Length: 100\r\n\r\n"
        ).encode()
        status, closed = raw_request(server, head, b"{")
        assert status.startswith(b"HTTP/1.1 408") and closed


def test_connections_are_capped_and_wait_their_turn() -> None:
    with start(replace(EmulatorOptions(), tls=False, max_connections=4)) as server:
        held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(12)]
        try:
            deadline = time.monotonic() + 5
            while server.connections.live < 4 and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
            assert server.connections.live == 4, "no more than the cap, the rest wait"
        finally:
            for conn in held:
                conn.close()
        dsm = Dsm(server)
        dsm.login()  # the waiting connections went, the server accepts again
        assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200
        assert dsm.admin("GET", "stats")["connections"]["cap"] == 4


# -- numbers out of range are a 400, never a crash ------------------------------------------------

HUGE = 10**30


def test_huge_numbers_are_400s(dsm: Dsm) -> None:
    vid = dsm.create_volume("nums")["instanceId"]
    dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": "64702.1"})
    replay = dsm.ok("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", {"expireTime": 5})
    group = dsm.ok(
        "POST", "StorageCenter/ScReplayProfile",
        {"Name": "g", "Type": "Consistent", "StorageCenter": SSN},
    )  # fmt: skip
    huge_json = b'{"Name": "n", "Size": "1 GB", "StorageCenter": ' + b"9" * 5000 + b"}"
    cases = [
        ("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", {"expireTime": 10**12}),
        ("POST", f"StorageCenter/ScVolume/{vid}/CreateReplay", {"expireTime": HUGE}),
        ("PUT", f"StorageCenter/ScReplay/{replay['instanceId']}", {"expireTime": 10**12}),
        ("POST", f"StorageCenter/ScReplayProfile/{group['instanceId']}/CreateReplay",
         {"expireTime": 10**12}),
        ("POST", "StorageCenter/ScVolume", {"Name": "n", "Size": "9" * 5000 + " GB",
                                            "StorageCenter": SSN}),
        ("POST", "StorageCenter/ScVolume", {"Name": "n", "Size": f"{HUGE} GB",
                                            "StorageCenter": SSN}),
        ("POST", "StorageCenter/ScVolume", {"Name": "n", "Size": "1 GB", "StorageCenter": HUGE}),
        ("POST", "StorageCenter/ScVolume", {"Name": "n", "Size": "1 GB",
                                            "StorageCenter": "9" * 5000}),
        ("POST", f"StorageCenter/ScVolume/{vid}/ExpandToSize", {"NewSize": f"{HUGE} TB"}),
        ("POST", f"StorageCenter/ScVolume/{vid}/MapToServer",
         {"server": "64702.1", "Advanced": {"PreferredLun": HUGE}}),
        ("POST", "StorageCenter/ScVolume", huge_json),
    ]  # fmt: skip
    for method, path, body in cases:
        if isinstance(body, bytes):
            reply = dsm.http.request(
                method, dsm.server.api_url + path, data=body, verify=dsm.verify, timeout=10
            )
        else:
            reply = dsm.call(method, path, body)
        assert reply.status_code == 400, (path, body if not isinstance(body, bytes) else "", reply)
    assert dsm.request("GET", "StorageCenter/StorageCenter/" + "9" * 5000).status_code in (400, 404)
    assert dsm.admin("GET", "state")["objects"]["ScVolume"].keys() == {vid}, "nothing made"
