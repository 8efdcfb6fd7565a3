"""A real plugin process driven the way Terraform drives it (reference §1)."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.protobuf import empty_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dellsc.server import logs
from dellsc.server._gen import plugin_pb2, plugin_pb2_grpc, tfplugin6_pb2, tfplugin6_pb2_grpc
from dellsc.server.plugin import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE

# The provider under test: a trivial servicer answering GetProviderSchema.
ENTRY = """
import sys
from dellsc.server._gen import tfplugin6_pb2, tfplugin6_pb2_grpc
from dellsc.server.plugin import serve

class Provider(tfplugin6_pb2_grpc.ProviderServicer):
    def GetProviderSchema(self, request, context):
        return tfplugin6_pb2.GetProviderSchema.Response(
            provider=tfplugin6_pb2.Schema(block=tfplugin6_pb2.Schema.Block())
        )

sys.exit(serve(Provider, debug="--debug" in sys.argv))
"""
PROVIDER_DIR = Path(__file__).resolve().parents[2] / "provider"


def terraform_client_cert() -> bytes:
    """A client certificate like Terraform's per-launch one (go-plugin mtls.go): ECDSA P-521."""
    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(seconds=30))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA512())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def plugin_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    env["PYTHONPATH"] = str(PROVIDER_DIR)
    env.update(extra)
    return env


def launch(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@dataclass
class Handshake:
    fields: list[str]
    elapsed: float

    @property
    def socket(self) -> Path:
        return Path(self.fields[3])

    def server_cert_pem(self) -> bytes:
        der = base64.b64decode(self.fields[5] + "=" * (-len(self.fields[5]) % 4))
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def read_handshake(proc: subprocess.Popen[bytes], started: float) -> Handshake:
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert line.endswith("\n"), f"no handshake; stderr: {proc.stderr and proc.stderr.read()!r}"
    return Handshake(line.strip().split("|"), time.monotonic() - started)


@pytest.fixture
def plugin() -> Iterator[tuple[subprocess.Popen[bytes], Handshake]]:
    env = plugin_env(
        **{
            MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE,
            "PLUGIN_PROTOCOL_VERSIONS": "5,6",
            "PLUGIN_MIN_PORT": "10000",
            "PLUGIN_MAX_PORT": "25000",
            "PLUGIN_CLIENT_CERT": terraform_client_cert().decode(),
        }
    )
    started = time.monotonic()
    proc = launch(env)
    try:
        yield proc, read_handshake(proc, started)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        assert proc.stdout and proc.stderr
        proc.stdout.close()
        proc.stderr.close()


def secure_channel(handshake: Handshake) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(root_certificates=handshake.server_cert_pem())
    return grpc.secure_channel(
        f"unix:{handshake.socket}",
        credentials,
        options=[
            ("grpc.ssl_target_name_override", "localhost"),
            ("grpc.default_authority", "localhost"),
        ],
    )


def test_terraform_style_session(plugin: tuple[subprocess.Popen[bytes], Handshake]) -> None:
    proc, handshake = plugin
    core, version, network, address, protocol, cert = handshake.fields
    assert (core, version, network, protocol) == ("1", "6", "unix", "grpc")
    assert len(address.encode()) < 100 and address.endswith("/plugin.sock")
    assert "=" not in cert and len(cert) > 50
    socket_dir = handshake.socket.parent
    assert socket_dir.stat().st_mode & 0o777 == 0o700

    server_cert = x509.load_pem_x509_certificate(handshake.server_cert_pem())
    san = server_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["localhost"]
    assert isinstance(server_cert.public_key(), ec.EllipticCurvePublicKey)

    with secure_channel(handshake) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        status = health.Check(health_pb2.HealthCheckRequest(service="plugin"), timeout=5)
        assert status.status == health_pb2.HealthCheckResponse.SERVING

        stdio = plugin_pb2_grpc.GRPCStdioStub(channel)  # type: ignore[no-untyped-call]
        assert list(stdio.StreamStdio(empty_pb2.Empty(), timeout=5)) == []

        provider = tfplugin6_pb2_grpc.ProviderStub(channel)  # type: ignore[no-untyped-call]
        schema = provider.GetProviderSchema(tfplugin6_pb2.GetProviderSchema.Request(), timeout=5)
        assert schema.HasField("provider") and schema.provider.HasField("block")

        with pytest.raises(grpc.RpcError) as unimplemented:
            provider.ReadResource(tfplugin6_pb2.ReadResource.Request(), timeout=5)
        assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED

        controller = plugin_pb2_grpc.GRPCControllerStub(channel)  # type: ignore[no-untyped-call]
        shutdown_at = time.monotonic()
        controller.Shutdown(plugin_pb2.Empty(), timeout=5)

    assert proc.wait(timeout=2) == 0
    assert time.monotonic() - shutdown_at < 2
    assert not socket_dir.exists()
    assert proc.stdout is not None and proc.stdout.read() == b""  # nothing after the handshake
    print(f"start to handshake: {handshake.elapsed * 1000:.0f} ms")


def test_sigint_is_ignored(plugin: tuple[subprocess.Popen[bytes], Handshake]) -> None:
    proc, handshake = plugin
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=2) == 0
    assert not handshake.socket.parent.exists()


def test_without_magic_cookie_exits_1_with_a_message() -> None:
    result = subprocess.run(
        [sys.executable, "-c", ENTRY], env=plugin_env(), capture_output=True, timeout=30
    )
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"not meant to be executed directly" in result.stderr
    assert b"terraform init" in result.stderr


def test_without_protocol_6_exits_1_with_a_message() -> None:
    env = plugin_env(**{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "4,5"})
    result = subprocess.run([sys.executable, "-c", ENTRY], env=env, capture_output=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"protocol 6" in result.stderr


def test_long_tmpdir_falls_back_to_tmp(tmp_path: Path) -> None:
    long_tmp = tmp_path / ("d" * 120)
    long_tmp.mkdir()
    env = plugin_env(**{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "TMPDIR": str(long_tmp)})
    proc = launch(env)
    handshake = read_handshake(proc, time.monotonic())
    assert handshake.fields[5] == ""  # no PLUGIN_CLIENT_CERT: plaintext
    assert handshake.socket.parent.parent == Path("/tmp")
    with grpc.insecure_channel(f"unix:{handshake.socket}") as channel:
        controller = plugin_pb2_grpc.GRPCControllerStub(channel)  # type: ignore[no-untyped-call]
        controller.Shutdown(plugin_pb2.Empty(), timeout=5)
    assert proc.wait(timeout=2) == 0
    proc.communicate()


def test_plugin_unix_socket_dir_is_honoured(tmp_path: Path) -> None:
    env = plugin_env(
        **{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_UNIX_SOCKET_DIR": str(tmp_path)}
    )
    proc = launch(env)
    handshake = read_handshake(proc, time.monotonic())
    assert handshake.socket.parent.parent == tmp_path
    proc.terminate()
    assert proc.wait(timeout=2) == 0
    proc.communicate()
    assert list(tmp_path.iterdir()) == []


def test_debug_mode_prints_reattach_config() -> None:
    proc = launch(plugin_env(), "--debug")
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().strip()
    prefix = "TF_REATTACH_PROVIDERS='"
    assert line.startswith(prefix) and line.endswith("'")
    config = json.loads(line[len(prefix) : -1])["registry.terraform.io/dellsc/dellsc"]
    assert config["Test"] is True and config["Pid"] == proc.pid
    assert config["Protocol"] == "grpc" and config["ProtocolVersion"] == 6
    socket = config["Addr"]["String"]
    with grpc.insecure_channel(f"unix:{socket}") as channel:
        provider = tfplugin6_pb2_grpc.ProviderStub(channel)  # type: ignore[no-untyped-call]
        provider.GetProviderSchema(tfplugin6_pb2.GetProviderSchema.Request(), timeout=5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=2) == 0
    proc.communicate()
    assert not Path(socket).parent.exists()


def test_exits_when_the_parent_dies(tmp_path: Path) -> None:
    """An orphan (Terraform SIGKILLed) notices the new parent and exits on its own."""
    parent_script = (
        "import subprocess, sys\n"
        f"child = subprocess.Popen([sys.executable, '-c', {ENTRY!r}])\n"
        "print(child.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    env = plugin_env(**{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE})
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_script],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert parent.stdout is not None and parent.stdin is not None
    parent.stdout.readline()  # the child's pid
    handshake = read_handshake(parent, time.monotonic())
    parent.stdin.close()  # the parent exits; the plugin is orphaned
    parent.wait(timeout=5)
    deadline = time.monotonic() + 30  # generous: a loaded CI machine is slow to reap
    while handshake.socket.parent.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not handshake.socket.parent.exists()
    parent.stdout.close()


def test_startup_crash_is_reported_as_a_panic(tmp_path: Path) -> None:
    env = plugin_env(
        **{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_UNIX_SOCKET_DIR": str(tmp_path / "no")}
    )
    result = subprocess.run([sys.executable, "-c", ENTRY], env=env, capture_output=True, timeout=30)
    assert result.returncode not in (0, 1)
    assert result.stdout == b""
    assert result.stderr.startswith(b"panic: FileNotFoundError")
    assert b"Traceback (most recent call last)" in result.stderr


# --- logging (dellsc.server.logs) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "level"),
    [
        ({}, logging.INFO),
        ({"TF_LOG": ""}, logging.INFO),
        ({"TF_LOG": "debug"}, logging.DEBUG),
        ({"TF_LOG": "WARN"}, logging.WARNING),
        ({"TF_LOG": "ERROR"}, logging.ERROR),
        ({"TF_LOG": "TRACE"}, logs.TRACE),
        ({"TF_LOG": "JSON"}, logs.TRACE),
        ({"TF_LOG": "loud"}, logs.TRACE),
        ({"TF_LOG": "OFF"}, logs.OFF),
        ({"TF_LOG": "ERROR", "TF_LOG_PROVIDER": "debug"}, logging.DEBUG),
        ({"TF_LOG": "debug", "TF_LOG_PROVIDER": "off"}, logs.OFF),
    ],
)
def test_log_level_from_terraform_environment(env: dict[str, str], level: int) -> None:
    assert logs.level_from_env(env) == level


@pytest.mark.parametrize(
    ("levelno", "name"),
    [
        (logs.TRACE, "trace"),
        (logging.DEBUG, "debug"),
        (logging.INFO, "info"),
        (logging.WARNING, "warn"),
        (logging.ERROR, "error"),
        (logging.CRITICAL, "error"),
    ],
)
def test_hclog_levels(levelno: int, name: str) -> None:
    assert logs.hclog_level(levelno) == name


HCLOG_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_hclog_line_has_only_string_values() -> None:
    record = logging.LogRecord("dellsc.volume", logging.WARNING, "f.py", 1, "%s GB", (10,), None)
    record.tf_rpc = "PlanResourceChange"
    record.size = 10
    line = logs.HclogFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert HCLOG_TIMESTAMP.match(entry.pop("@timestamp"))
    assert entry == {
        "@level": "warn",
        "@message": "10 GB",
        "@module": "dellsc.volume",
        "tf_rpc": "PlanResourceChange",
        "size": "10",
    }


def test_hclog_line_carries_timestamp_and_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("dellsc", logging.ERROR, "f.py", 1, "failed", (), sys.exc_info())
    entry = json.loads(logs.HclogFormatter().format(record))
    assert HCLOG_TIMESTAMP.match(entry["@timestamp"])
    assert "ValueError: boom" in entry["error"]
    assert all(isinstance(v, str) for v in entry.values())


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ["", "dellsc", *logs.QUIET_LOGGERS]
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers)) for n in names}
    yield
    for n, (level, handlers) in saved.items():
        logging.getLogger(n).setLevel(level)
        logging.getLogger(n).handlers[:] = handlers


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_writes_json_to_stderr_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TF_LOG_PROVIDER", raising=False)
    monkeypatch.setenv("TF_LOG", "debug")
    logs.configure_logging()
    logs.configure_logging()  # idempotent: still one line per record
    logging.getLogger("dellsc.sc").debug("GET %s", "/StorageCenter", extra={"status": 200})
    logging.getLogger("urllib3.connectionpool").info("Starting new HTTPS connection")
    logging.getLogger("urllib3.connectionpool").warning("Retrying")
    logging.getLogger("other").info("third-party chatter")
    out, err = capsys.readouterr()
    assert out == ""
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(e["@level"], e["@module"], e["@message"]) for e in lines] == [
        ("debug", "dellsc.sc", "GET /StorageCenter"),
        ("warn", "urllib3.connectionpool", "Retrying"),
    ]
    assert lines[0]["status"] == "200"


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TF_LOG_PROVIDER", "OFF")
    logs.configure_logging()
    logging.getLogger("dellsc").critical("not shown")
    logging.getLogger("urllib3").error("not shown either")
    assert capsys.readouterr() == ("", "")


def test_provider_that_cannot_load_is_reported_as_a_panic() -> None:
    """The provider loads on the first RPC (after the handshake): a failure there fails that
    call, writes the crash report and ends the process."""
    entry = (
        "import sys\nfrom dellsc.server.plugin import serve\n"
        "def load():\n    raise RuntimeError('schema files missing')\n"
        "sys.exit(serve(load))\n"
    )
    env = plugin_env(**{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE})
    proc = subprocess.Popen(
        [sys.executable, "-c", entry], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    handshake = read_handshake(proc, time.monotonic())
    with grpc.insecure_channel(f"unix:{handshake.socket}") as channel:
        provider = tfplugin6_pb2_grpc.ProviderStub(channel)  # type: ignore[no-untyped-call]
        with pytest.raises(grpc.RpcError):
            provider.GetProviderSchema(tfplugin6_pb2.GetProviderSchema.Request(), timeout=5)
    assert proc.wait(timeout=5) == 2
    _, stderr = proc.communicate()
    assert stderr.startswith(b"panic: RuntimeError: schema files missing")
    assert not handshake.socket.parent.exists()
