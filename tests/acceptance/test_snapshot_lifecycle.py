"""dellsc_snapshot and volumes made from snapshots / clones, through real Terraform."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.acceptance.configs_snap import PROVIDER, snapshot, volume
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
SNAP = "dellsc_snapshot.s"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def replays(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    """The frozen replays of a volume that still count (not active, not being expired)."""
    listed = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/ReplayList")
    return [r for r in listed if not r["active"] and not r["markedForExpiration"]]


def minutes_until(text: str) -> float:
    moment = dt.datetime.fromisoformat(text)
    return (moment - dt.datetime.now(dt.UTC)).total_seconds() / 60


def config(*, fromsnap_gb: int | None = None, expire: int | None = None, extra: str = "") -> str:
    out = PROVIDER + volume("src", "acc-src", 2)
    out += snapshot("s", "=dellsc_volume.src.id", "before-upgrade", expire_minutes=expire)
    if fromsnap_gb is not None:
        out += volume("fromsnap", "acc-fromsnap", fromsnap_gb,
                      source_snapshot_id="=dellsc_snapshot.s.id")  # fmt: skip
        out += volume("clone", "acc-clone", 3, source_volume_id="=dellsc_volume.src.id")
    return out + extra


def test_snapshot_view_clone_lifecycle(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    tf.write(config())
    tf.init()
    tf.apply()
    snap, src = tf.values(SNAP), tf.values("dellsc_volume.src")
    # a snapshot of a never-mapped volume: the replay exists and no mapping is left behind
    assert [r["instanceId"] for r in replays(probe, src["id"])] == [snap["id"]]
    assert replays(probe, src["id"])[0]["description"] == "before-upgrade"
    assert probe.api("GET", f"StorageCenter/ScVolume/{src['id']}/MappingProfileList") == []
    assert RFC3339.fullmatch(snap["created_at"]) and snap["expires_at"] is None
    assert snap["expire_minutes"] == 0 and snap["deletion_policy"] == "DELETE"
    assert tf.plan_exit_code() == 0, "second plan after create must be empty"

    # a larger volume from the snapshot, and a clone of the source
    tf.write(config(fromsnap_gb=4))
    tf.apply()
    fromsnap, clone = tf.values("dellsc_volume.fromsnap"), tf.values("dellsc_volume.clone")
    assert fromsnap["source_snapshot_id"] == snap["id"]
    assert probe.configured_bytes("acc-fromsnap") == 4 * GIB
    assert probe.configured_bytes("acc-clone") == 3 * GIB
    assert clone["source_volume_id"] == src["id"]
    # nothing temporary: no replay on the clone, only the snapshot on the source, no copy running
    assert replays(probe, clone["id"]) == []
    assert [r["instanceId"] for r in replays(probe, src["id"])] == [snap["id"]]
    copies = probe.api("POST", "StorageCenter/ScCopyMirrorMigrate/GetList", {})
    assert copies and all(c["state"] == "Finished" for c in copies)
    assert (
        not probe.volume("acc-src")["cmmSource"] and not probe.volume("acc-clone")["cmmDestination"]
    )
    assert tf.plan_exit_code() == 0

    # grow the volume made from the snapshot; change the snapshot's expiry in place
    tf.write(config(fromsnap_gb=6, expire=120))
    mutations = probe.mutations()
    assert tf.actions(SNAP) == ["update"]
    assert probe.mutations() == mutations, "plan must not change anything on the array"
    tf.apply()
    assert probe.configured_bytes("acc-fromsnap") == 6 * GIB
    again = tf.values(SNAP)
    assert again["id"] == snap["id"] and again["expire_minutes"] == 120
    (replay,) = replays(probe, src["id"])
    assert replay["expires"] and 115 < minutes_until(replay["expireTime"]) <= 120
    assert RFC3339.fullmatch(again["expires_at"])
    assert tf.plan_exit_code() == 0

    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    assert probe.volume_names().isdisjoint({"acc-src", "acc-fromsnap", "acc-clone"})
