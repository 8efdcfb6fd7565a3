"""Fixtures: a fresh emulator per test and a thin DSM client built on plain `requests`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from dellsc.emulator import EmulatorOptions, EmulatorServer

SSN = 64702
GIB = 1024**3


class Dsm:
    """Speaks the DSM wire protocol to an emulator, nothing more (no dellsc.sc code)."""

    def __init__(self, server: EmulatorServer, version: str = "2.0") -> None:
        self.server = server
        self.http = requests.Session()
        self.http.auth = (server.username, server.password)
        self.http.headers.update(
            {
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "x-dell-api-version": version,
            }
        )
        self.verify: str | bool = server.ca_file or False

    def request(
        self, method: str, path: str, body: Any = None, **headers: str
    ) -> requests.Response:
        url = path if path.startswith("http") else self.server.api_url + path
        return self.http.request(
            method, url, json=body, headers=headers, verify=self.verify, timeout=10
        )

    def login(self) -> dict[str, Any]:
        reply = self.request("POST", "ApiConnection/Login", {"Application": "tests"})
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def get(self, path: str) -> Any:
        reply = self.request("GET", path)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        """An async call polled to its final reply."""
        reply = self.request(method, path, body, **{"async": "True"})
        assert reply.status_code == 202, reply.text
        for _ in range(10):
            task = reply.json()
            reply = self.request("GET", task["returnValue"])
            if not (reply.ok and reply.content and reply.json().get("objectType") == "AsyncTask"):
                return reply
        raise AssertionError("async task never finished")

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        reply = self.call(method, path, body)
        assert reply.ok, reply.text
        return reply.json() if reply.content else None

    def get_list(self, kind: str, **attrs: Any) -> list[dict[str, Any]]:
        filters = [
            {"attributeName": k, "attributeValue": v, "filterType": "Equals"}
            for k, v in attrs.items()
        ]
        body = {"filter": {"filterType": "AND", "filters": filters}}
        reply = self.request("POST", f"StorageCenter/{kind}/GetList", body)
        assert reply.status_code == 200, reply.text
        return list(reply.json())

    def create_volume(self, name: str, gb: int = 1, **extra: Any) -> dict[str, Any]:
        body = {"Name": name, "Size": f"{gb} GB", "StorageCenter": SSN, "Notes": ""} | extra
        return dict(self.ok("POST", "StorageCenter/ScVolume", body))

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        reply = self.http.request(
            method, self.server.admin_url + path, json=body, verify=self.verify, timeout=10
        )
        assert reply.ok, reply.text
        return reply.json()


def start(options: EmulatorOptions) -> EmulatorServer:
    return EmulatorServer(options).start()


@pytest.fixture
def options() -> EmulatorOptions:
    return EmulatorOptions()


@pytest.fixture
def server(options: EmulatorOptions) -> Iterator[EmulatorServer]:
    emulator = start(options)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def dsm(server: EmulatorServer) -> Dsm:
    client = Dsm(server)
    client.login()
    return client


@pytest.fixture
def pair() -> Iterator[Dsm]:
    """Two SCs behind one DSM, plain HTTP."""
    emulator = start(replace(EmulatorOptions(), tls=False, ssns=(64702, 64703)))
    try:
        client = Dsm(emulator)
        client.login()
        yield client
    finally:
        emulator.stop()
