"""A known secret, as the DSM password and as the user info of endpoint URLs, through every error
path a Terraform user can reach: configuration refused at validation, failed logins, transport
and TLS errors, DSM error replies and failed tasks that echo it, with TF_LOG=trace. It never
appears in Terraform's output, its logs (the plugin's included) or the state; and the AutoMTLS
certificate files are gone when the commands end."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
SECRET = "Sw33p-S3cret-7143"
TOKEN = base64.b64encode(f"Admin:{SECRET}".encode()).decode()
LEAKS = (SECRET, TOKEN, TOKEN.rstrip("="))


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    # the second endpoint serves the provider that meets an echoing DSM error at configure
    with EmulatorServer(EmulatorOptions(password=SECRET, secondary_ports=(0,))) as server:
        yield server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def provider(alias: str, **settings: str) -> str:
    lines = "".join(f"  {key} = {value}\n" for key, value in settings.items())
    return f'provider "dellsc" {{\n  alias = "{alias}"\n{lines}}}\n'


def reader(alias: str) -> str:
    """A data source that needs the provider configured."""
    return f'data "dellsc_storage_center" "{alias}" {{\n  provider = dellsc.{alias}\n}}\n'


VARIABLES = "".join(
    f'variable "{name}" {{\n  type      = string\n  sensitive = true\n}}\n'
    for name in ("pw", "url_userinfo", "url_bad_port", "url_ftp", "url_secondary")
)


def assert_never_shown(*texts: str) -> None:
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, f"{leak!r} shown:\n{text[max(0, text.find(leak) - 300) :]}"


def test_no_error_or_log_shows_a_secret(
    tf: Terraform, emulator: EmulatorServer, probe: ArrayProbe, tmp_path: Path
) -> None:
    port = emulator.port
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        "TF_LOG": "trace",
        "XDG_RUNTIME_DIR": str(runtime),
        "TF_VAR_pw": SECRET,
        "TF_VAR_url_userinfo": f"https://Admin:{SECRET}@127.0.0.1:{port}",
        "TF_VAR_url_bad_port": f"https://Admin:{SECRET}@127.0.0.1:99x99",
        "TF_VAR_url_ftp": f"ftp://Admin:{SECRET}@127.0.0.1/",
        "TF_VAR_url_secondary": f"https://Admin:{SECRET}@127.0.0.1:{port}",
        "DELLSC_PASSWORD": "",
    }
    logs: list[str] = []

    def run(*args: str, name: str) -> str:
        log = tmp_path / f"{name}.log"
        result = tf.run(*args, ok=None, extra_env={**env, "TF_LOG_PATH": str(log)})
        logs.append(log.read_text())
        return result.output

    # 1. refused at validation, before anything is sent: URLs with user info, a bad port, ftp
    refused = [
        provider("userinfo", endpoint="var.url_userinfo", password="var.pw"),
        provider("bad_port", endpoint="var.url_bad_port", password="var.pw"),
        provider("ftp", endpoint="var.url_ftp", password="var.pw"),
        provider("secondary", password="var.pw", secondary_endpoints="[var.url_secondary]"),
    ]
    tf.write(
        VARIABLES + "".join(refused) + "".join(reader(a) for a in ("userinfo", "bad_port", "ftp",
                                                                   "secondary"))
    )  # fmt: skip
    tf.init()
    validation = run("plan", "-input=false", "-no-color", name="validate")
    assert validation.count("must not contain a user name or password") == 4, validation
    assert "https://***@127.0.0.1:99x99" in " ".join(validation.split())

    # 2. configured, then failing: a DSM that echoes the credentials in its error, a wrong
    # password, nothing listening, TLS untrusted, plain HTTP to a TLS port
    probe.admin("POST", "faults", {
        "method": "GET", "path": "^StorageCenter/StorageCenter$", "action": "status",
        "status": 500, "endpoint": 1, "count": 10,
        "message": f"internal error for Admin:{SECRET} (Authorization: Basic {TOKEN})",
    })  # fmt: skip
    failing = [
        provider("echoing", password="var.pw", endpoint=f'"{emulator.base_urls[1]}"'),
        provider("wrong", password='"wrong-password"'),
        provider("refused", password="var.pw", endpoint=f'"https://127.0.0.1:{free_port()}"'),
        provider("untrusted", password="var.pw", ca_file='""'),
        provider("plain", password="var.pw", endpoint=f'"http://127.0.0.1:{port}"'),
    ]
    tf.write(VARIABLES + "".join(failing) + "".join(reader(a.split('"')[3]) for a in failing))
    configured = " ".join(run("plan", "-input=false", "-no-color", name="configure").split())
    for expected in (
        "Storage Center Login Failed",  # the echoing 500
        "Authentication Failed",
        "Cannot Reach The Storage Center API",
        "TLS Verification Failed",
        "Warning: Plain HTTP Endpoint",
    ):
        assert expected in configured, f"{expected!r} missing:\n{configured}"
    assert "internal error for Admin:*** (Authorization: Basic ***)" in configured

    # 3. a working provider whose creates meet error replies and failed tasks that echo the
    # credentials, and a dropped connection
    for body, action, message in (
        ("echo-400", "status", f"bad password {SECRET}"),
        ("task-fails", "task_fail", f"task failed: https://Admin:{SECRET}@dsm/x Basic {TOKEN}"),
        ("dropped", "drop", ""),
    ):
        probe.admin("POST", "faults", {
            "method": "POST", "path": "^StorageCenter/ScVolume$", "body": body,
            "action": action, "status": 400 if action == "status" else 500,
            "message": message or "dropped",
        })  # fmt: skip
    volumes = "".join(
        f'resource "dellsc_volume" "{name}" {{\n  provider = dellsc.good\n'
        f'  name     = "{name}"\n  size_gb  = 1\n}}\n'
        for name in ("echo-400", "task-fails", "dropped")
    )
    tf.write(VARIABLES + provider("good", password="var.pw") + volumes)
    applied = run("apply", "-auto-approve", "-input=false", "-no-color", name="apply")
    flat = " ".join(applied.split())
    for expected in ("Storage Center Rejected The Request", "Volume Create Outcome Unknown"):
        assert expected in flat, f"{expected!r} missing:\n{applied}"
    assert "bad password ***" in flat and "https://***@dsm/x Basic ***" in flat
    assert "@module=dellsc.sc" in logs[-1], "the trace log holds the plugin's own lines"
    state = (tf.workdir / "terraform.tfstate").read_text()
    assert_never_shown(validation, configured, applied, *logs, state)

    # the AutoMTLS certificate files of these commands are gone with them
    deadline = time.monotonic() + 20
    while list(runtime.glob("dellsc/tls-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(runtime.glob("dellsc/tls-*")) == []
