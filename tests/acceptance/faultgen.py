"""The generated fault matrix: every fault at every mutating request of every operation.

The hand-written rows (faultmatrix.py, faultmatrix_protection.py) say how an operation looks
(its HCL before and after) and how to find and check its objects; the requests come from the
array. A clean run of one cell of the operation on a fresh array records the requests it sends
(`/_emulator/requests`); every mutating one (not Login or Logout) becomes a row, so a request
an operation starts sending gets its row without anyone writing it. A row is the request's
method and route and its occurrence among the cell's requests of that kind (`#2`: the second
`PUT ScVolume/{id}` of the cell); its cells are the faults of FAULTS, each in a cell of its
own, pinned to that cell by the emulator's `subject` (the names of the objects a request
refers to).

A request that names nothing of the cell (the activation server's create, a replication QoS
node, a shared volume folder) happens once per array, whichever cell sends it: such a
*shared* row runs one fault per fresh array, with the rule aimed at that request unpinned.

Operations of one type whose requests are the same (method, route, occurrence and body, with
ids and names taken out) run once; shared rows that recur in several operations run once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import PASSWORD, make_terraform
from tests.acceptance.faultmatrix import (
    FAULTS,
    PRIMARY,
    PROVIDER,
    SECONDARY,
    Cell,
    Counts,
    Fault,
    Operation,
    RelogProbe,
    Tally,
)
from tests.acceptance.harness import Terraform, TerraformFailed
from tests.acceptance.test_fault_matrix import check_row, state_values, write

_ID = re.compile(r"\d+(?:\.\d+)+")
_HEX = re.compile(r"[0-9a-f]{12,}")


def subject(cell: Cell) -> str:
    """A regex for the names of a cell's objects: `fm-map-03`, `fm-map-03-src`, `Cinder repl
    of fm-map-03`, `"Name": "fm-map-03"`, never `fm-map-031`."""
    return rf"(?<![\w-]){re.escape(cell.name)}(?:-[a-z]+)?(?![\w-])"


@dataclass(frozen=True)
class Target:
    """A row: the `nth` mutating request with this method and route a cell sends (among the
    cell's own requests when `pinned`, else among all)."""

    method: str
    route: str
    nth: int
    pinned: bool
    body: str  # the body with ids, hashes and the cell's name taken out

    @property
    def label(self) -> str:
        return f"{self.method} {self.route.removeprefix('StorageCenter/')} #{self.nth}"

    def rule(self, fault: Fault, cell: Cell) -> dict[str, Any]:
        path = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(self.route))
        rule = {"method": self.method, "path": f"^{path}$", **fault.rule, "nth": self.nth}
        if self.pinned:
            rule["subject"] = subject(cell)
        if fault.poll:
            rule["target"] = "poll"
        return rule


def targets_of(log: list[dict[str, Any]], cell: Cell) -> list[Target]:
    """The rows of a clean run's request log: each mutating request, pinned to the cell when
    its body or the objects it refers to name the cell."""
    mine = re.compile(subject(cell))
    every: Counter[tuple[str, str]] = Counter()
    own: Counter[tuple[str, str]] = Counter()
    targets = []
    for entry in log:
        if not entry["mutation"]:
            continue
        key = (entry["method"], entry["route"] or entry["path"])
        body = json.dumps(entry.get("body"), sort_keys=True)
        pinned = bool(mine.search(body + "\n" + "\n".join(entry.get("names") or [])))
        every[key] += 1
        own[key] += pinned
        plain = _HEX.sub("<hex>", _ID.sub("<id>", mine.sub("<cell>", body)))
        targets.append(Target(*key, own[key] if pinned else every[key], pinned, plain))
    return targets


@dataclass
class Row:
    """An operation and the targets it runs (all pinned, or one shared)."""

    group: str
    operation: Operation
    targets: list[Target]
    faults: tuple[Fault, ...] = FAULTS

    @property
    def cells(self) -> int:
        return len(self.targets) * len(self.faults)


@dataclass
class Outcome:
    """What the generated matrix found, and the time it took."""

    tally: Tally = field(default_factory=Tally)
    rows: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)  # operations run as another's duplicate
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def merge(self, group: str, part: Tally, rows: int) -> None:
        with self.lock:
            self.tally.rows += part.rows
            for name, counts in part.per_type.items():
                self.tally.counts(name).add(counts)
            self.rows[group] += rows

    def summary(self) -> str:
        head = ("type", "rows", "cells", "orphans", "duplicates", "lost", "marks",
                "not converged", "not reached")  # fmt: skip
        lines: list[tuple[str, ...]] = [head]
        total = Counts()
        for group, counts in self.tally.per_type.items():
            total.add(counts)
            lines.append((group, str(self.rows[group]), *_numbers(counts)))
        lines.append(("total", str(sum(self.rows.values())), *_numbers(total)))
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        text = [
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(line, widths, strict=True))
            )  # fmt: skip
            for line in lines
        ]
        text.append(f"run time {self.seconds:.0f} s")
        text += [f"  {s}" for s in self.skipped]
        text += [f"  {f}" for f in self.tally.failures()]
        return "\n".join(text)


def _numbers(counts: Counts) -> tuple[str, ...]:
    return tuple(map(str, (counts.cells, counts.orphans, counts.duplicates, counts.lost,
                           counts.marks, counts.not_converged, counts.unreached)))  # fmt: skip


class Workers:
    """Fresh arrays (an emulator with the primary and a secondary Storage Center) and one
    initialised Terraform working directory per thread."""

    def __init__(self, root: Path, binary: str, cli_config: Path) -> None:
        self.root, self.binary, self.cli_config = root, binary, cli_config
        self._local = threading.local()
        self._count = iter(range(1, 1_000_000))
        self._lock = threading.Lock()

    def _workdir(self, emulator: EmulatorServer) -> Path:
        workdir: Path | None = getattr(self._local, "workdir", None)
        if workdir is None:
            with self._lock:
                workdir = self.root / f"worker{next(self._count)}"
            workdir.mkdir(parents=True)
            tf = make_terraform(workdir, self.binary, self.cli_config, emulator)
            tf.write(PROVIDER)
            tf.init()
            self._local.workdir = workdir
        for stale in workdir.glob("terraform.tfstate*"):
            stale.unlink()
        return workdir

    @contextmanager
    def array(self) -> Iterator[tuple[Terraform, RelogProbe]]:
        options = EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY))
        with EmulatorServer(options) as emulator:
            tf = make_terraform(self._workdir(emulator), self.binary, self.cli_config, emulator)
            yield tf, RelogProbe(emulator)


def record(tf: Terraform, probe: RelogProbe, operation: Operation) -> list[Target]:
    """A clean run of one cell of `operation` (index 0); its rows. The cell stays."""
    cell = Cell(operation.name, FAULTS[0], 0)
    before = operation.before(cell)
    write(tf, [before])
    if before is not None:
        tf.apply()
    probe.admin("DELETE", "requests")
    write(tf, [operation.after(cell)])
    tf.apply()
    return targets_of(probe.admin("GET", "requests")["requests"], cell)


def run_cells(
    tf: Terraform,
    probe: RelogProbe,
    row: Row,
    cells: list[tuple[Target, Cell]],
    kept: list[str | None],
) -> Tally:
    """The cells in one configuration (beside the blocks `kept`): apply each cell's `before`,
    aim each cell's fault, apply its `after`, apply again without faults, plan, check."""
    operation, tally = row.operation, Tally()
    before = [operation.before(c) for _, c in cells]
    write(tf, kept + before)
    if any(b is not None for b in before):
        tf.apply()
    probe.admin("DELETE", "faults")
    rules = {c.name: probe.admin("POST", "faults", t.rule(c.fault, c))["id"] for t, c in cells}
    write(tf, kept + [operation.after(c) for _, c in cells])
    faulted = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=None)
    fired = {f["id"]: f["fired"] for f in probe.admin("GET", "faults")["faults"]}
    probe.admin("DELETE", "faults")
    recovered = tf.run("apply", "-auto-approve", "-input=false", "-no-color", ok=None)
    try:
        converged = recovered.code == 0 and tf.plan_exit_code() == 0
    except TerraformFailed:
        converged = False
    states = state_values(tf)
    only = [c for _, c in cells]
    check_row(probe, (row.group, operation), only, faulted.output,
              {c.name: [] for c in only}, states, tally)  # fmt: skip
    counts = tally.counts(row.group)
    for index, cell in enumerate(only):
        group, column, fault, outcome = tally.rows[index]
        if not converged:
            counts.not_converged += 1
            detail = recovered.output[-300:] if recovered.code else "plan not empty"
            outcome = f"FAIL:not converged ({' '.join(detail.split())})"
        elif not fired.get(rules[cell.name]) and not outcome.startswith("FAIL"):
            counts.unreached += 1
            outcome = "n/r"
        tally.rows[index] = (group, column, fault, outcome)
    return tally


def run_operation(
    workers: Workers, group: str, operation: Operation, pick: Callable[[Target], bool]
) -> tuple[Tally, Row, list[Row]]:
    """Record `operation` on a fresh array, then every pinned target × every fault in one
    configuration there (beside the recording cell, which stays); the tally, the pinned row
    and the shared rows (to run apart)."""
    with workers.array() as (tf, probe):
        targets = record(tf, probe, operation)
        row = Row(group, operation, [t for t in targets if t.pinned and pick(t)])
        size = len(row.faults)
        cells = [
            (target, Cell(operation.name, fault, 1 + i * size + j, target.label))
            for i, target in enumerate(row.targets)
            for j, fault in enumerate(row.faults)
        ]
        kept = [operation.after(Cell(operation.name, FAULTS[0], 0))]
        tally = run_cells(tf, probe, row, cells, kept) if cells else Tally()
    shared = [Row(group, operation, [t]) for t in targets if not t.pinned]
    return tally, row, shared


def run_shared(workers: Workers, row: Row, fault: Fault) -> Tally:
    """One fault at a shared request, on a fresh array with one cell."""
    [target] = row.targets
    with workers.array() as (tf, probe):
        cell = Cell(row.operation.name, fault, 1, target.label)
        return run_cells(tf, probe, row, [(target, cell)], [])


def unique(
    operations: Mapping[str, tuple[Operation, ...]], outcome: Outcome
) -> list[tuple[str, Operation]]:
    """The operations to run: of those whose configurations are the same but for their
    names (so are their requests), the first."""
    found: dict[tuple[str, ...], str] = {}
    kept = []
    for group, ops in operations.items():
        for operation in ops:
            cell = Cell(operation.name, FAULTS[0], 0)
            blocks = (operation.before(cell) or "", operation.after(cell) or "")
            key = (operation.type_name, *(_anonymous(b, cell) for b in blocks))
            if key in found:
                outcome.skipped.append(f"{operation.name}: the same requests as {found[key]}")
                continue
            found[key] = operation.name
            kept.append((group, operation))
    return kept


def _anonymous(block: str, cell: Cell) -> str:
    return block.replace(cell.name, "<name>").replace(cell.label, "<label>")


def run_matrix(
    workers: Workers,
    operations: Mapping[str, tuple[Operation, ...]],
    parallel: int = 2,
    pick: Callable[[Target], bool] = lambda target: True,
) -> Outcome:
    """Every unique operation (recorded, then its pinned rows), then every shared row (each
    request once, one fault per fresh array), `parallel` jobs at a time."""
    outcome = Outcome()
    started = time.monotonic()
    shared: dict[tuple[str, str, str], Row] = {}
    with ThreadPoolExecutor(parallel) as pool:
        ran = pool.map(
            lambda job: run_operation(workers, job[0], job[1], pick), unique(operations, outcome)
        )
        for tally, row, rows in ran:
            outcome.merge(row.group, tally, len(row.targets))
            for found in rows:
                target = found.targets[0]
                if pick(target):
                    shared.setdefault((target.method, target.route, target.body), found)
        jobs = [(row, fault) for row in shared.values() for fault in row.faults]
        for (row, _), tally in zip(
            jobs, pool.map(lambda job: run_shared(workers, *job), jobs), strict=True
        ):
            outcome.merge(row.group, tally, 0)
    for row in shared.values():
        outcome.rows[row.group] += 1
    outcome.seconds = time.monotonic() - started
    return outcome
