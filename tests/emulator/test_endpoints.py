"""Two endpoints over the same arrays: two DSMs, each with its own sessions and async tasks; one
can be taken down alone and brought back."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.emulator.conftest import SSN, Dsm, start


class At(Dsm):
    """A DSM client bound to one endpoint of the server."""

    def __init__(self, server: EmulatorServer, index: int) -> None:
        super().__init__(server)
        self.base = server.base_urls[index]

    def request(
        self, method: str, path: str, body: object = None, **headers: str
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}/api/rest/{path}"
        return self.http.request(
            method, url, json=body, headers=headers, verify=self.verify, timeout=10
        )

    def admin(self, method: str, path: str, body: object = None) -> object:
        reply = self.http.request(
            method, f"{self.base}/_emulator/{path}", json=body, verify=self.verify, timeout=10
        )
        assert reply.ok, reply.text
        return reply.json()


@pytest.fixture
def two() -> Iterator[EmulatorServer]:
    server = start(replace(EmulatorOptions(), secondary_ports=(0,), task_polls=2))
    try:
        yield server
    finally:
        server.stop()


def test_two_dsms_share_the_arrays_not_sessions_or_tasks(two: EmulatorServer) -> None:
    a, b = At(two, 0), At(two, 1)
    a.login()
    b.login()
    assert a.base != b.base and two.base_url == a.base
    made = a.create_volume("shared")
    assert [v["instanceId"] for v in b.get_list("ScVolume", Name="shared")] == [made["instanceId"]]
    stranger = At(two, 1)
    stranger.http.cookies.update(a.http.cookies)
    stranger.http.auth = None
    assert stranger.request("GET", "StorageCenter/StorageCenter").status_code == 401
    accepted = a.request(
        "POST", "StorageCenter/ScVolume", {"Name": "t", "Size": "1 GB", "StorageCenter": SSN},
        **{"async": "True"},
    )  # fmt: skip
    task = accepted.json()["instanceId"]
    assert b.request("GET", f"ApiConnection/AsyncTask/{task}").status_code == 404
    assert a.request("GET", f"ApiConnection/AsyncTask/{task}").status_code == 200


def test_an_endpoint_goes_down_alone_and_comes_back(two: EmulatorServer) -> None:
    a, b = At(two, 0), At(two, 1)
    a.login()
    b.login()
    accepted = a.request(
        "POST", "StorageCenter/ScVolume", {"Name": "d", "Size": "1 GB", "StorageCenter": SSN},
        **{"async": "True"},
    )  # fmt: skip
    task = accepted.json()["instanceId"]
    assert a.admin("POST", "endpoints/0/down") == {"index": 0, "url": a.base, "up": False}
    with pytest.raises(requests.exceptions.ConnectionError):
        a.request("GET", "StorageCenter/StorageCenter")
    listing = b.admin("GET", "endpoints")
    assert [e["up"] for e in listing["endpoints"]] == [False, True]
    assert len(b.get_list("ScVolume", Name="d")) == 1, "the arrays stay as they were"
    assert b.admin("POST", "endpoints/0/up")["up"] is True
    assert a.request("GET", "StorageCenter/StorageCenter").status_code == 401, "sessions ended"
    a.login()
    assert a.request("GET", f"ApiConnection/AsyncTask/{task}").status_code == 404, "tasks too"
    assert a.request("GET", "StorageCenter/StorageCenter").status_code == 200


def test_a_fault_can_aim_at_one_endpoint(two: EmulatorServer) -> None:
    a, b = At(two, 0), At(two, 1)
    a.admin("POST", "faults", {"path": "Login", "action": "status", "status": 503, "endpoint": 0,
                               "count": 5})  # fmt: skip
    assert a.request("POST", "ApiConnection/Login", {}).status_code == 503
    b.login()
    [rule] = b.admin("GET", "faults")["faults"]  # type: ignore[index]
    assert rule["endpoint"] == 0 and rule["fired"] == 1


def test_cli_serves_a_secondary_endpoint() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dellsc.cli", "emulator", "--port", "0", "--http",
         "--secondary-port", "0", "--state", ":memory:", "--log-level", "error"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready = dict(p.split("=", 1) for p in proc.stdout.readline().split()[3:])
        second = ready["secondary"]
        assert second.startswith("http://127.0.0.1:") and second != ready["endpoint"]
        listing = second + "/_emulator/endpoints"
        reply = requests.get(listing, auth=("Admin", "emulator"), timeout=10)
        assert [e["url"] for e in reply.json()["endpoints"]] == [ready["endpoint"], second]
    finally:
        proc.terminate()
        proc.wait(10)
