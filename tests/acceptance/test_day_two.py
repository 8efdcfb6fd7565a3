"""Day two of a configuration: its sources expire, its objects are imported again, its notes
change while the provider keeps its own marks next to them.

Through real Terraform against the emulator; the array is read over REST.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import PASSWORD, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEPT = "Volume Kept: Its Source Is Made Again"


def config(notes: str, extra: str = "") -> str:
    return f"""
provider "dellsc" {{}}

resource "dellsc_volume" "src" {{
  name    = "d2-src"
  size_gb = 1
  notes   = "{notes}"
}}

resource "dellsc_snapshot" "s" {{
  volume_id      = dellsc_volume.src.id
  name           = "d2-snap"
  expire_minutes = 1440
}}

resource "dellsc_volume" "view" {{
  name               = "d2-view"
  size_gb            = 1
  source_snapshot_id = dellsc_snapshot.s.id
}}

resource "dellsc_volume" "clone" {{
  name             = "d2-clone"
  size_gb          = 1
  source_volume_id = dellsc_volume.src.id
}}
{extra}"""


def live_replays(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    replays = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/ReplayList")
    return [r for r in replays if not (r["active"] or r["markedForExpiration"])]


def warnings(output: str, summary: str) -> int:
    return len(re.findall(rf"Warning: {re.escape(summary)}", output))


def test_sources_expire_objects_are_imported_again_notes_change(
    tf_any: Terraform, probe: ArrayProbe
) -> None:
    tf = tf_any
    tf.write(config("ticket CHG-1"))
    tf.init()
    tf.apply()
    src, view, clone = (probe.volume(n) for n in ("d2-src", "d2-view", "d2-clone"))
    snap = tf.values("dellsc_snapshot.s")["id"]
    assert re.fullmatch(
        r"ticket CHG-1 \[dellsc:owner [0-9a-f]{16}\] \[dellsc:snaps [0-9a-f]{16}=\d+\]",
        src["notes"],
    ), src["notes"]
    assert view["notes"].endswith(f"[dellsc:source snapshot {snap}]")
    assert clone["notes"].endswith(f"[dellsc:source volume {src['instanceId']}]")
    assert [r["instanceId"] for r in live_replays(probe, src["instanceId"])] == [snap], (
        "the clone's marker snapshot is gone"
    )

    # notes: the user's text changes, the provider's marks (owner, its snapshot) stay
    tf.apply(config("ticket CHG-2"))
    assert probe.volume("d2-src")["notes"] == src["notes"].replace("CHG-1", "CHG-2")
    assert tf.values("dellsc_volume.src")["notes"] == "ticket CHG-2"

    # re-import a view volume, a clone and a snapshot two minutes later: each plans clean;
    # the same replay imported twice is warned about
    tf.run("state", "rm", "dellsc_volume.view", "dellsc_volume.clone", "dellsc_snapshot.s")
    probe.admin("POST", "clock", {"advance_s": 120})
    imports = (
        f'import {{\n  to = dellsc_volume.view\n  id = "{view["instanceId"]}"\n}}\n'
        f'import {{\n  to = dellsc_volume.clone\n  id = "{clone["instanceId"]}"\n}}\n'
        f'import {{\n  to = dellsc_snapshot.s\n  id = "{src["instanceId"]}/name:d2-snap"\n}}\n'
    )
    twice = (
        f'import {{\n  to = dellsc_snapshot.twice\n  id = "{snap}"\n}}\n'
        'resource "dellsc_snapshot" "twice" {\n  volume_id      = dellsc_volume.src.id\n'
        '  name           = "d2-snap"\n  expire_minutes = 1440\n}\n'
    )
    tf.write(config("ticket CHG-2", imports + twice))
    planned = tf.run("plan", "-input=false", "-no-color").output
    assert warnings(planned, "Object Managed By Two Resources") == 1, planned
    tf.write(config("ticket CHG-2", imports))
    assert "3 imported, 0 added, 0 changed, 0 destroyed" in tf.apply().output
    assert tf.values("dellsc_snapshot.s")["expire_minutes"] == 1440, "a lifetime, not minutes left"
    assert tf.plan_exit_code() == 0

    # the snapshot the view was made from expires: the snapshot is taken again, the view is kept
    tf.write(config("ticket CHG-2"))
    probe.api("POST", f"StorageCenter/ScReplay/{snap}/Expire", {})
    out = tf.apply().output
    assert "1 added, 0 changed, 0 destroyed" in out, out
    assert warnings(out, KEPT) == 1, out
    assert probe.volume("d2-view")["instanceId"] == view["instanceId"]
    assert tf.values("dellsc_volume.view")["source_snapshot_id"] == snap
    assert tf.values("dellsc_snapshot.s")["id"] != snap
    assert tf.plan_exit_code() == 0


def test_database_volumes_example_after_its_group_snapshot_expires(
    tmp_path: Path, cli_config: Path
) -> None:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(64702,))) as emulator:
        tf = make_terraform(tmp_path, default_flavour(), cli_config, emulator)
        shutil.copy(EXAMPLES / "database-volumes" / "main.tf", tmp_path / "main.tf")
        probe = ArrayProbe(emulator)
        tf.init()
        tf.apply()
        test_copy = probe.volume("orders-data-test")["instanceId"]
        group_snapshot = tf.values("dellsc_consistency_group_snapshot.before_upgrade")
        for replay_id in group_snapshot["snapshots"].values():  # a week later
            probe.api("POST", f"StorageCenter/ScReplay/{replay_id}/Expire", {})
        out = tf.apply().output
        assert "1 added, 0 changed, 0 destroyed" in out and warnings(out, KEPT) == 1, out
        assert probe.volume("orders-data-test")["instanceId"] == test_copy
        assert tf.plan_exit_code() == 0
