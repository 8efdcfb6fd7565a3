"""Session behaviour against the emulator: login, negotiation, re-login, retries, TLS, logging."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.sc import RetryPolicy, ScClient, ScConfig, errors
from dellsc.sc.units import parse_version

from .conftest import (
    PASSWORD,
    SSN,
    USER,
    CallLog,
    Emulator,
    EmulatorFactory,
    Unique,
    run_concurrently,
    state_unchanged,
)

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def logins(log: CallLog) -> int:
    return sum(1 for _, path in log.calls if path == "ApiConnection/Login")


def test_connect_with_configured_ssn(emulator: Emulator, call_log: CallLog) -> None:
    with emulator.client(ssn=SSN) as client:
        assert client.ssn == SSN
        assert client.session.header_version == "2.0"
        assert parse_version(client.api_version) >= (2, 0)
        assert sorted(sc.sc_serial_number for sc in client.storage_centers()) == [SSN, 64703]
    assert ("POST", "ApiConnection/Logout") in call_log.calls


def test_configured_ssn_must_be_managed(emulator: Emulator) -> None:
    with pytest.raises(errors.ScNotFound, match=r"12345 .*managed: 64702, 64703"):
        emulator.client(ssn=12345)


def test_ssn_required_when_several_scs(emulator: Emulator) -> None:
    with pytest.raises(errors.ScValidationError, match="64702, 64703"):
        emulator.client(ssn=None)


def test_single_sc_is_picked_without_ssn(make_emulator: EmulatorFactory) -> None:
    with make_emulator() as emu, emu.client(ssn=None) as client:
        assert client.ssn == SSN


def test_client_connects_lazily(emulator: Emulator) -> None:
    with emulator.client(ssn=SSN, connect=False) as client:
        assert client.storage_usage().total_bytes > 0
        assert client.ssn == SSN


def test_version_negotiation_retries_with_lower_bound(
    make_emulator: EmulatorFactory, call_log: CallLog
) -> None:
    with make_emulator(api_versions=("3.1", "4.1")) as emu, emu.client() as client:
        assert client.session.header_version == "3.1"
        assert client.ssn == SSN
        assert logins(call_log) == 2
        # the negotiated version is kept for later logins
        emu.admin.expire_sessions()
        client.list_volumes()
        assert logins(call_log) == 3


def test_version_negotiation_gives_up_after_one_retry(emulator: Emulator) -> None:
    message = "Invalid API version specified, the version must be in the range [3.1, 4.1]."
    emulator.admin.fault(
        method="POST",
        path="^ApiConnection/Login$",
        action="status",
        status=400,
        message=message,
        count=2,
    )
    with pytest.raises(errors.ScApiVersionError, match=r"range \[3\.1, 4\.1\]") as caught:
        emulator.client()
    assert caught.value.status == 400


def test_wrong_password_is_an_auth_error_without_the_password(emulator: Emulator) -> None:
    with pytest.raises(errors.ScAuthError) as caught:
        emulator.client(password="wrong-" + PASSWORD)
    assert caught.value.status == 401
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(caught.value)


def test_expired_session_relogs_in_and_replays(
    client: ScClient, emulator: Emulator, call_log: CallLog
) -> None:
    client.list_volumes()
    emulator.admin.expire_sessions()
    volume = client.create_volume("relogin-vol", 1)
    assert client.get_volume(volume.instance_id).name == "relogin-vol"
    assert logins(call_log) == 1
    assert [p for m, p in call_log.calls if m == "POST" and p == "StorageCenter/ScVolume"] == [
        "StorageCenter/ScVolume"
    ] * 2  # refused with 401, then replayed once
    client.delete_volume(volume.instance_id)


def test_session_expiry_fault_during_a_write(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    name = unique("expire-fault")
    emulator.admin.fault(method="POST", path="^StorageCenter/ScVolume$", action="expire_session")
    volume = client.create_volume(name, 1)
    assert [v.instance_id for v in client.find_volumes(name=name)] == [volume.instance_id]
    client.delete_volume(volume.instance_id)


def test_concurrent_requests_after_expiry_log_in_once(
    client: ScClient, emulator: Emulator, call_log: CallLog
) -> None:
    client.storage_usage()
    emulator.admin.expire_sessions()
    failures = run_concurrently(6, lambda _: client.storage_profiles())
    assert failures == []
    assert logins(call_log) == 1


def test_get_is_retried_on_503(client: ScClient, emulator: Emulator, call_log: CallLog) -> None:
    emulator.admin.fault(
        method="GET", path="^StorageCenter/StorageCenter$", action="status", status=503, count=2
    )
    assert client.storage_centers()
    assert call_log.calls.count(("GET", "StorageCenter/StorageCenter")) == 3


def test_getlist_is_retried_on_unhandled_exception(
    client: ScClient, emulator: Emulator, call_log: CallLog
) -> None:
    emulator.admin.fault(
        method="POST",
        path="ScStorageProfile/GetList$",
        action="status",
        status=400,
        message="Unhandled Exception: java.lang.NullPointerException",
    )
    assert client.find_storage_profile("Recommended").name == "Recommended"
    assert call_log.calls.count(("POST", "StorageCenter/ScStorageProfile/GetList")) == 2


def test_retries_are_bounded(client: ScClient, emulator: Emulator, call_log: CallLog) -> None:
    emulator.admin.fault(method="GET", path="StorageUsage$", action="status", status=503, count=10)
    with pytest.raises(errors.ScApiError) as caught:
        client.storage_usage()
    assert caught.value.status == 503
    assert sum(1 for _, p in call_log.calls if p.endswith("StorageUsage")) == 3


def test_failed_post_is_not_retried(
    client: ScClient, emulator: Emulator, call_log: CallLog, unique: Unique
) -> None:
    name = unique("no-retry")
    with state_unchanged(emulator):
        emulator.admin.fault(
            method="POST", path="^StorageCenter/ScVolume$", action="status", status=503
        )
        with pytest.raises(errors.ScApiError) as caught:
            client.create_volume(name, 1)
    assert caught.value.status == 503
    assert call_log.calls.count(("POST", "StorageCenter/ScVolume")) == 1


def test_dropped_connection_retries_reads_not_writes(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    emulator.admin.fault(method="GET", path="StorageUsage$", action="drop")
    assert client.storage_usage().total_bytes > 0
    emulator.admin.fault(method="POST", path="^StorageCenter/ScVolume$", action="drop")
    with pytest.raises(errors.ScTransportError) as caught:
        client.create_volume(unique("dropped"), 1)
    assert not isinstance(caught.value, errors.ScConnectError)


def test_read_timeout(emulator: Emulator) -> None:
    emulator.admin.fault(method="GET", path="StorageUsage$", action="delay", delay_s=8.0)
    with emulator.client(ssn=SSN, request_timeout=2.0, retry=RetryPolicy(max_attempts=1)) as c:
        with pytest.raises(errors.ScReadTimeout):
            c.storage_usage()


def test_connect_error_is_retried_then_raised(call_log: CallLog) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = ScConfig(
        endpoint=f"https://127.0.0.1:{port}",
        username=USER,
        password=PASSWORD,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02),
        request_timeout=2,
    )
    with pytest.raises(errors.ScConnectError) as caught:
        ScClient(cfg).connect()
    assert not isinstance(caught.value, errors.ScTlsError)
    assert PASSWORD not in str(caught.value)


class TestTls:
    @pytest.fixture(autouse=True)
    def bundle_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # as on our machines: these would override a Session's own `verify`
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", SYSTEM_BUNDLE)
        monkeypatch.setenv("CURL_CA_BUNDLE", SYSTEM_BUNDLE)

    def test_ca_file_is_used_despite_env(self, emulator: Emulator) -> None:
        with emulator.client(ssn=SSN, ca_file=emulator.server.ca_file) as client:
            assert client.ssn == SSN

    def test_default_trust_store_rejects_the_emulator(self, emulator: Emulator) -> None:
        with pytest.raises(errors.ScTlsError, match="ca_file") as caught:
            emulator.client(ssn=SSN, ca_file=None)
        assert PASSWORD not in str(caught.value)

    def test_wrong_ca_file_fails(self, emulator: Emulator) -> None:
        with pytest.raises(errors.ScTlsError):
            emulator.client(ssn=SSN, ca_file=SYSTEM_BUNDLE)

    def test_unreadable_default_bundle_is_named_as_such(
        self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
        with pytest.raises(errors.ScTlsError, match="default CA bundle"):
            emulator.client(ssn=SSN, ca_file=None)

    def test_insecure_skips_verification(self, emulator: Emulator) -> None:
        with emulator.client(ssn=SSN, ca_file=None, insecure=True) as client:
            assert client.ssn == SSN


class TestEnvironment:
    """Proxy variables apply, read once for the endpoint when the client is made."""

    @pytest.fixture()
    def env(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
        # undone before the emulator fixture's own teardown requests
        with monkeypatch.context() as patch:
            for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
                patch.delenv(name, raising=False)
            yield patch

    @staticmethod
    def dead_proxy() -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return f"http://127.0.0.1:{s.getsockname()[1]}"

    def test_https_proxy_is_used(self, emulator: Emulator, env: pytest.MonkeyPatch) -> None:
        env.setenv("HTTPS_PROXY", self.dead_proxy())
        with pytest.raises(errors.ScTransportError, match="proxy"):
            emulator.client(ssn=SSN)

    def test_no_proxy_bypasses_it(self, emulator: Emulator, env: pytest.MonkeyPatch) -> None:
        env.setenv("HTTPS_PROXY", self.dead_proxy())
        env.setenv("NO_PROXY", "127.0.0.1")
        with emulator.client(ssn=SSN) as client:
            assert client.ssn == SSN

    def test_read_once_when_the_client_is_made(
        self, emulator: Emulator, env: pytest.MonkeyPatch
    ) -> None:
        with emulator.client(ssn=SSN) as client:
            env.setenv("HTTPS_PROXY", self.dead_proxy())
            assert client.storage_usage().total_bytes > 0


def test_password_never_logged(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, unique: Unique
) -> None:
    caplog.set_level(logging.DEBUG)
    with emulator.client(ssn=SSN) as client:
        volume = client.create_volume(unique("log"), 1)
        client.delete_volume(volume.instance_id)
        emulator.admin.expire_sessions()
        client.list_volumes()
    with pytest.raises(errors.ScAuthError):
        emulator.client(password=PASSWORD + "x")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "ApiConnection/Login -> 200" in text
    assert PASSWORD not in text
    for secret_word in ("Authorization", "Basic ", "Cookie", "Set-Cookie"):
        assert secret_word not in text
    sc_lines = [r for r in caplog.records if r.name == "dellsc.sc" and " -> " in r.getMessage()]
    assert sc_lines and all(r.args for r in sc_lines)  # lazy % formatting


def test_missing_ca_file_is_a_tls_error(emulator: Emulator, tmp_path: Path) -> None:
    with pytest.raises(errors.ScTlsError, match="CA file"):
        emulator.client(ssn=SSN, ca_file=str(tmp_path / "missing.pem"))
