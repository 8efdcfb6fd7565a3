"""dellsc_snapshot and volumes made from snapshots / clones, through real Terraform."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.acceptance.configs_snap import PROVIDER, block, snapshot, state_values, volume
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


def config(
    *, snap: bool = True, fromsnap_gb: int | None = None, expire: int | None = None,
    more: bool = False,
) -> str:  # fmt: skip
    out = PROVIDER + volume("src", "acc-src", 2)
    if snap:
        out += snapshot("s", "=dellsc_volume.src.id", "before-upgrade", expire_minutes=expire)
    if fromsnap_gb is not None:
        out += volume("fromsnap", "acc-fromsnap", fromsnap_gb,
                      source_snapshot_id="=dellsc_snapshot.s.id")  # fmt: skip
        out += volume("clone", "acc-clone", 3, source_volume_id="=dellsc_volume.src.id")
    if more:
        out += snapshot("keep", "=dellsc_volume.src.id", "kept", deletion_policy="UNMANAGE")
        out += block("data", "dellsc_snapshot", "by_id", id="=dellsc_snapshot.s.id",
                     depends_on="=[dellsc_snapshot.s]")  # fmt: skip
        out += block("data", "dellsc_snapshot", "by_name", volume_id="=dellsc_volume.src.id",
                     name="before-upgrade", depends_on="=[dellsc_snapshot.s]")  # fmt: skip
        out += block("data", "dellsc_snapshots", "all", volume_id="=dellsc_volume.src.id",
                     depends_on="=[dellsc_snapshot.keep]")  # fmt: skip
    return out


def test_snapshot_view_clone_lifecycle(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    tf.write(config())
    tf.init()
    tf.apply()
    values = state_values(tf)
    snap, src = values[SNAP], values["dellsc_volume.src"]
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
    values = state_values(tf)
    fromsnap, clone = values["dellsc_volume.fromsnap"], values["dellsc_volume.clone"]
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

    # grow the volume made from the snapshot; change the snapshot's expiry in place; read
    # the snapshots back through both data sources; a second snapshot to unmanage later
    tf.write(config(fromsnap_gb=6, expire=120, more=True))
    mutations = probe.mutations()
    assert tf.plan_exit_code() == 2
    assert probe.mutations() == mutations, "plan must not change anything on the array"
    tf.apply()
    assert probe.configured_bytes("acc-fromsnap") == 6 * GIB
    values = state_values(tf)
    again, keep = values[SNAP], values["dellsc_snapshot.keep"]
    assert again["id"] == snap["id"] and again["expire_minutes"] == 120, "changed in place"
    (replay,) = [r for r in replays(probe, src["id"]) if r["instanceId"] == snap["id"]]
    assert replay["expires"] and 115 < minutes_until(replay["expireTime"]) <= 120
    assert RFC3339.fullmatch(again["expires_at"])
    for address in ("data.dellsc_snapshot.by_id", "data.dellsc_snapshot.by_name"):
        found = values[address]
        assert (found["id"], found["volume_id"]) == (snap["id"], src["id"])
        assert (found["created_at"], found["expires_at"]) == (
            snap["created_at"],
            again["expires_at"],
        )
    listed = values["data.dellsc_snapshots.all"]["snapshots"]
    assert [(x["id"], x["name"]) for x in listed] == [
        (keep["id"], "kept"),
        (snap["id"], "before-upgrade"),
    ]
    assert tf.plan_exit_code() == 0

    # destroy the snapshots: DELETE expires the replay now, UNMANAGE keeps it for a day
    tf.apply(config(snap=False))
    assert probe.volume_names().isdisjoint({"acc-fromsnap", "acc-clone"})
    (kept,) = replays(probe, src["id"])
    assert kept["instanceId"] == keep["id"]
    assert kept["expires"] and 1435 < minutes_until(kept["expireTime"]) <= 1440
    assert tf.state_addresses() == ["dellsc_volume.src"]
    assert tf.plan_exit_code() == 0
