"""The CLI process and state that survives restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import requests

from dellsc.emulator import EmulatorOptions

from .conftest import Dsm, start


def test_cli_prints_the_ready_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "sc.db"
    command = [
        sys.executable,
        "-c",
        "import sys; from dellsc.emulator.cli import main; sys.exit(main())",
        "--port",
        "0",
        "--state",
        str(state),
        "--ssn",
        "64702",
        "--ssn",
        "64703",
        "--password",
        "canary-s3cret",
        "--log-level",
        "debug",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        words = dict(w.split("=", 1) for w in line.split()[3:])
        assert line.startswith("dellsc emulator ready endpoint=https://127.0.0.1:")
        assert words["ssn"] == "64702,64703" and words["ca"] == f"{state}.ca.pem"
        reply = requests.post(
            words["endpoint"] + "/api/rest/ApiConnection/Login",
            json={},
            auth=("Admin", "canary-s3cret"),
            headers={"x-dell-api-version": "2.0"},
            verify=words["ca"],
            timeout=5,
        )
        assert reply.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        logs = proc.stderr.read() if proc.stderr else ""
        assert "ApiConnection/Login -> 200" in logs and "canary-s3cret" not in logs
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    options = replace(EmulatorOptions(), tls=False, state=str(tmp_path / "state.db"))
    with start(options) as server:
        dsm = Dsm(server)
        dsm.login()
        vid = dsm.create_volume("keep", 4)["instanceId"]
        before = dsm.admin("GET", "state")
    with start(options) as server:
        dsm = Dsm(server)
        dsm.login()
        assert dsm.get(f"StorageCenter/ScVolume/{vid}")["name"] == "keep"
        assert dsm.admin("GET", "state") == before
        assert dsm.create_volume("next")["instanceId"] != vid
