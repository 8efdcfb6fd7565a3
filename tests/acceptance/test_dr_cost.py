"""A small replication plan on a large primary reads only its own volumes (issue 20: cost
follows the configuration, not the array): its refresh, its failover preview, the failover,
and the failback send no GetList of the primary's whole volume, mapping or replication lists,
as the emulator's request log shows; the moves still end as after a run on a small array
(copies serving the standby host, the volume fenced; then the volume serving its host again,
replicating). Counted in requests, never timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_dr import PROVIDERS
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays
from tests.acceptance.conftest import PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
ARRAY = 2500  # above the 2,000 volumes up to which a Storage Center is always listed whole
IQN = "iqn.1994-05.com.redhat:cost-host"
WHOLE_KINDS = ("ScVolume", "ScMappingProfile", "ScMapping", "ScReplication")
NAMES = ("cost-a", "cost-b")


def module(active_site: str) -> str:
    volumes = "".join(
        f'resource "dellsc_volume" "{n[-1]}" {{\n  name    = "{n}"\n  size_gb = 1\n}}\n'
        f'resource "dellsc_volume_mapping" "{n[-1]}" {{\n'
        f"  volume_id = dellsc_volume.{n[-1]}.id\n  server_id = dellsc_server.host.id\n}}\n"
        for n in NAMES
    )
    return f"""{PROVIDERS}resource "dellsc_server" "host" {{
  name             = "cost-host"
  iscsi_initiators = ["{IQN}"]
}}
resource "dellsc_server" "standby" {{
  provider         = dellsc.dr
  name             = "cost-standby"
  iscsi_initiators = ["{IQN}"]
}}
{volumes}
resource "dellsc_replication_plan" "dr" {{
  name            = "cost"
  destination_ssn = {SECONDARY}
  volume_ids      = [dellsc_volume.a.id, dellsc_volume.b.id]
  active_site     = "{active_site}"
  depends_on      = [dellsc_volume_mapping.a, dellsc_volume_mapping.b] # hosts recorded at once
}}
"""


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY), preload_volumes=ARRAY)
    with EmulatorServer(options) as server:
        yield server


def whole_lists(probe: ArrayProbe) -> list[str]:
    """The GetLists of the log that list every object of a kind on the primary (filtered on
    nothing but the Storage Center), then the log is emptied."""
    found = []
    for entry in probe.admin("GET", "requests")["requests"]:
        kind = entry["path"].removeprefix("StorageCenter/").removesuffix("/GetList")
        if not entry["path"].endswith("/GetList") or kind not in WHOLE_KINDS:
            continue
        body: dict[str, Any] = entry.get("body") or {}
        group = body.get("filter", body)
        names = {f.get("attributeName", "").casefold(): f.get("attributeValue")
                 for f in group.get("filters", [])}  # fmt: skip
        if set(names) == {"scserialnumber"} and int(names["scserialnumber"]) == PRIMARY:
            found.append(f"{kind} ({entry['method']} {entry['path']})")
    probe.admin("DELETE", "requests")
    return found


def mapped(arrays: Arrays, volume_id: str) -> set[str]:
    servers = {s["instanceId"]: s for s in arrays.objects("ScServer")}
    return {
        sid
        for sid in arrays.mapped_servers(volume_id)
        if servers.get(sid, {}).get("objectType") != "ScRemoteStorageCenter"
    }


def run(tf: Terraform, emulator: EmulatorServer, *, failback: bool) -> None:
    """Apply the plan, refresh it, fail it over (and back), checking the request log after
    each step and the arrays after each move."""
    probe, arrays = ArrayProbe(emulator), Arrays(ArrayProbe(emulator))
    tf.write(module("primary"))
    tf.init()
    tf.apply()
    attrs = tf.values("dellsc_replication_plan.dr")
    pairs = attrs["pairs"]
    host = tf.values("dellsc_server.host")["id"]
    standby = tf.values("dellsc_server.standby")["id"]
    assert sorted(pairs) == sorted(attrs["volume_ids"]) and len(pairs) == 2
    assert all([i.casefold() for i in p["initiators"]] == [IQN] for p in pairs.values())

    probe.admin("DELETE", "requests")
    assert tf.plan_exit_code() == 0
    assert whole_lists(probe) == [], "the refresh of a 2-volume plan listed the primary"

    tf.write(module("secondary"))
    plan = tf.run("plan", "-input=false", "-no-color", ok=None)
    assert "Failover:" in plan.output and "cost-standby" in plan.output
    assert whole_lists(probe) == [], "the failover preview listed the primary"
    tf.apply()
    assert whole_lists(probe) == [], "the failover listed the primary"
    for volume_id, pair in pairs.items():
        assert mapped(arrays, volume_id) == set()  # fenced
        assert mapped(arrays, pair["destination_volume_id"]) == {standby}
    assert tf.plan_exit_code() == 0
    if not failback:
        return
    probe.admin("DELETE", "requests")
    tf.write(module("primary"))
    tf.apply()
    assert whole_lists(probe) == [], "the failback listed the primary"
    for volume_id, pair in pairs.items():
        assert mapped(arrays, volume_id) == {host}
        assert mapped(arrays, pair["destination_volume_id"]) == set()
        replication = arrays.replication_of(volume_id)
        assert replication["destinationVolume"]["instanceId"] == pair["destination_volume_id"]
    assert tf.values("dellsc_replication_plan.dr")["active_site"] == "primary"
    assert tf.plan_exit_code() == 0


def test_a_small_replication_plan_reads_only_its_volumes(
    emulator: EmulatorServer, tmp_path: Path, cli_config: Path
) -> None:
    """Refresh, failover preview and failover."""
    run(make_terraform(tmp_path, default_flavour(), cli_config, emulator), emulator,
        failback=False)  # fmt: skip


@pytest.mark.faults
def test_a_small_replication_plan_fails_back_reading_only_its_volumes(
    emulator: EmulatorServer, tmp_path: Path, cli_config: Path
) -> None:
    """The whole cycle, failback included (under `make test-faults` for its time; the
    failback's steps are the same however the sites are read, and test_site_down runs them
    in `make test`)."""
    run(make_terraform(tmp_path, default_flavour(), cli_config, emulator), emulator,
        failback=True)  # fmt: skip
