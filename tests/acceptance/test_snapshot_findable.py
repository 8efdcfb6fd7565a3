"""Creates are findable: a snapshot, a view volume and a clone whose create reply was lost
(the array did the work, the reply never came, and for the snapshot looking for it failed too)
are adopted by the next apply, never made twice;
a snapshot left half-done (not named) is adopted and named by the next apply.
"""

from __future__ import annotations

import time

import pytest

from tests.acceptance.configs_snap import snapshot, volume
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_snapshot_lifecycle import replays

pytestmark = pytest.mark.acceptance
PROVIDER = 'provider "dellsc" {}\n'


def lose_reply(probe: ArrayProbe, path: str) -> None:
    """The next POST to `path` is executed by the array, but its reply never arrives."""
    probe.admin("POST", "faults", {"method": "POST", "path": path, "action": "lose_reply"})


def test_lost_create_replies_are_adopted(tf: Terraform, probe: ArrayProbe) -> None:
    base = PROVIDER + volume("src", "acc-src", 2)
    base += snapshot("s", "=dellsc_volume.src.id", "lost-reply")
    tf.write(base)
    tf.init()
    lose_reply(probe, r"ScVolume/[0-9.]+/CreateReplay$")
    # the apply's plan of the new snapshot (its volume made by then) and the create first look
    # for an earlier one (the 1st and 2nd listings); the 3 lookups after the lost reply fail
    # too, so only the next apply can adopt it
    listed = r"ScVolume/[0-9.]+/ReplayList$"
    probe.admin("POST", "faults", {"method": "GET", "path": listed, "action": "status",
                                   "status": 404, "nth": 3, "count": 3})  # fmt: skip
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Error: Snapshot Create Outcome Unknown" in failed.output
    assert "Remote end closed connection without" in failed.output
    assert "dellsc_snapshot.s" not in tf.state_addresses()
    probe.admin("DELETE", "faults")
    (made,) = replays(probe, probe.volume("acc-src")["instanceId"])
    assert made["description"].startswith("tf-create-"), "the array took it under its mark"
    tf.apply()
    snap, src = tf.values("dellsc_snapshot.s"), tf.values("dellsc_volume.src")
    (replay,) = replays(probe, src["id"])
    assert (replay["instanceId"], replay["description"]) == (snap["id"], "lost-reply")
    assert tf.plan_exit_code() == 0

    # a snapshot taken but not named (the rename failed): the next apply adopts and names it
    base += snapshot("half", "=dellsc_volume.src.id", "half-done")
    tf.write(base)
    probe.admin("POST", "faults", {"method": "PUT", "path": "ScReplay/", "action": "status",
                                   "status": 500, "message": "injected"})  # fmt: skip
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert "Snapshot Taken But Not Named" in failed.output
    assert "dellsc_snapshot.half" not in tf.state_addresses()
    (first,) = [r for r in replays(probe, src["id"]) if r["instanceId"] != snap["id"]]
    assert "Adopted An Unfinished Snapshot" in tf.apply().output
    half = tf.values("dellsc_snapshot.half")["id"]
    live = {r["instanceId"]: r["description"] for r in replays(probe, src["id"])}
    assert half == first["instanceId"] and live == {snap["id"]: "lost-reply", half: "half-done"}
    assert tf.plan_exit_code() == 0

    # the array is slow: it makes the view and the clone long after the requests timed out
    # (and after the same apply looked for them), so the next apply adopts them
    sources = volume("view", "acc-view", 2, source_snapshot_id="=dellsc_snapshot.s.id") + volume(
        "clone", "acc-clone", 2, source_volume_id="=dellsc_volume.src.id"
    )
    slow = 'provider "dellsc" {\n  timeouts = { request = "3s" }\n}\n'
    tf.write(base.replace(PROVIDER, slow) + sources)
    for path in (r"ScReplay/[0-9.]+/CreateView$", r"StorageCenter/ScVolume$"):
        probe.admin("POST", "faults", {"method": "POST", "path": path, "action": "delay",
                                       "delay_s": 12.0})  # fmt: skip
    failed = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=False)
    assert failed.output.count("Error: Volume Create Outcome Unknown") == 2, failed.output
    assert " ".join(failed.output.split()).count("no reply within 3.0 s") == 2, failed.output
    deadline = time.monotonic() + 30
    while not {"acc-view", "acc-clone"} <= probe.volume_names():
        assert time.monotonic() < deadline, "the array made both, late"
        time.sleep(0.5)
    tf.write(base + sources)
    tf.apply()
    names = [v["name"] for v in probe.volumes()]
    assert sorted(names) == ["acc-clone", "acc-src", "acc-view"], "one of each, nothing twice"
    clone = tf.values("dellsc_volume.clone")
    assert replays(probe, clone["id"]) == []
    assert sorted(r["instanceId"] for r in replays(probe, src["id"])) == sorted([snap["id"], half])
    assert probe.volume("acc-view")["instanceId"] == tf.values("dellsc_volume.view")["id"]
    assert tf.plan_exit_code() == 0
