"""dellsc_replication_plan through real Terraform against two emulated Storage Centers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import FLAVOURS, PASSWORD, default_flavour, make_terraform
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays, config, plan, volumes
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
PLAN = "dellsc_replication_plan.dr"
NAMES = ("db1", "db2", "db3")


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


def activate(probe: ArrayProbe, volume_id: str, server: str) -> None:
    probe.api("POST", f"StorageCenter/ScVolume/{volume_id}/MapToServer", {"server": server})


def snap(probe: ArrayProbe, volume_id: str, description: str) -> str:
    body = {"description": description, "expireTime": 0}
    replay = probe.api("POST", f"StorageCenter/ScVolume/{volume_id}/CreateReplay", body)
    return str(replay["globalIndex"])


def test_failover_with_the_primary_down_and_failback(
    tf_any: Terraform, probe: ArrayProbe, arrays: Arrays
) -> None:
    tf = tf_any
    tf.write(config(volumes(*NAMES), plan("dr", list(NAMES))))
    tf.init()
    tf.apply()
    state = tf.values(PLAN)
    ids = {n: tf.values(f"dellsc_volume.{n}")["id"] for n in NAMES}
    assert state["id"] == f"{PRIMARY}:{SECONDARY}:dr"
    assert sorted(state["volume_ids"]) == sorted(ids.values())
    remote = arrays.by_name(SECONDARY)
    assert set(remote) == {f"Cinder repl of {n}" for n in NAMES}
    for name, vid in ids.items():
        repl = arrays.replication_of(vid)
        dest = remote[f"Cinder repl of {name}"]
        assert repl["destinationVolume"]["instanceId"] == dest["instanceId"]
        assert repl["type"] == "Asynchronous" and repl["state"] == "Up"
        assert dest["notes"] == f"dellsc_replication_plan {state['id']}"
        assert dest["volumeFolder"]["instanceName"] == "dr"
        assert state["pairs"][vid] == {
            "destination_volume_id": dest["instanceId"],
            "state": "replicating",
            "synced": True,
            "bytes_remaining": 0,
        }
    assert len(arrays.replications()) == 3
    clean(tf)

    # data on the primary before the disaster, replicated to the secondary
    host = f"{PRIMARY}.1"
    activate(probe, ids["db1"], host)
    before = snap(probe, ids["db1"], "before failover")
    pairs = state["pairs"]
    assert before in arrays.replay_indexes(pairs[ids["db1"]]["destination_volume_id"])

    arrays.down(PRIMARY)
    tf.write(config(volumes(*NAMES), plan("dr", list(NAMES), active_site="secondary")))
    preview = tf.run("plan", "-input=false", "-no-color")
    assert preview.output.count("Warning: Failover") + preview.output.count(
        "similar warnings"
    ) >= 1
    import json
    pj = tf.plan_json()
    for rc in pj["resource_changes"]:
        if rc["address"] == PLAN:
            print(json.dumps(rc["change"], indent=1))
    assert "unknown (the primary Storage Center is down)" in preview.output
    started = time.perf_counter()
    tf.apply()
    failover_s = time.perf_counter() - started
    remote = arrays.by_name(SECONDARY)
    assert set(remote) == set(NAMES), "destinations take the volumes' names"
    for vid in ids.values():
        assert arrays.replication_of(vid)["state"] == "Down"
        assert tf.values(PLAN)["pairs"][vid]["state"] == "failed-over"
    assert tf.values(PLAN)["active_site"] == "secondary"
    output = clean(tf)
    assert "Storage Center Unreachable" in output
    assert "Error" not in output

    failed = tf.run(
        "apply", "-auto-approve", "-input=false", "-no-color", ok=False
    ) if False else None
    del failed
    tf.write(config(volumes(*NAMES), plan("dr", list(NAMES), active_site="primary")))
    mutations, dump = probe.mutations(), probe.snapshot()
    refused = tf.run("plan", "-input=false", "-no-color", ok=False)
    assert "Primary Storage Center Is Down" in refused.output and "active_site" in refused.output
    assert probe.mutations() == mutations and probe.snapshot() == dump
    assert tf.values(PLAN)["active_site"] == "secondary"

    arrays.up(PRIMARY)
    current = remote["db1"]["instanceId"]
    after = snap(probe, current, "written on the secondary")
    preview = tf.run("plan", "-input=false", "-no-color")
    assert "Warning: Failback" in preview.output
    started = time.perf_counter()
    tf.apply()
    failback_s = time.perf_counter() - started
    print(f"3-volume failover {failover_s:.1f} s, failback {failback_s:.1f} s ({tf.binary})")
    remote = arrays.by_name(SECONDARY)
    assert set(remote) == {f"Cinder repl of {n}" for n in NAMES}
    local = arrays.by_name(PRIMARY)
    for name, vid in ids.items():
        assert local[name]["instanceId"] == vid
        repl = arrays.replication_of(vid)
        assert repl["state"] == "Up"
        assert repl["destinationVolume"]["instanceId"] == remote[f"Cinder repl of {name}"][
            "instanceId"
        ]
    assert {before, after} <= arrays.replay_indexes(ids["db1"])
    assert len(arrays.replications()) == 3
    assert tf.values(PLAN)["active_site"] == "primary"
    clean(tf)
