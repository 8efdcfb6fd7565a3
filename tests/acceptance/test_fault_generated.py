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

from tests.acceptance.conftest import default_flavour
from tests.acceptance.faultgen import Outcome, Workers, run_matrix
from tests.acceptance.faultmatrix import OPERATIONS
from tests.acceptance.faultmatrix_protection import PROTECTION_OPERATIONS

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
