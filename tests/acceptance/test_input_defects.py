"""Input a new user might write: every defect is a validate-time diagnostic naming its path,
and one volume held by two resources is a plan-time warning."""

from __future__ import annotations

import re

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance

BAD_PROVIDER = """provider "dellsc" {
  volume_folder = "///"
  timeouts = {
    request = "99999999999999h"
    task    = "0s"
  }
}
"""
BAD_VOLUMES = {
    "blank_name": 'name = "   "\n  size_gb = 1',
    "slashes": 'name = "a"\n  size_gb = 1\n  folder = "//"',
    "space": 'name = "b"\n  size_gb = 1\n  folder = " "',
    "dotdot": 'name = "c"\n  size_gb = 1\n  folder = "prod/../etc"',
    "huge": 'name = "d"\n  size_gb = 1e400',
}


def test_every_input_defect_is_named_at_validate(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(BAD_PROVIDER + volume("fine", provider=""))
    tf.init()
    before, mutations = probe.snapshot(), probe.mutations()
    provider_out = tf.run("validate", "-no-color", ok=False).output
    blocks = "".join(
        f'resource "dellsc_volume" "{label}" {{\n  {body}\n}}\n'
        for label, body in BAD_VOLUMES.items()
    )
    tf.write('provider "dellsc" {}\n' + blocks)
    out = provider_out + tf.run("validate", "-no-color", ok=False).output
    expected = {
        "Invalid timeouts.request": "between 1s and 1h",
        "Invalid timeouts.task": "between 1s and 24h",
        "Invalid volume_folder": "must name a folder",
        "Invalid name": "only whitespace",
        "Invalid size_gb": "at most 512000",
    }
    for summary, detail in expected.items():
        assert summary in out and detail in out, (summary, out)
    assert out.count("Invalid folder") == 3
    assert "'.' or '..'" in out
    assert "OverflowError" not in out and "Unexpected" not in out
    # each diagnostic is anchored at its argument's line, not at the block
    # (Terraform anchors a value inside an object argument at that argument: `timeouts = {`)
    for line in ("timeouts = {", 'volume_folder = "///"', 'name = "   "', 'folder = "//"',
                 'folder = " "', "size_gb = 1e400"):  # fmt: skip
        assert re.search(rf"\d+:\s+{re.escape(line)}", out), (line, out)
    assert probe.snapshot() == before and probe.mutations() == mutations


def test_one_volume_in_two_resources_is_a_plan_warning(tf: Terraform, probe: ArrayProbe) -> None:
    tf.write(volume("shared"))
    tf.init()
    tf.apply()
    volume_id = tf.values("dellsc_volume.v")["id"]
    second = volume("shared", label="w", provider="")
    import_block = f'import {{\n  to = dellsc_volume.w\n  id = "{volume_id}"\n}}\n'
    tf.write(volume("shared") + second + import_block)
    out = tf.run("plan", "-no-color", "-input=false").output
    assert "Object Managed By Two Resources" in out
    assert volume_id in out
