"""Shapes no public client confirms (reference §9.1a), checked against the emulator.

`dellsc doctor` reports a clean emulator as clean, names a renamed and a retyped field, and
changes nothing on the array; a plan whose retype preview cannot read schedule rules or QoS
limits still succeeds, with a warning naming what it could not read; a LUN the array did not
honour is an error saying what the array did, never a replacement on every apply; a small
plan on a large array reads only its own objects.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_retype import retype_volume
from tests.acceptance.configs_servers import PROVIDER, block, mapping, server, volume
from tests.acceptance.conftest import PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe

pytestmark = pytest.mark.acceptance
IQN = "iqn.1993-08.org.debian:01:lun0001"
MEMBER_IQN = "iqn.1998-01.com.vmware:doc-member"
RENAMED = {"kind": "ScQosProfile", "field": "maxIops", "rename": "maximumIops"}
RETYPED = {"kind": "ScQosProfile", "field": "maxBandwidth", "value": "100 MB/s"}
PARENT = {"kind": "ScPhysicalServer", "field": "parent", "rename": "parentCluster"}
UNSURE = {"kind": "ScQosProfile", "field": "limitBandwidthEnabled", "value": "when busy"}
RULES_404 = {
    "path": r"RuleList$|ScReplayProfileRule/GetList$",
    "action": "status",
    "status": 404,
    "message": "Resource not found",
    "count": 1000,
}


@pytest.fixture
def start() -> Iterator[Any]:
    """Start emulators with options of the test's choosing; all stop at the end."""
    running: list[EmulatorServer] = []

    def started(**options: Any) -> EmulatorServer:
        emulator = EmulatorServer(EmulatorOptions(password=PASSWORD, **options)).start()
        running.append(emulator)
        return emulator

    yield started
    for emulator in running:
        emulator.stop()


def _post(probe: ArrayProbe, path: str, body: dict[str, Any]) -> Any:
    return probe.api("POST", f"StorageCenter/{path}", body)


def _furnish(probe: ArrayProbe) -> None:
    """A mapped volume with a snapshot, a server, a consistency group with a group snapshot:
    every call of the doctor then has an object to read (made over REST, synchronously)."""
    ssn = probe.ssn
    vol = _post(probe, "ScVolume", {"Name": "doc-data", "Size": "1 GB", "StorageCenter": ssn})
    host = _post(probe, "ScPhysicalServer", {"Name": "doc-host", "StorageCenter": ssn})
    _post(probe, f"ScPhysicalServer/{host['instanceId']}/AddHba",
          {"HbaPortType": "Iscsi", "WwnOrIscsiName": IQN, "AllowManual": True})  # fmt: skip
    _post(probe, f"ScVolume/{vol['instanceId']}/MapToServer", {"server": host["instanceId"]})
    _post(probe, f"ScVolume/{vol['instanceId']}/CreateReplay", {"description": "before"})
    group = _post(probe, "ScReplayProfile",
                  {"Name": "doc-group", "Type": "Consistent", "StorageCenter": ssn})  # fmt: skip
    probe.api("PUT", f"StorageCenter/ScVolumeConfiguration/{vol['instanceId']}",
              {"ReplayProfileList": [group["instanceId"]]})  # fmt: skip
    _post(probe, f"ScReplayProfile/{group['instanceId']}/CreateReplay", {"description": "g"})
    _cluster(probe)


def _cluster(probe: ArrayProbe) -> str:
    """A server cluster with one member and a volume mapped to it; the cluster's id."""
    ssn = probe.ssn
    cluster = _post(probe, "ScServerCluster", {"Name": "doc-cluster", "StorageCenter": ssn})
    member = _post(probe, "ScPhysicalServer", {"Name": "doc-member", "StorageCenter": ssn})
    _post(probe, f"ScPhysicalServer/{member['instanceId']}/AddHba",
          {"HbaPortType": "Iscsi", "WwnOrIscsiName": MEMBER_IQN, "AllowManual": True})  # fmt: skip
    _post(probe, f"ScPhysicalServer/{member['instanceId']}/AddToCluster",
          {"Parent": cluster["instanceId"]})  # fmt: skip
    vol = _post(probe, "ScVolume", {"Name": "doc-shared", "Size": "1 GB", "StorageCenter": ssn})
    _post(probe, f"ScVolume/{vol['instanceId']}/MapToServer", {"server": cluster["instanceId"]})
    return str(cluster["instanceId"])


def _doctor(emulator: EmulatorServer, out: Path) -> tuple[int, str, dict[str, Any]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DELLSC_")},
        "DELLSC_ENDPOINT": emulator.base_url,
        "DELLSC_USERNAME": emulator.username,
        "DELLSC_PASSWORD": emulator.password,
        "DELLSC_CA_FILE": emulator.ca_file or "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "dellsc.cli", "doctor", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr, json.loads(out.read_text())


def _calls(report: dict[str, Any], call: str) -> list[dict[str, Any]]:
    return [c for c in report["calls"] if c["call"] == call]


def test_doctor_reports_drift_and_changes_nothing(start: Any, tmp_path: Path) -> None:
    clean = start()
    probe = ArrayProbe(clean)
    _furnish(probe)
    before = probe.mutations()
    code, output, report = _doctor(clean, tmp_path / "clean.json")
    assert code == 0, output
    assert probe.mutations() == before, "the doctor changed the array"
    assert report["totals"]["drift"] == report["totals"]["fail"] == 0, output
    assert report["totals"]["skip"] == 0, output  # every read found something to read
    assert report["storage_center"] == probe.ssn and report["api_version"]
    servers = {s["name"]: s["instanceId"] for s in probe.snapshot()["objects"]["ScServer"].values()}
    cluster, member = servers["doc-cluster"], servers["doc-member"]
    for call in (f"GET StorageCenter/ScServer/{cluster}", f"GET StorageCenter/ScServer/{member}",
                 f"GET StorageCenter/ScServer/{member}/HbaList"):  # fmt: skip
        assert [c["status"] for c in _calls(report, call)] == ["ok"], call
    by_name = _calls(report, "POST StorageCenter/ScServer/GetList")
    assert [c["checked_ids"] for c in by_name][1:] == [[cluster]], "the cluster by its name"
    # the cluster's own mapping profile (read before the bulk list)
    [profile] = [p for p in probe.snapshot()["objects"]["ScMappingProfile"].values()
                 if p["server"]["instanceId"] == cluster]  # fmt: skip
    profiles = _calls(report, "POST StorageCenter/ScMappingProfile/GetList")
    assert profiles[0]["checked_ids"] == [profile["instanceId"]], profiles[0]
    rules = _calls(report, "GET StorageCenter/ScReplayProfile/64702.2/RuleList")
    assert rules and rules[0]["no_public_evidence"] and rules[0]["status"] == "ok"
    # ids, field and type names only: no credential, no object name
    text = (tmp_path / "clean.json").read_text() + output
    assert PASSWORD not in text and "doc-data" not in text and "doc-host" not in text

    drifted = start(drifts=(RENAMED, RETYPED, PARENT))
    probe = ArrayProbe(drifted)
    cluster = _cluster(probe)
    before = probe.mutations()
    code, output, report = _doctor(drifted, tmp_path / "drift.json")
    assert code == 1, output
    assert probe.mutations() == before
    (volume_qos, group_qos) = _calls(report, "POST StorageCenter/ScQosProfile/GetList")
    for call in (volume_qos, group_qos):
        assert call["status"] == "drift"
        assert call["missing"] == ["maxIops"] and "maximumIops" in call["unknown_fields"]
        assert call["read_as_unknown"] == {"maxBandwidth": "str"}
    assert "DRIFT POST StorageCenter/ScQosProfile/GetList" in output
    # the members of a cluster are found by their `parent`: a reply without it is drift
    [members] = [c for c in report["calls"] if cluster in c["error"]]
    assert members["status"] == "drift" and "parent" in members["error"]
    assert report["totals"]["drift"] == 3 and report["totals"]["fail"] == 0


def test_plan_goes_on_when_rules_and_qos_limits_cannot_be_read(
    start: Any, tmp_path: Path, cli_config: Path
) -> None:
    emulator = start(drifts=(RETYPED, UNSURE))
    tf = make_terraform(tmp_path, default_flavour(), cli_config, emulator)
    probe = ArrayProbe(emulator)
    tf.write(retype_volume("degraded", replay_profiles=["Daily"], volume_qos_profile="Default"))
    tf.init()
    tf.apply()
    probe.admin("POST", "faults", RULES_404)
    tf.write(retype_volume("degraded", replay_profiles=["Weekly"], volume_qos_profile="Premium"))
    before = probe.mutations()
    result = tf.run("plan", "-input=false", "-no-color", "-detailed-exitcode", ok=None)
    assert result.code == 2, result.output
    assert probe.mutations() == before
    text = " ".join(line.strip(" │╷╵") for line in result.stdout.splitlines())
    assert "Warning: Retype In Place: replay_profiles" in text
    assert "Warning: Retype Preview Incomplete: replay_profiles" in text
    assert "RuleList -> 404" in text and "ScReplayProfileRule/GetList" in text
    assert "Warning: Retype In Place: volume_qos_profile" in text
    assert "at most 10000 IOPS, bandwidth limit unknown" in text
    assert "Warning: Retype Preview Incomplete: volume_qos_profile" in text
    assert "maxBandwidth of QoS profile 'Premium'" in text
    tf.apply()
    assert tf.plan_exit_code() == 0


def test_a_taken_lun_is_an_error_saying_what_the_array_did(
    start: Any, tmp_path: Path, cli_config: Path
) -> None:
    # an array that maps at the next free LUN whatever the client asks
    emulator = start(lun_conflict="next")
    tf = make_terraform(tmp_path, default_flavour(), cli_config, emulator)
    probe = ArrayProbe(emulator)
    config = PROVIDER + server(name="lun-host", iscsi_initiators=[IQN]) + "".join(
        volume(label, name=f"lun-{label}") + mapping(label, f"dellsc_volume.{label}.id", lun=5)
        for label in ("a", "b")
    )  # fmt: skip
    tf.write(config)
    tf.init()
    probe.admin("DELETE", "requests")
    result = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    text = " ".join(line.strip(" │╷╵") for line in result.output.splitlines())
    assert "Error: Mapping Made At Another LUN" in text, text
    assert "at LUN 1 although LUN 5 was asked for" in text
    assert "that mapping was removed again" in text
    (host,) = [s for s in probe.api("POST", "StorageCenter/ScServer/GetList", {})
               if s["name"] == "lun-host"]  # fmt: skip
    luns = [p["lunUsed"] for p in probe.api("POST", "StorageCenter/ScMappingProfile/GetList", {})
            if p["server"]["instanceId"] == host["instanceId"]]  # fmt: skip
    assert luns == [[5]]
    maps = [r["body"] for r in probe.admin("GET", "requests")["requests"]
            if r["path"].endswith("/MapToServer")]  # fmt: skip
    assert maps and all(
        m["Advanced"]["PreferredLun"] == 5 and m["Advanced"]["UseNextAvailable"] is False
        for m in maps
    )
    mapped = [a for a in tf.state_addresses() if a.startswith("dellsc_volume_mapping.")]
    assert len(mapped) == 1  # the other one is not in state: nothing to taint and replace
    result = tf.run("plan", "-input=false", "-no-color", ok=False)
    assert "Error: LUN Already In Use" in result.output  # named at plan time from now on


def test_a_small_plan_on_a_large_array_reads_only_its_objects(
    start: Any, tmp_path: Path, cli_config: Path
) -> None:
    emulator = start(preload_volumes=2500)
    tf = make_terraform(tmp_path, default_flavour(), cli_config, emulator)
    probe = ArrayProbe(emulator)
    tf.write(PROVIDER + "".join(
        block("resource", "dellsc_volume", f"v{n}", name=f"small-{n}", size_gb=1)
        for n in range(3)
    ))  # fmt: skip
    tf.init()
    tf.apply()
    probe.admin("POST", "stats/reset")
    probe.admin("DELETE", "requests")
    assert tf.plan_exit_code() == 0
    paths = [r["path"] for r in probe.admin("GET", "requests")["requests"]]
    listed = [p for p in paths if p.endswith(("ScVolume/GetList", "Configuration/GetList"))]
    assert listed == [], "the plan listed the array's volumes"
    singles = [p for p in paths if re.fullmatch(r"StorageCenter/ScVolume/[\d.]+", p)]
    configs = [p for p in paths if p.endswith("/VolumeConfiguration")]
    assert (len(singles), len(configs)) == (3, 3), paths
    assert len(paths) <= 3 * 2 + 8, paths
