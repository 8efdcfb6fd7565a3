"""Malformed replies and retry classification, with a fake transport adapter (no emulator).

Array behaviour is tested against the emulator; this file covers replies the emulator would
never send (bare `false`, broken JSON, wrong shapes) and which failures are retried.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from dellsc.sc import RetryPolicy, ScClient, ScConfig, errors

Handler = Callable[[str, str, Any], tuple[int, Any]]
SSN = 64702
LOGIN = {
    "objectType": "ApiConnection",
    "instanceId": "0",
    "apiVersion": "4.1",
    "provider": "EnterpriseManager",
}
CENTERS = [{"objectType": "StorageCenter", "instanceId": "64702", "scSerialNumber": 64702}]
VOLUME = {
    "objectType": "ScVolume",
    "instanceId": "64702.7",
    "name": "v",
    "scSerialNumber": 64702,
    "configuredSize": "1.073741824E9 Bytes",
}


class FakeAdapter(BaseAdapter):
    """Answers every request with `handler(method, api_path, json_body) -> (status, body)`;
    a body that is a `str` is sent verbatim, an exception instance is raised."""

    def __init__(self, handler: Handler, login: Any = LOGIN) -> None:
        super().__init__()
        self.handler = handler
        self.login = login
        self.calls: list[tuple[str, str]] = []
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        path = (request.path_url or "").split("/api/rest/", 1)[1]
        body = json.loads(request.body) if request.body else None
        self.calls.append((request.method or "", path))
        self.sent.append(request)
        if path == "ApiConnection/Login":
            status, reply = 200, self.login
        elif path == "StorageCenter/StorageCenter":
            status, reply = 200, CENTERS
        else:
            status, reply = self.handler(request.method or "", path, body)
        if isinstance(reply, BaseException):
            raise reply
        resp = requests.Response()
        resp.status_code = status
        resp._content = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
        resp.request = request
        resp.url = request.url or ""
        return resp

    def close(self) -> None:
        pass


def make_client(
    handler: Handler, login: Any = LOGIN, password: str = "pw"
) -> tuple[ScClient, FakeAdapter]:
    cfg = ScConfig(
        endpoint="https://dsm.invalid",
        username="Admin",
        password=password,
        ssn=SSN,
        retry=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002),
        poll_interval=0.01,
    )
    client = ScClient(cfg)
    adapter = FakeAdapter(handler, login)
    client.session._http.mount("https://", adapter)
    client.connect()
    adapter.calls.clear()
    return client, adapter


def test_bare_false_on_delete_means_busy() -> None:
    def handler(method: str, path: str, body: Any) -> tuple[int, Any]:
        return (200, VOLUME) if method == "GET" else (200, "false")

    client, _ = make_client(handler)
    with pytest.raises(errors.ScConflict, match="volume busy"):
        client.delete_volume("64702.7")


def test_unreadable_object_is_an_api_error() -> None:
    client, _ = make_client(lambda m, p, b: (200, "<html>oops</html>"))
    with pytest.raises(errors.ScApiError, match="not JSON"):
        client.get_volume("64702.7")


def test_getlist_reply_of_wrong_shape() -> None:
    client, _ = make_client(lambda m, p, b: (200, "42"))
    with pytest.raises(errors.ScApiError, match="expected a list"):
        client.list_volumes()


def test_getlist_null_is_empty() -> None:
    client, _ = make_client(lambda m, p, b: (200, "null"))
    assert client.list_volumes() == []


def test_plain_text_error_body_is_the_message() -> None:
    client, _ = make_client(lambda m, p, b: (403, "Insufficient privileges"))
    with pytest.raises(errors.ScAuthError, match="Insufficient privileges"):
        client.storage_usage()


def test_password_echoed_by_the_array_is_redacted() -> None:
    client, _ = make_client(lambda m, p, b: (400, {"result": "bad password pw given"}))
    with pytest.raises(errors.ScBadRequest) as caught:
        client.storage_usage()
    assert "pw" not in caught.value.message.replace("password", "")


@pytest.mark.parametrize(
    ("status", "reply"),
    [
        pytest.param(200, "<p>hello fake-canary-Pw7</p>", id="non-json-reply"),
        pytest.param(
            202,
            {"objectType": "AsyncTask", "instanceId": "9", "state": "Failed", "error": "by "},
            id="task-error",
        ),
    ],
)
def test_password_in_any_array_text_is_redacted(status: int, reply: Any) -> None:
    secret = "fake-canary-Pw7"
    if isinstance(reply, dict):
        reply = {**reply, "error": reply["error"] + secret}
    client, _ = make_client(lambda m, p, b: (status, reply), password=secret)
    with pytest.raises(errors.ScApiError) as caught:
        client.create_volume("v", 1)
    assert "***" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(caught.value)


@pytest.mark.parametrize(
    ("status", "text", "attempts"),
    [
        pytest.param(503, "busy", 3, id="503-retried"),
        pytest.param(502, "gateway", 3, id="502-retried"),
        pytest.param(500, "boom", 1, id="500-not-retried"),
        pytest.param(400, '{"result": "Unhandled Exception: NPE"}', 3, id="unhandled-retried"),
        pytest.param(400, '{"result": "Name is required"}', 1, id="400-not-retried"),
        pytest.param(404, '{"result": "no such object"}', 1, id="404-not-retried"),
    ],
)
def test_read_retry_classification(status: int, text: str, attempts: int) -> None:
    client, adapter = make_client(lambda m, p, b: (status, text))
    with pytest.raises(errors.ScApiError):
        client.storage_usage()
    assert len(adapter.calls) == attempts


def test_mutations_retry_only_connect_errors() -> None:
    refused = requests.exceptions.ConnectTimeout("connect timed out")
    client, adapter = make_client(lambda m, p, b: (0, refused))
    with pytest.raises(errors.ScConnectError):
        client.create_volume("v", 1)
    assert len(adapter.calls) == 3
    reset = requests.exceptions.ConnectionError("Connection aborted.")
    client, adapter = make_client(lambda m, p, b: (0, reset))
    with pytest.raises(errors.ScTransportError):
        client.create_volume("v", 1)
    assert adapter.calls == [("POST", "StorageCenter/ScVolume")]


def test_sync_reply_to_async_call_is_accepted() -> None:
    client, adapter = make_client(lambda m, p, b: (201, VOLUME))
    assert client.create_volume("v", 1).instance_id == "64702.7"
    assert adapter.calls == [("POST", "StorageCenter/ScVolume")]


def test_async_task_error_state_fails() -> None:
    task = {
        "objectType": "AsyncTask",
        "instanceId": "9",
        "state": "Error",
        "errorState": "Error",
        "error": "controller offline",
        "returnValue": "",
    }
    client, _ = make_client(lambda m, p, b: (202, task))
    with pytest.raises(errors.ScTaskFailed, match="controller offline"):
        client.create_volume("v", 1)


def test_absolute_poll_url_stays_on_our_endpoint() -> None:
    task = {
        "objectType": "AsyncTask",
        "instanceId": "9",
        "state": "Running",
        "returnValue": "https://elsewhere.example:9999/api/rest/ApiConnection/AsyncTask/9",
    }

    def handler(method: str, path: str, body: Any) -> tuple[int, Any]:
        return (202, task) if method == "POST" else (201, VOLUME)

    client, adapter = make_client(handler)
    client.create_volume("v", 1)
    assert adapter.calls[-1] == ("GET", "ApiConnection/AsyncTask/9")


def test_task_without_an_id_is_polled_by_its_url() -> None:
    task = {
        "objectType": "AsyncTask",
        "state": "Running",
        "returnValue": "https://dsm.invalid/api/rest/ApiConnection/AsyncTask/9",
    }

    def handler(method: str, path: str, body: Any) -> tuple[int, Any]:
        return (202, task) if method == "POST" else (201, VOLUME)

    client, adapter = make_client(handler)
    assert client.create_volume("v", 1).instance_id == "64702.7"
    assert adapter.calls[-1] == ("GET", "ApiConnection/AsyncTask/9")


@pytest.mark.parametrize(
    "task",
    [
        pytest.param({"objectType": "AsyncTask", "returnValue": ""}, id="no-url-no-id"),
        pytest.param({"objectType": "AsyncTask", "instanceId": "9", "started": []}, id="bad-field"),
    ],
)
def test_unusable_task_is_an_sc_error(task: dict[str, Any]) -> None:
    client, _ = make_client(lambda m, p, b: (202, task))
    with pytest.raises(errors.ScApiError, match="AsyncTask"):
        client.create_volume("v", 1)


def test_unmap_requires_confirmation() -> None:
    profile = {
        "objectType": "ScMappingProfile",
        "instanceId": "64702.5",
        "server": {"instanceId": "64702.1", "instanceName": "s", "objectType": "ScServer"},
    }

    def handler(method: str, path: str, body: Any) -> tuple[int, Any]:
        return (200, [profile]) if method == "GET" else (200, "")

    client, _ = make_client(handler)
    with pytest.raises(errors.ScApiError, match="unmap not confirmed"):
        client.unmap_volume("64702.7", "64702.1")


def test_object_missing_required_fields_is_an_api_error() -> None:
    client, _ = make_client(lambda m, p, b: (200, {"objectType": "ScVolume", "name": "v"}))
    with pytest.raises(errors.ScApiError, match="unexpected ScVolume"):
        client.get_volume("64702.7")


def test_unreadable_login_reply_uses_the_drivers_defaults() -> None:
    client, _ = make_client(lambda m, p, b: (200, []), login="Welcome!")
    assert client.api_version == "3.0"
    assert not client.session.legacy_filters and client.session.legacy_folder_paths


def test_credentials_only_on_login() -> None:
    client, adapter = make_client(lambda m, p, b: (200, []))
    client.list_volumes()
    client.session.login()
    logins = [r for r in adapter.sent if r.path_url.endswith("ApiConnection/Login")]
    assert logins and all(r.headers["Authorization"].startswith("Basic ") for r in logins)
    rest = [r for r in adapter.sent if not r.path_url.endswith("ApiConnection/Login")]
    assert rest and all("Authorization" not in r.headers for r in rest)
    assert all(r.headers["x-dell-api-version"] == "2.0" for r in adapter.sent)


@pytest.mark.parametrize(("version", "legacy"), [("2.0", True), ("2.1", True), ("2.2", False)])
def test_filter_envelope_follows_the_reported_version(version: str, legacy: bool) -> None:
    bodies: list[Any] = []

    def handler(method: str, path: str, body: Any) -> tuple[int, Any]:
        bodies.append(body)
        return 200, []

    client, _ = make_client(handler, login={**LOGIN, "apiVersion": version})
    client.find_volumes(name="v")
    group = bodies[-1] if legacy else bodies[-1]["filter"]
    assert ("filter" in bodies[-1]) is not legacy
    assert {"attributeName": "Name", "attributeValue": "v", "filterType": "Equals"} in group[
        "filters"
    ]


def test_volume_in_recycle_bin_is_not_found() -> None:
    client, _ = make_client(lambda m, p, b: (200, {**VOLUME, "inRecycleBin": True}))
    with pytest.raises(errors.ScNotFound, match="recycle bin"):
        client.get_volume("64702.7")


@pytest.mark.parametrize(("listed", "found"), [([], False), ([VOLUME], True)])
def test_get_error_is_confirmed_with_a_getlist(listed: list[Any], found: bool) -> None:
    def handler(method: str, path: str, body: Any) -> tuple[int, Any]:
        return (500, {"result": "internal error"}) if method == "GET" else (200, listed)

    client, adapter = make_client(handler)
    if found:
        assert client.get_volume("64702.7").instance_id == "64702.7"
    else:
        with pytest.raises(errors.ScNotFound):
            client.get_volume("64702.7")
        # "gone" only while the SC itself is reachable (else ScUnavailable)
        assert adapter.calls[-1] == ("GET", "StorageCenter/StorageCenter")
    assert ("POST", "StorageCenter/ScVolume/GetList") in adapter.calls
