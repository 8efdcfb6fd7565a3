"""Transport, login, version negotiation, session cookies."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from dellsc.emulator import EmulatorOptions, EmulatorServer

from .conftest import Dsm, start


def test_login_over_https_verified_with_the_ca(server: EmulatorServer) -> None:
    assert server.base_url.startswith("https://127.0.0.1:")
    assert server.ca_file is not None
    dsm = Dsm(server)
    reply = dsm.login()
    assert reply["apiVersion"] == "4.1"
    assert reply["provider"] == "EnterpriseManager"
    assert "JSESSIONID" in dsm.http.cookies
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.api_url + "StorageCenter/StorageCenter", verify=True, timeout=5)


def test_version_outside_the_range_is_refused_with_the_range() -> None:
    options = replace(EmulatorOptions(), tls=False, api_versions=("3.1", "4.1"))
    with start(options) as server:
        dsm = Dsm(server, version="2.0")
        reply = dsm.request("POST", "ApiConnection/Login", {})
        assert reply.status_code == 400
        text = reply.json()["result"]
        assert text.startswith("Invalid API version specified, the version must be in the range [")
        assert text.split("[", 1)[1].split(",", 1)[0] == "3.1"
        dsm.http.headers["x-dell-api-version"] = "3.1"
        assert dsm.login()["apiVersion"] == "4.1"


def test_requests_need_the_session_cookie(server: EmulatorServer) -> None:
    dsm = Dsm(server)
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 401
    dsm.login()
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200
    assert dsm.request("POST", "ApiConnection/Logout", {}).status_code == 204
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 401


def test_bad_password_is_refused(server: EmulatorServer) -> None:
    dsm = Dsm(server)
    dsm.http.auth = ("Admin", "wrong")
    assert dsm.request("POST", "ApiConnection/Login", {}).status_code == 401


def test_admin_session_expiry_forces_a_new_login(dsm: Dsm) -> None:
    assert dsm.admin("POST", "sessions/expire")["expired"] == 1
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 401
    dsm.login()
    assert dsm.request("GET", "StorageCenter/StorageCenter").status_code == 200


def test_direct_mode_and_reported_version() -> None:
    options = replace(EmulatorOptions(), tls=False, direct=True, reported_api_version="3.5")
    with start(options) as server:
        reply = Dsm(server).login()
        assert reply["provider"] == "StorageCenter"
        assert reply["apiVersion"] == "3.5"


def test_storage_center_level_reads(dsm: Dsm) -> None:
    [sc] = dsm.get("StorageCenter/StorageCenter")
    assert sc["scSerialNumber"] == 64702 and sc["instanceId"] == "64702"
    assert dsm.get_list("StorageCenter", connected=True)[0]["instanceId"] == "64702"
    prefs = dsm.get("StorageCenter/StorageCenter/64702/UserPreferences")
    assert prefs["replayProfileList"][0]["instanceName"] == "Daily"
    assert prefs["allowStorageProfileSelection"] is True
    assert dsm.get("StorageCenter/ScConfiguration/64702")["iscsiTransportMode"] == "VirtualPort"
    assert dsm.get("StorageCenter/StorageCenter/64702/LiveVolumeList") == []
    assert dsm.request("GET", "StorageCenter/ScConfiguration/99999").status_code == 404
