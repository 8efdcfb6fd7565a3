"""Input a new user might write: every defect is a validate-time diagnostic naming its path
(or, when it takes the array or other resources to see, a plan-time one), and nothing
reaches the array; odd but valid names work end to end."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorServer
from tests.acceptance.configs import volume
from tests.acceptance.conftest import make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.hostile import Raw, at, block, diagnostics, hcl

pytestmark = pytest.mark.acceptance

BAD_PROVIDER = """provider "dellsc" {
  volume_folder = "///"
  timeouts = {
    request = "99999999999999h"
    task    = "0s"
  }
}
"""
BAD_VOLUMES = {
    "blank_name": 'name = "   "\n  size_gb = 1',
    "slashes": 'name = "a"\n  size_gb = 1\n  folder = "//"',
    "space": 'name = "b"\n  size_gb = 1\n  folder = " "',
    "dotdot": 'name = "c"\n  size_gb = 1\n  folder = "prod/../etc"',
    "huge": 'name = "d"\n  size_gb = 1e400',
}


def test_every_input_defect_is_named_at_validate(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(BAD_PROVIDER + volume("fine", provider=""))
    tf.init()
    before, mutations = probe.snapshot(), probe.mutations()
    provider_out = tf.run("validate", "-no-color", ok=False).output
    blocks = "".join(
        f'resource "dellsc_volume" "{label}" {{\n  {body}\n}}\n'
        for label, body in BAD_VOLUMES.items()
    )
    tf.write('provider "dellsc" {}\n' + blocks)
    out = provider_out + tf.run("validate", "-no-color", ok=False).output
    expected = {
        "Invalid timeouts.request": "between 1s and 1h",
        "Invalid timeouts.task": "between 1s and 24h",
        "Invalid volume_folder": "empty folder name",
        "Invalid name": "only whitespace",
        "Invalid size_gb": "at most 512000",
    }
    for summary, detail in expected.items():
        assert summary in out and detail in out, (summary, out)
    assert out.count("Invalid folder") == 3
    assert "'..' level" in out
    assert "OverflowError" not in out and "Unexpected" not in out
    # each diagnostic is anchored at its argument's line, not at the block
    # (Terraform anchors a value inside an object argument at that argument: `timeouts = {`)
    for line in ("timeouts = {", 'volume_folder = "///"', 'name = "   "', 'folder = "//"',
                 'folder = " "', "size_gb = 1e400"):  # fmt: skip
        assert re.search(rf"\d+:\s+{re.escape(line)}", out), (line, out)
    assert probe.snapshot() == before and probe.mutations() == mutations


def test_one_volume_in_two_resources_is_a_plan_warning(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(volume("shared"))
    tf.init()
    tf.apply()
    volume_id = tf.values("dellsc_volume.v")["id"]
    second = volume("shared", label="w", provider="")
    import_block = f'import {{\n  to = dellsc_volume.w\n  id = "{volume_id}"\n}}\n'
    tf.write(volume("shared") + second + import_block)
    out = tf.run("plan", "-no-color", "-input=false").output
    assert "Object Managed By Two Resources" in out
    assert volume_id in out


# -- hostile inputs: one validate, one plan, one apply ------------------------------------------

IQN = "iqn.1993-08.org.debian:01:acc"
# the least each type needs, so a case names only the argument it spoils
BASE: dict[str, dict[str, Any]] = {
    "dellsc_volume": {"name": "v", "size_gb": 1},
    "dellsc_server": {"name": "h"},
    "dellsc_snapshot": {"volume_id": "64702.101", "name": "x"},
    "dellsc_consistency_group": {"name": "g", "volume_ids": []},
    "dellsc_consistency_group_snapshot": {"consistency_group_id": "64702.11", "name": "x"},
    "dellsc_replication_plan": {"name": "p", "destination_ssn": 64703, "volume_ids": ["64702.101"]},
    "dellsc_volume_mapping": {"volume_id": "64702.101", "server_id": "64702.47"},
}


def case(kind: str, label: str, argument: str, words: str, **spoilt: Any) -> tuple[Any, ...]:
    """(type, label, argument at fault, attributes, words the error must say)"""
    return kind, label, argument, BASE[kind] | spoilt, words


VOLUME, SERVER, PLAN = "dellsc_volume", "dellsc_server", "dellsc_replication_plan"
HOSTILE = [
    case(VOLUME, "newline", "name", "a newline (U+000A)", name="a\nb"),
    case(VOLUME, "nul", "name", "NUL (U+0000)", name="a\x00b"),
    case(VOLUME, "linesep", "name", "line separator", name="a\u2028b"),
    case(VOLUME, "bidi", "name", "invisible formatting", name="a\u202eb"),
    case(VOLUME, "edge", "name", "start or end with a space", name=" db"),
    case(VOLUME, "up", "folder", "'..' level", folder="../../etc"),
    case(VOLUME, "dots", "folder", "'.' level", folder="a/./b/../c"),
    case(VOLUME, "gap", "folder", "empty folder name", folder="a//b"),
    case(VOLUME, "bslash", "folder", "not '\\'", folder="prod\\db"),
    case(VOLUME, "ssn", "ssn", "at most 2147483647", ssn=10**20),
    case(VOLUME, "src", "source_snapshot_id", "such as 64702.101.3", source_snapshot_id="s"),
    case(SERVER, "nul", "name", "NUL", name="h\x00"),
    case(SERVER, "blank", "name", "empty or only whitespace", name="  "),
    case(SERVER, "twins", "iscsi_initiators", "compared ignoring case",
         iscsi_initiators=[f"{IQN}:AbC", f"{IQN}:abc"]),
    case(SERVER, "month", "iscsi_initiators", "month from 01 to 12",
         iscsi_initiators=["iqn.1993-13.org.x"]),
    case(SERVER, "space", "iscsi_initiators", "only letters, digits",
         iscsi_initiators=[f"{IQN} x"]),
    case(SERVER, "colons", "fc_wwpns", "such as 21000024ff30441d",
         fc_wwpns=["21:00:00:24:ff:30:44:1d"]),
    case(SERVER, "up", "folder", "'..' level", folder="../../etc"),
    case(SERVER, "notes", "notes", "NUL", notes="a\x00b"),
    case("dellsc_snapshot", "newline", "name", "a newline", name="a\nb"),
    case("dellsc_snapshot", "forever", "expire_minutes", "at most 2147483647",
         expire_minutes=10**12),
    case("dellsc_consistency_group", "tab", "name", "a tab", name="cg\t"),
    case("dellsc_consistency_group", "blank", "name", "empty", name=""),
    case("dellsc_consistency_group", "ids", "volume_ids", "such as 64702.101", volume_ids=["x"]),
    case("dellsc_consistency_group_snapshot", "forever", "expire_minutes", "at most",
         expire_minutes=10**12),
    case(PLAN, "mode", "sync_mode", 'Set type = "sync"', sync_mode="HighConsistency"),
    case(PLAN, "name", "name", "letters, digits", name="a b"),
    case(PLAN, "qos", "qos_node", "a newline", qos_node="q\nx"),
    case(PLAN, "far", "destination_ssn", "at most", destination_ssn=10**20),
    case("dellsc_volume_mapping", "lun", "lun", "at most 4095", lun=4096),
]  # fmt: skip
REGEX_DUMP = re.compile(r"must match|\(\?i\)|\\d[{+]|\[0-9A-Fa-f\]")


def test_hostile_values_are_named_at_their_argument(tf: Terraform, probe: ArrayProbe) -> None:
    """Control characters, folder tricks, case twins, out-of-range numbers: every one is a
    validate-time error at its argument, in words, and nothing reaches the array."""
    blocks = [block("resource", kind, label, **attrs) for kind, label, _, attrs, _ in HOSTILE]
    blocks.append(block("data", "dellsc_volume", "lookup", name="a\nb"))
    tf.write('provider "dellsc" {}\n' + "".join(blocks))
    tf.init()
    mutations = probe.mutations()
    found = diagnostics(tf.run("validate", "-no-color", ok=False).output)
    for kind, label, argument, _, words in HOSTILE:
        errors = at(found, f"{kind}.{label}", argument)
        assert errors, f"no error at {kind}.{label}.{argument}: {found}"
        assert any(words in e.detail for e in errors), (words, errors)
    assert at(found, "data.dellsc_volume.lookup", "name")
    assert not [d for d in found if REGEX_DUMP.search(d.detail)], "messages are words"
    assert all(d.detail.endswith(".") for d in found), "whole sentences"
    assert probe.mutations() == mutations


def test_claims_across_resources_fail_at_plan_or_before_apply_changes(
    tf: Terraform, probe: ArrayProbe, cli_config: Path, emulator: EmulatorServer, tmp_path: Path
) -> None:
    """One initiator in two servers, one volume in two groups (in this configuration or
    another state's): errors at the argument at plan time; an initiator that is only known
    at apply is refused there before anything of the server is made."""
    (tmp_path / "first").mkdir()
    first = make_terraform(tmp_path / "first", tf.binary, cli_config, emulator)
    first.write('provider "dellsc" {}\n' + "".join([
        block("resource", "dellsc_volume", "a", name="acc-a", size_gb=1),
        block("resource", "dellsc_volume", "b", name="acc-b", size_gb=1),
        block("resource", "dellsc_server", "owner", name="acc-owner", iscsi_initiators=[IQN]),
        block("resource", "dellsc_consistency_group", "g", name="acc-g",
              volume_ids=[Raw("dellsc_volume.a.id")]),
    ]))  # fmt: skip
    first.init()
    first.apply()
    a, b = first.values("dellsc_volume.a")["id"], first.values("dellsc_volume.b")["id"]
    new = f"{IQN}:new"
    tf.write('provider "dellsc" {}\n' + "".join([
        block("resource", "dellsc_server", "taken", name="acc-taken",
              iscsi_initiators=[IQN.upper()]),
        block("resource", "dellsc_server", "c1", name="acc-c1", iscsi_initiators=[new]),
        block("resource", "dellsc_server", "c2", name="acc-c2", iscsi_initiators=[new.upper()]),
        block("resource", "dellsc_consistency_group", "x", name="acc-x", volume_ids=[a]),
        block("resource", "dellsc_consistency_group", "y", name="acc-y", volume_ids=[b]),
        block("resource", "dellsc_consistency_group", "z", name="acc-z", volume_ids=[b]),
    ]))  # fmt: skip
    tf.init()
    before, mutations = probe.snapshot(), probe.mutations()
    found = diagnostics(tf.run("plan", "-no-color", "-input=false", ok=False).output)
    assert (
        at(found, "dellsc_server.taken", "iscsi_initiators")[0].summary
        == "Initiator Already In Use"
    )
    two = [d for d in found if d.summary == "Initiator Listed By Two Servers"]
    assert len(two) == 1 and two[0].argument == "iscsi_initiators", found
    assert at(found, "dellsc_consistency_group.x", "volume_ids")[0].summary == (
        "Volume In Another Consistency Group"
    )
    assert "'acc-g'" in at(found, "dellsc_consistency_group.x", "volume_ids")[0].detail
    both = [d for d in found if d.summary == "Volume In Two Consistency Groups"]
    assert len(both) == 1 and both[0].argument == "volume_ids", found
    assert probe.snapshot() == before and probe.mutations() == mutations

    # known only at apply: refused there, before the server is created
    late = f'["{IQN.upper()}${{substr(dellsc_volume.t.id, 0, 0)}}"]'
    tf.write('provider "dellsc" {}\n'
             + block("resource", "dellsc_volume", "t", name="acc-t", size_gb=1)
             + block("resource", "dellsc_server", "late", name="acc-late",
                     iscsi_initiators=Raw(late)))  # fmt: skip
    found = diagnostics(tf.run("apply", "-auto-approve", "-no-color", ok=False).output)
    assert (
        at(found, "dellsc_server.late", "iscsi_initiators")[0].summary == "Initiator Already In Use"
    )
    servers = probe.api("POST", "StorageCenter/ScServer/GetList", {})
    assert "acc-late" not in {s["name"] for s in servers}


def test_odd_names_round_trip(tf: Terraform, probe: ArrayProbe) -> None:
    """`/`, `\\`, `*`, `?` are stored and looked up literally: create, read, import by name
    (a blank `name:` is refused with a reason)."""
    names = {"volume": "acc/db*?\\x", "server": "acc/srv*?", "group": "acc/cg*?", "snap": "s/1*?"}
    config = 'provider "dellsc" {}\n' + "".join([
        block("resource", "dellsc_volume", "v", name=names["volume"], size_gb=1),
        block("resource", "dellsc_server", "s", name=names["server"]),
        block("resource", "dellsc_consistency_group", "g", name=names["group"],
              volume_ids=[Raw("dellsc_volume.v.id")]),
        block("resource", "dellsc_snapshot", "p", name=names["snap"],
              volume_id=Raw("dellsc_volume.v.id")),
    ])  # fmt: skip
    tf.write(config)
    tf.init()
    tf.apply()
    assert tf.plan_exit_code() == 0
    volume_id = tf.values("dellsc_volume.v")["id"]
    assert probe.volume(names["volume"])["instanceId"] == volume_id
    addresses = ["dellsc_volume.v", "dellsc_server.s", "dellsc_consistency_group.g",
                 "dellsc_snapshot.p"]  # fmt: skip
    before = {a: tf.values(a) for a in addresses}
    tf.run("state", "rm", *addresses)
    mutations = probe.mutations()
    blank = tf.run("import", "-no-color", "dellsc_server.s", "name:", ok=False).output
    assert "Invalid Import ID" in blank and "Rejected The Request" not in blank, blank
    assert probe.mutations() == mutations
    ids = {
        "dellsc_volume.v": f"name:{names['volume']}",
        "dellsc_server.s": f"name:{names['server']}",
        "dellsc_consistency_group.g": f"name:{names['group']}",
        "dellsc_snapshot.p": f"{volume_id}/name:{names['snap']}",
    }
    imports = "".join(f"import {{\n  to = {a}\n  id = {hcl(i)}\n}}\n" for a, i in ids.items())
    tf.write(config + imports)
    tf.apply()
    tf.write(config)
    assert tf.plan_exit_code() == 0
    for address in addresses:
        assert tf.values(address)["id"] == before[address]["id"]
        assert tf.values(address)["name"] == before[address]["name"]
