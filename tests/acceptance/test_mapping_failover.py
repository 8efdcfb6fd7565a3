"""A volume mapping while its Storage Center is down and while its volume is failed over: it
keeps its last known state with a warning (never an error, never a re-map), and the failback
brings the array's mapping back under the same resource."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays, plan
from tests.acceptance.conftest import PASSWORD
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_replication_plan import add_host

pytestmark = pytest.mark.acceptance
IQN = "iqn.1993-08.org.debian:01:mapped-host"
MAPPING = "dellsc_volume_mapping.m"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))) as server:
        yield server


def config(**site: str) -> str:
    return (
        f'provider "dellsc" {{\n  ssn = {PRIMARY}\n}}\n'
        'resource "dellsc_volume" "a" {\n  name    = "mapped-a"\n  size_gb = 1\n}\n'
        f'resource "dellsc_server" "h" {{\n  name             = "mapped-host"\n'
        f'  iscsi_initiators = ["{IQN}"]\n}}\n'
        f'resource "dellsc_volume_mapping" "m" {{\n  volume_id = dellsc_volume.a.id\n'
        "  server_id = dellsc_server.h.id\n}\n" + plan("dr", ["a"], **site)
    )


def refresh(tf: Terraform) -> dict[str, list[str]]:
    """A plan that must find nothing to do; its warnings by resource address (summary and
    detail, flattened)."""
    result = tf.run("plan", "-input=false", "-json", "-detailed-exitcode", ok=None)
    assert result.code == 0, result.output
    found: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        event = json.loads(line)
        if event.get("type") == "diagnostic":
            diag = event["diagnostic"]
            text = " ".join(f"{diag['severity']}: {diag['summary']}. {diag['detail']}".split())
            found.setdefault(diag.get("address", ""), []).append(text)
    return found


def test_mapping_while_down_and_failed_over(tf: Terraform, probe: ArrayProbe) -> None:
    arrays = Arrays(probe)
    tf.write(config())
    tf.init()
    tf.apply()
    mapping = tf.values(MAPPING)
    volume_id, server_id = mapping["volume_id"], mapping["server_id"]
    assert arrays.mapped_servers(volume_id) == {server_id}

    # the primary is down: the mapping keeps its last known state, with a warning
    arrays.down(PRIMARY)
    mutations = probe.mutations()
    [warned] = refresh(tf)[MAPPING]
    assert warned.startswith(f"warning: Storage Center Unreachable. Storage Center {PRIMARY} ")
    assert "Every dellsc_volume_mapping on it keeps its last known state" in warned
    assert probe.mutations() == mutations
    assert tf.values(MAPPING) == mapping
    arrays.up(PRIMARY)

    # failover with the primary up unmaps the volume: the mapping is kept, not mapped again
    remote_host = add_host(probe, SECONDARY, IQN)
    tf.apply(config(active_site="secondary"))
    assert arrays.mapped_servers(volume_id) == set()
    copy = tf.values("dellsc_replication_plan.dr")["pairs"][volume_id]["destination_volume_id"]
    assert arrays.mapped_servers(copy) == {remote_host}, "the copy serves the host"
    mutations = probe.mutations()
    [warned] = refresh(tf)[MAPPING]
    assert warned.startswith(f"warning: Volume Failed Over. Volume {volume_id} is failed over: "
                             f"its copy {copy} serves the hosts")  # fmt: skip
    assert probe.mutations() == mutations and tf.values(MAPPING) == mapping

    # the failback maps the volume again: the same resource holds the mapping it made
    tf.apply(config(active_site="primary"))
    assert arrays.mapped_servers(volume_id) == {server_id}
    assert refresh(tf) == {}
    assert tf.values(MAPPING)["volume_id"] == volume_id
    tf.apply(config(active_site="primary").split('resource "dellsc_volume_mapping"')[0])
    assert arrays.mapped_servers(volume_id) == set()
