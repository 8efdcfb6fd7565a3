"""Retype previews: every in-place change warns at its attribute, and apply does what it said.

One chained flow per Terraform version on a two-SC DSM: each retype attribute and two folder
moves (into `prod/db`, back to the root), then the migration errors and a migration to the
other SC. Every step runs `plan -out`, checks the plan (update in place, the one warning, no
request that changes the array), applies the saved plan while the emulator records requests,
and checks that the mutations and the array's changes are exactly those previewed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_retype import HOME_SSN, OTHER_SSN, retype_volume
from tests.acceptance.conftest import PASSWORD
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
ADDR = "dellsc_volume.v"
NAME = "retyped"
# Set to the path of docs/guides/retype.md to write the captured plans into the guide.
CAPTURE = os.environ.get("DELLSC_CAPTURE_RETYPE_PLANS")
Change = tuple[str, str, str]  # (collection, instance id, attribute or "*")


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(HOME_SSN, OTHER_SSN))
    with EmulatorServer(options) as server:
        yield server


def flat(output: str) -> str:
    """Terraform's output with the diagnostics' box drawing and line wrapping undone."""
    return " ".join(line.strip(" │╷╵") for line in output.splitlines() if line.strip(" │╷╵"))


def changes(before: dict[str, Any], after: dict[str, Any]) -> set[Change]:
    """What differs between two emulator state dumps, object by object and key by key."""
    out: set[Change] = set()
    old, new = before["objects"], after["objects"]
    for coll in set(old) | set(new):
        a, b = old.get(coll, {}), new.get(coll, {})
        for oid in set(a) | set(b):
            if oid not in a or oid not in b:
                out.add((coll, oid, "*"))
                continue
            for key in set(a[oid]) | set(b[oid]):
                if a[oid].get(key) != b[oid].get(key):
                    out.add((coll, oid, key))
    return out


class Flow:
    """The chained steps of one test: config so far, probe, request log and captures."""

    def __init__(self, tf: Terraform, probe: ArrayProbe) -> None:
        self.tf = tf
        self.probe = probe
        self.attributes: dict[str, Any] = {}
        self.captured: list[tuple[str, str]] = []

    def id_of(self, kind: str, name: str, ssn: int = HOME_SSN) -> str:
        found = [
            o["instanceId"]
            for o in self.probe.api("POST", f"StorageCenter/{kind}/GetList", {})
            if o.get("name") == name and o["scSerialNumber"] == ssn
        ]
        assert len(found) == 1, (kind, name, found)
        return str(found[0])

    def plan(self, title: str, **attributes: Any) -> str:
        """`plan -out` of the config with `attributes` added; the array must not move."""
        self.tf.write(retype_volume(NAME, **{**self.attributes, **attributes}))
        before = self.probe.mutations()
        result = self.tf.run("plan", "-out=tfplan", "-input=false", "-no-color")
        assert self.probe.mutations() == before, "plan changed the array"
        self.captured.append((title, result.stdout))
        self.attributes.update(attributes)
        return result.stdout

    def apply_saved(self) -> tuple[list[tuple[str, str, Any]], set[Change]]:
        """Apply the saved plan; the mutating requests it sent and what changed on the array."""
        before = self.probe.snapshot()
        self.probe.admin("DELETE", "requests")
        self.tf.run("apply", "-input=false", "-no-color", "tfplan")
        log = self.probe.admin("GET", "requests")["requests"]
        mutations = [(r["method"], r["path"], r["body"]) for r in log if r["mutation"]]
        assert self.tf.plan_exit_code() == 0, "the plan after apply is not empty"
        return mutations, changes(before, self.probe.snapshot())

    def warnings(self, output: str) -> list[str]:
        return re.findall(r"Warning: (.+)", output)


def expect_in_place(output: str, warning: str) -> None:
    assert "~ update in-place" in output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in output
    assert "must be replaced" not in output
    assert re.findall(r"Warning: (.+)", output) == [warning]


def test_retype_preview_matches_apply(tf_any: Terraform, emulator: EmulatorServer) -> None:
    tf, probe = tf_any, ArrayProbe(emulator)
    flow = Flow(tf, probe)
    tf.write(retype_volume(NAME))
    tf.init()
    tf.apply()
    state = tf.values(ADDR)
    vid, wwn = state["id"], state["wwn"]
    assert state["folder"] == state["folder_path"] == "/" and state["ssn"] == HOME_SSN
    config_path = f"StorageCenter/ScVolumeConfiguration/{vid}"

    # -- each profile attribute: one PUT of the volume configuration, one key changed --------
    profile_steps: list[tuple[str, Any, str, str, Callable[[], Any]]] = [
        ("storage_profile", "High Priority", "storageProfile", "tier",
         lambda: flow.id_of("ScStorageProfile", "High Priority")),
        ("replay_profiles", ["Daily", "Weekly"], "ReplayProfileList", "Weekly on Sunday",
         lambda: sorted([flow.id_of("ScReplayProfile", "Daily"),
                         flow.id_of("ScReplayProfile", "Weekly")])),
        ("volume_qos_profile", "Premium", "volumeQosProfile", "at most 10000 IOPS",
         lambda: flow.id_of("ScQosProfile", "Premium")),
        ("group_qos_profile", "Group Limited", "groupQosProfile", "at most 10000 IOPS",
         lambda: flow.id_of("ScQosProfile", "Group Limited")),
        ("data_reduction_profile", "Compression", "dataReductionProfile", "new writes",
         lambda: flow.id_of("ScDataReductionProfile", "Compression")),
    ]  # fmt: skip
    for attribute, value, key, says, wanted_id in profile_steps:
        output = flow.plan(attribute, **{attribute: value})
        expect_in_place(output, f"Retype In Place: {attribute}")
        assert says in flat(output)
        mutations, changed = flow.apply_saved()
        assert len(mutations) == 1, mutations
        method, path, body = mutations[0]
        sent = body.get(key)
        assert (method, path, sorted(sent) if isinstance(sent, list) else sent) == (
            "PUT", config_path, wanted_id()
        )  # fmt: skip
        stored = key[0].lower() + key[1:]
        allowed = {("ScVolumeConfiguration", vid, stored)}
        if attribute == "data_reduction_profile":
            allowed.add(("ScVolumeConfiguration", vid, "compressionEnabled"))
        assert changed == allowed, changed
    after = tf.values(ADDR)
    assert (after["id"], after["name"], after["size_gb"], after["wwn"]) == (vid, NAME, 2, wwn)

    # -- folder moves: metadata only, into a new folder and back to the root ------------------
    output = flow.plan("folder", folder="prod/db")
    expect_in_place(output, "Folder Move In Place: folder")
    assert 'folder "/" (the root folder) → "prod/db"' in flat(output)
    mutations, changed = flow.apply_saved()
    assert [(m, p) for m, p, _ in mutations] == [
        ("POST", "StorageCenter/ScVolumeFolder"),
        ("POST", "StorageCenter/ScVolumeFolder"),
        ("PUT", f"StorageCenter/ScVolume/{vid}"),
    ]
    db, prod = flow.id_of("ScVolumeFolder", "db"), flow.id_of("ScVolumeFolder", "prod")
    assert mutations[2][2] == {"VolumeFolder": db}, "a move sends the folder and nothing else"
    created = {c for c in changed if c[0] == "ScVolumeFolder"}
    assert {c[2] for c in created} == {"*"} and len(created) == 2
    assert changed - created == {
        ("ScVolume", vid, "volumeFolder"), ("ScVolume", vid, "volumeFolderIndex")
    }  # fmt: skip
    assert tf.values(ADDR)["folder_path"] == "prod/db"

    output = flow.plan("folder (to the root)", folder="/")
    expect_in_place(output, "Folder Move In Place: folder")
    assert 'folder "prod/db" → "/" (the root folder)' in flat(output)
    mutations, changed = flow.apply_saved()
    root = next(
        f["instanceId"]
        for f in probe.api("POST", "StorageCenter/ScVolumeFolder/GetList", {})
        if f["root"] and f["scSerialNumber"] == HOME_SSN
    )
    assert mutations == [
        ("PUT", f"StorageCenter/ScVolume/{vid}", {"VolumeFolder": root}),
        # the folders the first move made, empty now: removed, deepest first
        ("DELETE", f"StorageCenter/ScVolumeFolder/{db}", None),
        ("DELETE", f"StorageCenter/ScVolumeFolder/{prod}", None),
    ]
    assert changed == {
        ("ScVolume", vid, "volumeFolder"), ("ScVolume", vid, "volumeFolderIndex"),
        ("ScVolumeFolder", db, "*"), ("ScVolumeFolder", prod, "*"),
    }  # fmt: skip
    after = tf.values(ADDR)
    assert (after["folder"], after["folder_path"], after["id"]) == ("/", "/", vid)

    # -- changes the array cannot make: plan-time errors at the attribute ------------------
    tf.write(retype_volume(NAME, **{**flow.attributes, "storage_profile": "Gold"}))
    before = probe.mutations()
    failed = tf.run("plan", "-input=false", "-no-color", ok=False)
    flow.captured.append(('storage_profile = "Gold" (an unknown profile: error)', failed.output))
    assert "Unknown Storage Profile" in failed.output
    assert 'storage_profile        = "Gold"' in failed.output or 'storage_profile = "Gold"' in (
        flat(failed.output)
    )
    tf.write(retype_volume(NAME, **{**flow.attributes, "ssn": OTHER_SSN}))
    failed = tf.run("plan", "-input=false", "-no-color", ok=False)
    flow.captured.append(('ssn with migration_policy = "never" (error)', failed.output))
    text = flat(failed.output)
    assert "Volume Cannot Change Storage Center In Place" in text
    assert f"ssn = {OTHER_SSN}" in text and 'migration_policy = "on_demand"' in text
    assert probe.mutations() == before

    # -- migration on demand: replicate, cut over, rename, delete the original --------------
    seed_host = f"{HOME_SSN}.1"
    probe.api("POST", f"StorageCenter/ScVolume/{vid}/MapToServer", {"server": seed_host})
    output = flow.plan("ssn (migration)", ssn=OTHER_SSN, migration_policy="on_demand")
    expect_in_place(output, "Migration To Another Storage Center: ssn")
    preview = flat(output)
    assert f"mappings to seed-host-{HOME_SSN}" in preview
    assert f"dellsc-migrating-{vid}" in preview
    reapplied = re.findall(r"(\w+_profiles?) = ", preview.split("defaults:")[1].split(".")[0])
    assert set(reapplied) == {
        "storage_profile", "replay_profiles", "volume_qos_profile", "group_qos_profile",
        "data_reduction_profile",
    }, "every profile differs from SC 64703's defaults"  # fmt: skip
    mutations, changed = flow.apply_saved()
    moved = tf.values(ADDR)
    new_id = moved["id"]
    assert new_id.startswith(f"{OTHER_SSN}.") and moved["ssn"] == OTHER_SSN
    assert moved["wwn"] != wwn and moved["name"] == NAME
    replication = next(p for m, p, _ in mutations if m == "DELETE" and "ScReplication/" in p)
    node = next(p for m, p, _ in mutations if m == "DELETE" and "ScReplicationQosNode/" in p)
    assert [(m, p) for m, p, _ in mutations] == [
        ("POST", "StorageCenter/ScReplicationQosNode"),
        ("POST", "StorageCenter/ScReplication"),
        ("DELETE", replication),
        ("DELETE", node),  # the migration's QoS node, made by it and used by nothing now
        ("PUT", f"StorageCenter/ScVolume/{new_id}"),
        ("POST", f"StorageCenter/ScVolume/{vid}/Unmap"),
        ("DELETE", f"StorageCenter/ScVolume/{vid}"),
        ("PUT", f"StorageCenter/ScVolume/{new_id}"),  # the original's notes and marks
    ] + [("PUT", f"StorageCenter/ScVolumeConfiguration/{new_id}")] * len(reapplied)
    assert mutations[4][2] == {"Name": NAME}
    other = ArrayProbe(emulator, ssn=OTHER_SSN)
    assert [v["name"] for v in other.volumes()] == [NAME], "one volume, no temporary left"
    assert NAME not in probe.volume_names()
    assert probe.api("POST", "StorageCenter/ScReplication/GetList", {}) == []
    assert probe.api("POST", "StorageCenter/ScReplicationQosNode/GetList", {}) == []
    replays = probe.api("GET", f"StorageCenter/ScVolume/{new_id}/ReplayList")
    assert [r for r in replays if not r["active"]] == []
    configuration = probe.api("GET", f"StorageCenter/ScVolume/{new_id}/VolumeConfiguration")
    configuration = configuration[0] if isinstance(configuration, list) else configuration
    assert configuration["storageProfile"]["instanceName"] == "High Priority"
    assert configuration["dataReductionProfile"]["instanceName"] == "Compression"
    assert ("ScVolume", vid, "inRecycleBin") in changed

    # -- a rename and growth on the new SC: plain updates in place, no warning ---------------
    tf.write(retype_volume("renamed", **flow.attributes).replace("size_gb = 2", "size_gb = 3"))
    before = probe.mutations()
    renamed = tf.run("plan", "-out=tfplan", "-input=false", "-no-color").stdout
    assert probe.mutations() == before
    flow.captured.append(("name and size_gb (no warning)", renamed))
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in renamed
    assert "Warning" not in renamed
    mutations, _ = flow.apply_saved()
    assert [(m, p) for m, p, _ in mutations] == [
        ("PUT", f"StorageCenter/ScVolume/{new_id}"),
        ("POST", f"StorageCenter/ScVolume/{new_id}/ExpandToSize"),
    ]
    assert other.volume("renamed")["configuredSize"] == "3.221225472E9 Bytes"

    if CAPTURE:
        version = tf.run("version").stdout.splitlines()[0]
        write_capture(Path(CAPTURE), version, flow.captured)


def write_capture(path: Path, version: str, captured: list[tuple[str, str]]) -> None:
    """Put the plan outputs of this run into the retype guide, between its markers."""
    begin, end = "<!-- captured:begin -->\n", "<!-- captured:end -->"
    guide = path.read_text()
    head, rest = guide.split(begin, 1)
    parts = [
        f"Captured from {version} against the emulator with Storage Centers 64702 and "
        "64703; each step adds one change to the configuration of the step before.\n"
    ]
    for title, output in captured:
        parts.append(f"\n### {title}\n\n```text\n{output.strip()}\n```\n")
    path.write_text(head + begin + "".join(parts) + end + rest.split(end, 1)[1])


def test_interrupted_migration_is_resumed(tf: Terraform, emulator: EmulatorServer) -> None:
    """Cut off at the cut-over, at the rename, and after deleting the original: the next
    plan and apply carry on with the copy already made; never a second replication or volume."""
    probe = ArrayProbe(emulator)
    other = ArrayProbe(emulator, ssn=OTHER_SSN)
    tf.write(retype_volume("moving"))
    tf.init()
    tf.apply()
    vid = tf.values(ADDR)["id"]
    tf.write(retype_volume("moving", ssn=OTHER_SSN, migration_policy="on_demand"))

    # a replication the migration did not make is never taken over
    node = probe.api("POST", "StorageCenter/ScReplicationQosNode", {
        "Name": "dr", "StorageCenter": HOME_SSN, "LinkSpeed": "1 Gbps",
    })  # fmt: skip
    dr = probe.api("POST", "StorageCenter/ScReplication", {
        "StorageCenter": HOME_SSN, "SourceVolume": vid, "DestinationStorageCenter": OTHER_SSN,
        "QosNode": node["instanceId"], "Type": "Asynchronous",
        "DestinationVolumeAttributes": {"Name": "dr-copy"},
    })  # fmt: skip
    refused = flat(tf.run("plan", "-input=false", "-no-color", ok=False).output)
    assert "Volume Already Replicates To That Storage Center" in refused
    assert f"ssn = {OTHER_SSN}" in refused
    probe.api("DELETE", f"StorageCenter/ScReplication/{dr['instanceId']}", {
        "DeleteDestinationVolume": True, "RecycleDestinationVolume": True,
        "DeleteRestorePoint": True,
    })  # fmt: skip
    probe.admin("DELETE", "requests")

    def fail_once(method: str, path: str) -> None:
        probe.admin("POST", "faults", {
            "method": method, "path": path, "action": "task_fail", "status": 500,
            "message": "Injected: the task failed",
        })  # fmt: skip
        result = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
        assert "Injected: the task failed" in result.output
        assert tf.values(ADDR)["id"] == vid, "the state still holds the original"
        assert "moving" in probe.volume_names()

    fail_once("DELETE", r"^StorageCenter/ScReplication/")  # the cut-over
    assert len(probe.api("POST", "StorageCenter/ScReplication/GetList", {})) == 1
    fail_once("PUT", rf"^StorageCenter/ScVolume/{OTHER_SSN}\.")  # the rename of the copy
    assert probe.api("POST", "StorageCenter/ScReplication/GetList", {}) == []
    assert [v["name"] for v in other.volumes()] == [f"dellsc-migrating-{vid}"]

    # a provider killed right after deleting the original leaves only the renamed copy:
    # do those two steps here, exactly as the provider sends them
    copy_id = other.volume(f"dellsc-migrating-{vid}")["instanceId"]
    probe.api("PUT", f"StorageCenter/ScVolume/{copy_id}", {"Name": "moving"})
    probe.api("DELETE", f"StorageCenter/ScVolume/{vid}")
    assert "moving" not in probe.volume_names()
    refreshed = tf.run("plan", "-input=false", "-no-color")
    assert "has been deleted" not in refreshed.output, "the copy is adopted, not re-created"

    tf.write(retype_volume("moving", ssn=OTHER_SSN, migration_policy="on_demand"))
    tf.apply()
    moved = tf.values(ADDR)
    assert moved["id"].startswith(f"{OTHER_SSN}.") and moved["ssn"] == OTHER_SSN
    assert [v["name"] for v in other.volumes()] == ["moving"]
    log = probe.admin("GET", "requests")["requests"]
    posts = [r for r in log if (r["method"], r["path"]) == ("POST", "StorageCenter/ScReplication")]
    assert len(posts) == 1, "one replication for the whole migration"
    assert tf.plan_exit_code() == 0
