"""Consistency groups when things go wrong: lost replies, half-failed applies, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_group import (
    PROVIDER,
    block,
    group,
    group_replays,
    group_snapshot,
    group_snapshots,
    members,
    profile_names,
    profiles,
    volume_replays,
    volumes,
)
from tests.acceptance.conftest import PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
GROUP = "dellsc_consistency_group.g"
SNAPSHOT = "dellsc_consistency_group_snapshot.s"


def _commit_then_fail(probe: ArrayProbe, method: str, path: str, target: str) -> None:
    """The array does the next matching request, but its reply is lost (`request`) or the
    poll of its task fails (`poll`)."""
    rule = {"method": method, "path": path, "target": target, "count": 1, "status": 500,
            "action": "lost_reply" if target == "request" else "status",
            "message": "injected: reply lost"}  # fmt: skip
    probe.admin("POST", "faults", rule)


def test_lost_replies_are_adopted_and_half_failed_creates_undone(
    tf: Terraform, probe: ArrayProbe
) -> None:
    # the group's profile is made but the poll of its task fails: the same apply finds it
    base = PROVIDER + volumes("a", "b")
    tf.write(base + group(["a", "b"]))
    tf.init()
    _commit_then_fail(probe, "POST", "^StorageCenter/ScReplayProfile$", "poll")
    tf.apply()
    assert [f["fired"] for f in probe.admin("GET", "faults")["faults"]] == [1]
    ids = {v: tf.values(f"dellsc_volume.{v}")["id"] for v in ("a", "b")}
    [profile] = profiles(probe, "acc-cg")
    assert tf.values(GROUP)["id"] == profile["instanceId"]
    assert members(probe, profile["instanceId"]) == set(ids.values())
    assert tf.plan_exit_code() == 0

    # a member's Standard profiles change through dellsc_volume; its membership stays
    base = PROVIDER + volumes("a", "b", replay_profiles=["Weekly"])
    tf.apply(base + group(["a", "b"]))
    assert profile_names(probe, ids["a"]) == ["Weekly", "acc-cg"]
    assert members(probe, profile["instanceId"]) == set(ids.values())
    assert tf.plan_exit_code() == 0

    # the group snapshot is taken but the reply is lost, and looking for it fails too: the
    # next apply adopts it, never taken twice
    probe.admin("DELETE", "faults")
    _commit_then_fail(
        probe, "POST", r"^StorageCenter/ScReplayProfile/[\d.]+/CreateReplay$", "request"
    )
    listed = f"^StorageCenter/ScReplayProfile/{profile['instanceId']}/ConsistencyGroupList$"
    # listings before taking it: the plan's and the apply's plan's checks for an earlier one,
    # the create's own, the highest index its intent records, and the one before taking it;
    # the 3 after the lost reply fail
    probe.admin("POST", "faults", {"method": "GET", "path": listed, "action": "status",
                                   "status": 404, "nth": 6, "count": 3})  # fmt: skip
    with_snapshot = base + group(["a", "b"]) + group_snapshot(expire_minutes=120)
    tf.write(with_snapshot)
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Error: Group Snapshot Create Outcome Unknown" in failed.output
    assert SNAPSHOT not in tf.state_addresses()
    assert len(group_snapshots(probe, profile["instanceId"])) == 1
    probe.admin("DELETE", "faults")
    tf.apply()
    [taken] = group_snapshots(probe, profile["instanceId"])
    assert tf.values(SNAPSHOT)["id"] == taken["instanceId"]
    assert all(len(volume_replays(probe, i)) == 1 for i in ids.values())
    assert all(r["expires"] for r in group_replays(probe, taken["instanceId"]))
    assert tf.plan_exit_code() == 0

    # changed outside Terraform: expired member snapshots and a member taken out show as drift
    for replay in group_replays(probe, taken["instanceId"]):
        probe.api("POST", f"StorageCenter/ScReplay/{replay['instanceId']}/Expire", {})
    weekly = [p["instanceId"] for p in profiles(probe, "Weekly")]
    probe.api(
        "PUT", f"StorageCenter/ScVolumeConfiguration/{ids['b']}", {"ReplayProfileList": weekly}
    )
    changes = {c["address"]: c["change"]["actions"] for c in tf.plan_json()["resource_changes"]}
    assert changes[SNAPSHOT] == ["create"], "a group snapshot whose members expired is gone"
    assert changes[GROUP] == ["update"], "the member is put back in place"

    # a second group whose second member cannot be added: nothing is left half-made
    tf.apply(base)  # the first group and its snapshot go
    before = probe.snapshot()
    rule = {"method": "PUT", "path": "^StorageCenter/ScVolumeConfiguration/", "action": "status",
            "status": 500, "message": "injected-config-lock", "nth": 2}  # fmt: skip
    probe.admin("POST", "faults", rule)
    tf.write(base + group(["a", "b"], name="acc-cg-2"))
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Consistency Group Not Created" in failed.output
    assert "injected-config-lock" in failed.output
    assert profiles(probe, "acc-cg-2") == []
    assert GROUP not in tf.state_addresses()
    assert probe.snapshot()["objects"] == before["objects"], "no profile, no member change left"
    probe.admin("DELETE", "faults")
    unmanaged = group(["a", "b"], name="acc-cg-2", deletion_policy="UNMANAGE") + group_snapshot(
        deletion_policy="UNMANAGE"
    )
    tf.apply(base + unmanaged)
    [kept] = profiles(probe, "acc-cg-2")
    assert tf.plan_exit_code() == 0

    # UNMANAGE: the group stays with its members, its snapshots expire in about a day
    tf.apply(base)
    assert members(probe, kept["instanceId"]) == set(ids.values())
    [unmanaged_snapshot] = group_snapshots(probe, kept["instanceId"])
    for replay in group_replays(probe, unmanaged_snapshot["instanceId"]):
        ends = dt.datetime.fromisoformat(replay["expireTime"]) - dt.datetime.now(dt.UTC)
        assert replay["expires"] and not replay["markedForExpiration"]
        assert dt.timedelta(hours=23) < ends <= dt.timedelta(days=1)
    assert tf.state_addresses() == ["dellsc_volume.a", "dellsc_volume.b"]


@pytest.fixture
def two_centers() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(64702, 64703))) as server:
        yield server


def test_bad_input_names_the_attribute_and_changes_nothing(
    tmp_path: Path, cli_config: Path, two_centers: EmulatorServer
) -> None:
    tf = make_terraform(tmp_path, default_flavour(), cli_config, two_centers)
    probe = ArrayProbe(two_centers)
    made = {
        ssn: probe.admin("POST", "volumes", {"ssn": ssn, "name": "x", "count": 4})
        for ssn in (64702, 64703)
    }
    # one local volume per group: a volume in two groups is an error of its own
    local, local2, local3, local4 = (str(v["instanceId"]) for v in made[64702]["volumes"])
    remote = str(made[64703]["volumes"][0]["instanceId"])
    provider = 'provider "dellsc" {\n  ssn = 64702\n}\n'
    tf.write(provider)
    tf.init()

    outside = {"StorageCenter": 64702, "Name": "outside-cg", "Type": "Consistent"}
    empty_group = probe.api("POST", "StorageCenter/ScReplayProfile", outside)["instanceId"]

    def cg(label: str, *volume_ids: str, name: str = "acc-cg") -> str:
        return block("dellsc_consistency_group", label, name=name, volume_ids=list(volume_ids))

    def snap(label: str, group_id: str, name: str = "acc-gs") -> str:
        return block(
            "dellsc_consistency_group_snapshot", label, consistency_group_id=group_id, name=name
        )

    def rejected(config: str, expected: list[tuple[str, str, str]]) -> None:
        """One plan; each (address, summary, attribute) must be its own error diagnostic."""
        before, mutations = probe.snapshot(), probe.mutations()
        tf.write(provider + config)
        failed = tf.run("plan", "-input=false", "-no-color", ok=False)
        errors = [" ".join(e.split()) for e in failed.output.split("Error: ")[1:]]
        for address, summary, attribute in expected:
            assert any(
                e.startswith(summary) and f"with {address}," in e and f": {attribute} =" in e
                for e in errors
            ), (address, summary, failed.output)
        assert len(errors) == len(expected), failed.output
        assert probe.snapshot() == before and probe.mutations() == mutations

    # validation stops Terraform before any plan, so the rules of single values get a plan
    # of their own
    group_type, snap_type = "dellsc_consistency_group", "dellsc_consistency_group_snapshot"
    rejected(
        snap("long", "64702.11", name="n" * 31) + cg("malformed", local, "daily", name="g3"),
        [
            (f"{snap_type}.long", "Invalid name", "name"),
            (f"{group_type}.malformed", "Invalid volume_ids", "volume_ids"),
        ],
    )
    rejected(
        cg("remote", local, remote, name="g1")
        + cg("missing", local2, "64702.99999", name="g2")
        + cg("standard", local3, name="Daily")
        + cg("stranger", local4, name="outside-cg")
        + block("dellsc_volume", "v", name="v", size_gb=1, replay_profiles=["outside-cg"])
        + snap("unknown", "64702.999")
        + snap("daily", "64702.2")
        + snap("other_sc", "64703.11"),
        [
            (f"{group_type}.remote", "Volume On Another Storage Center", "volume_ids"),
            (f"{group_type}.missing", "Volume Not Found", "volume_ids"),
            (f"{group_type}.standard", "Snapshot Profile Name Taken", "name"),
            (f"{group_type}.stranger", "Snapshot Profile Name Taken", "name"),
            # group membership is never set through a volume
            ("dellsc_volume.v", "Unknown Snapshot Profile", "replay_profiles"),
            (f"{snap_type}.unknown", "Consistency Group Not Found", "consistency_group_id"),
            (f"{snap_type}.daily", "Consistency Group Not Found", "consistency_group_id"),
            (f"{snap_type}.other_sc", "Consistency Group Not Found", "consistency_group_id"),
        ],
    )

    # an empty group is only known at apply time: refused before anything is sent
    before, mutations = probe.snapshot(), probe.mutations()
    tf.write(provider + snap("s", empty_group))
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Consistency Group Has No Members" in failed.output
    assert "consistency_group_id" in failed.output
    assert probe.snapshot() == before and probe.mutations() == mutations

    tf.write(provider + cg("g", local))
    for import_id, message in [
        ("64702.x", "Invalid Import ID"),
        ("name:nothing-here", "Consistency Group Not Found"),
        ("64702.2", "Not A Consistency Group"),
    ]:
        failed = tf.run("import", "-input=false", "-no-color", GROUP, import_id, ok=False)
        assert message in failed.output
    tf.write(provider + snap("s", "64702.11"))
    for import_id, message in [
        ("64702.11", "Invalid Import ID"),
        ("64702.64702.11.1", "Group Snapshot Not Found"),
    ]:
        failed = tf.run("import", "-input=false", "-no-color", SNAPSHOT, import_id, ok=False)
        assert message in failed.output
    assert tf.state_addresses() == []
    assert probe.snapshot() == before
