"""The generated fault matrix (faultgen.py) through real Terraform: every fault at every
mutating request of every operation of every resource type; the array must hold no orphan,
no duplicate, nothing lost, no pending mark, and every cell must converge.

`make test` runs one operation's rows (a mapping's create: its volume's mark, then the map);
`make test-faults` runs them all and prints the summary per resource type.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorServer
from tests.acceptance.conftest import default_flavour, make_terraform
from tests.acceptance.faultgen import Outcome, Workers, run_matrix
from tests.acceptance.faultmatrix import OPERATIONS, PROVIDER, RelogProbe
from tests.acceptance.faultmatrix_protection import PROTECTION_OPERATIONS
from tests.acceptance.test_fault_matrix import state_values as state_values_of

pytestmark = pytest.mark.acceptance
# a file to collect the summary in (read at import: the tests' environment drops DELLSC_*)
REPORT = os.environ.get("DELLSC_FAULT_REPORT")


def assert_clean(outcome: Outcome) -> None:
    assert not outcome.tally.failures(), outcome.summary()
    assert outcome.tally.total.clean(), outcome.summary()


def test_generated_row_of_a_mapping_create(tmp_path: Path, cli_config: Path) -> None:
    """Every fault at the first mutating request of a mapping's create (its volume's mark,
    sent before the map), pinned to its cell."""
    workers = Workers(tmp_path, default_flavour(), cli_config)
    map_row = {"dellsc_volume_mapping": (OPERATIONS["dellsc_volume_mapping"][0],)}
    outcome = run_matrix(workers, map_row, parallel=1, pick=lambda t: t.method == "PUT")
    print("\n" + outcome.tally.render() + "\n" + outcome.summary())
    assert outcome.tally.total.cells >= 16
    assert_clean(outcome)


@pytest.mark.faults
def test_generated_fault_matrix(
    tmp_path: Path, cli_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every fault at every mutating request of every operation of every resource type."""
    workers = Workers(tmp_path, default_flavour(), cli_config)
    outcome = run_matrix(workers, {**OPERATIONS, **PROTECTION_OPERATIONS})
    table = outcome.tally.render() + "\n\ngenerated fault matrix:\n" + outcome.summary()
    with capsys.disabled():
        print("\n" + table)
    if REPORT:
        with open(REPORT, "a") as out:
            out.write(table + "\n\n")
    assert_clean(outcome)


# -- a destroy with faults live ----------------------------------------------------------------

DESTROY_VOLUMES = 24


def mapped_volumes() -> str:
    """DESTROY_VOLUMES volumes, each mapped to one server."""
    blocks = ['resource "dellsc_server" "host" {\n  name = "fd-host"\n}\n']
    for i in range(DESTROY_VOLUMES):
        blocks.append(
            f'resource "dellsc_volume" "v{i:02d}" {{\n  name    = "fd-{i:02d}"\n  size_gb = 1\n}}\n'
            f'resource "dellsc_volume_mapping" "v{i:02d}" {{\n'
            f"  volume_id = dellsc_volume.v{i:02d}.id\n  server_id = dellsc_server.host.id\n}}\n"
        )
    return PROVIDER + "".join(blocks)


def random_faults(probe: RelogProbe, probability: float) -> None:
    """Each change (not a read) fails with a 500 or loses its connection, with `probability`
    in all: a seeded pattern, the same for the same requests in the same order."""
    for seed, (method, action) in enumerate(
        (m, a) for m in ("POST", "PUT", "DELETE") for a in ("status", "drop")
    ):
        rule = {"method": method, "path": r"^StorageCenter/(?!.*/GetList$)", "action": action,
                "status": 500, "message": "injected failure", "count": 100_000,
                "probability": probability / 2, "seed": seed}  # fmt: skip
        probe.admin("POST", "faults", rule)


@pytest.mark.faults
def test_apply_and_destroy_with_faults_live_complete_on_a_rerun(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer
) -> None:
    """`apply -parallelism=20` of 24 mapped volumes under 30 % random 500s and dropped
    connections, then an apply without faults: each volume once, each mapped once, a clean
    plan. Then `destroy -parallelism=20` under the same faults, and a destroy without them:
    nothing of the configuration is left."""
    tf = make_terraform(tmp_path, default_flavour(), cli_config, emulator)
    probe = RelogProbe(emulator)
    tf.write(mapped_volumes())
    tf.init()
    random_faults(probe, 0.3)
    tf.run("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20", ok=None)
    assert sum(f["fired"] for f in probe.admin("GET", "faults")["faults"]), "no fault fired"
    probe.admin("DELETE", "faults")
    tf.run("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20")
    assert tf.plan_exit_code() == 0
    volumes = [v for v in probe.volumes() if v["name"].startswith("fd-")]
    assert sorted(v["name"] for v in volumes) == [f"fd-{i:02d}" for i in range(DESTROY_VOLUMES)]
    for volume in volumes:  # one mapping each, to the configured host only
        profiles = probe.api(
            "GET", f"StorageCenter/ScVolume/{volume['instanceId']}/MappingProfileList"
        )
        assert [p["server"]["instanceName"] for p in profiles] == ["fd-host"], volume["name"]
    random_faults(probe, 0.3)
    first = tf.run(
        "destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=20", ok=None
    )
    fired = sum(f["fired"] for f in probe.admin("GET", "faults")["faults"])
    probe.admin("DELETE", "faults")
    left = [v["name"] for v in probe.volumes() if v["name"].startswith("fd-")]
    print(f"\nfaulted destroy: exit {first.code}, {fired} faults fired, {len(left)} volumes left")
    assert fired, "no fault fired"
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=20")
    assert [v["name"] for v in probe.volumes() if v["name"].startswith("fd-")] == []
    servers = probe.api("POST", "StorageCenter/ScServer/GetList", {})
    assert [s["name"] for s in servers if s["name"] == "fd-host"] == []
    assert state_values_of(tf) == {}
