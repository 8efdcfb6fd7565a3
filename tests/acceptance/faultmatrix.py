"""The fault matrix: every operation of every resource type × every fault the emulator injects.

A cell is one resource instance whose operation meets one fault. All cells of one operation
run in one Terraform configuration (each fault is aimed at its own cell's request by path or
body), so a row costs a handful of Terraform runs: apply with the faults, apply again without,
plan. Then the array is checked: no orphans (objects no state holds), no duplicates (two
objects for one cell), nothing lost (a cell's object missing or not as configured), no pending
create mark left, and the plan empty.

To add a resource type, add its `Operation`s to OPERATIONS: how a cell looks before and after
the operation (HCL), which request the fault is aimed at, and how to find a cell's objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.acceptance.harness import ArrayProbe

PRIMARY, SECONDARY = 64702, 64703
PROVIDER = f"""provider "dellsc" {{
  ssn      = {PRIMARY}
  timeouts = {{ task = "4s" }}
}}
"""


class RelogProbe(ArrayProbe):
    """An ArrayProbe that logs in again when a fault (or a restart) ended its session."""

    def _call(self, method: str, url: str, body: Any = None) -> Any:
        try:
            return super()._call(method, url, body)
        except requests.HTTPError as exc:
            if exc.response is None or exc.response.status_code != 401 or "Login" in url:
                raise
        self.api("POST", "ApiConnection/Login", {"Application": "acceptance-tests"})
        return super()._call(method, url, body)


@dataclass(frozen=True)
class Fault:
    """One column: a fault rule (without method/path/body) and whether it hits task polls."""

    name: str
    rule: dict[str, Any]
    poll: bool = False


FAULTS: tuple[Fault, ...] = (
    Fault("400", {"action": "status", "status": 400, "message": "injected refusal"}),
    Fault("404", {"action": "status", "status": 404, "message": "injected not found"}),
    Fault("500", {"action": "status", "status": 500, "message": "injected failure"}),
    Fault("503x3", {"action": "status", "status": 503, "count": 3}),
    Fault("drop", {"action": "drop"}),
    Fault("drop-x3", {"action": "drop", "count": 3}),
    Fault("delay", {"action": "delay", "delay_s": 1.0}),
    Fault("task-fail", {"action": "task_fail", "status": 500, "message": "injected task failure"}),
    Fault("session-expiry", {"action": "expire_session"}),
    Fault("lost-reply", {"action": "lost_reply"}),
    Fault("slow-reply", {"action": "delay_reply", "delay_s": 1.0}),
    Fault("poll-500", {"action": "status", "status": 500}, poll=True),
    Fault("poll-503x3", {"action": "status", "status": 503, "count": 3}, poll=True),
    Fault("poll-404", {"action": "status", "status": 404}, poll=True),
    Fault("poll-drop-x3", {"action": "drop", "count": 3}, poll=True),
    # the first poll answers after 5 s, past the 4 s task timeout of PROVIDER
    Fault("poll-timeout", {"action": "delay", "delay_s": 5.0}, poll=True),
)


@dataclass(frozen=True)
class Cell:
    operation: str
    fault: Fault
    index: int
    request: str = ""  # a generated row's request (faultgen.py): the column it is counted in

    @property
    def label(self) -> str:
        """Unique across the rows that share a configuration: `<operation>-<index>`."""
        return f"{self.operation}-{self.index:02d}"

    @property
    def name(self) -> str:
        return f"fm-{self.operation}-{self.index:02d}"


@dataclass(frozen=True)
class Seen:
    """What a check sees after a row: the array (through REST) and every resource's state."""

    probe: ArrayProbe
    states: dict[str, dict[str, Any]]

    def values(self, kind: str, cell: Cell, suffix: str = "") -> dict[str, Any]:
        return self.states.get(f"{kind}.{cell.label}{suffix}", {})


Check = Callable[[Cell, dict[str, Any], Seen], str | None]


def _held(values: dict[str, Any]) -> set[str]:
    return {str(values["id"])}


@dataclass(frozen=True)
class Operation:
    """One row: an operation of a resource type and how to aim a fault at it.

    `before`/`after` render a cell's HCL (the resource under test is `<type_name>.<label>`;
    supporting resources may come along, labelled `<label>_<suffix>`; None: nothing).
    `method`, `path` and `body` are regexes for the request the fault hits, formatted with
    the cell's `name`, `id` (its object's id before the operation) and, for every resource of
    the cell in the state before the operation, `<type without dellsc_><suffix>` (e.g.
    `volume`, `volume_b`, `snapshot`); `refs` adds more (read from the array).

    `objects` lists the array's objects of the kind the operation makes or changes, `name_of`
    names one after its cell (the cell's object is named `cell.name`; `names` gives the names
    a cell must have exactly one object of after the operation, `gone` those it must have
    none of), `held` the object ids a resource's state holds, and `check` says what is wrong
    with a cell's object after the operation (None: fine).
    """

    type_name: str
    name: str
    before: Callable[[Cell], str | None]
    after: Callable[[Cell], str | None]
    method: str
    path: str
    objects: Callable[[ArrayProbe], list[dict[str, Any]]]
    name_of: Callable[[dict[str, Any]], str] = lambda obj: str(obj["name"])
    check: Check = lambda cell, obj, seen: None
    body: str | None = None
    names: Callable[[Cell], tuple[str, ...]] = lambda cell: (cell.name,)
    gone: Callable[[Cell], tuple[str, ...]] = lambda cell: (cell.name + "-old",)
    held: Callable[[dict[str, Any]], set[str]] = _held
    refs: Callable[[ArrayProbe, dict[str, str]], dict[str, str]] | None = None

    def address(self, cell: Cell) -> str:
        return f"{self.type_name}.{cell.label}"

    def kept(self, cell: Cell) -> bool:
        """Whether the cell's resource is still configured after the operation."""
        return f'resource "{self.type_name}" "{cell.label}"' in (self.after(cell) or "")

    def values(self, cell: Cell, ids: dict[str, str], probe: ArrayProbe) -> dict[str, str]:
        found = {"name": cell.name}
        for address, instance_id in ids.items():
            kind, _, label = address.partition(".")
            if label == cell.label or label.startswith(cell.label + "_"):
                found[kind.removeprefix("dellsc_") + label[len(cell.label) :]] = instance_id
        found["id"] = ids.get(self.address(cell), "")
        found["volume_id"] = found.get("volume", "")
        if self.refs is not None:
            found.update(self.refs(probe, found))
        return found

    def rule(self, cell: Cell, ids: dict[str, str], probe: ArrayProbe) -> dict[str, Any]:
        values = self.values(cell, ids, probe)
        rule: dict[str, Any] = {
            "method": self.method,
            "path": self.path.format(**values),
            **cell.fault.rule,
        }
        if self.body is not None:
            rule["body"] = self.body.format(**values)
        if cell.fault.poll:
            rule["target"] = "poll"
        return rule


def volume_block(cell: Cell, *, name: str | None = None, size_gb: int = 1, **extra: str) -> str:
    lines = [f'  name    = "{name or cell.name}"', f"  size_gb = {size_gb}"]
    lines += [f'  {k} = "{v}"' for k, v in extra.items()]
    body = "\n".join(lines)
    return f'resource "dellsc_volume" "{cell.label}" {{\n{body}\n}}\n'


def server_block(cell: Cell, *, name: str | None = None) -> str:
    return f'resource "dellsc_server" "{cell.label}" {{\n  name = "{name or cell.name}"\n}}\n'


def mapping_block(cell: Cell) -> str:
    return (
        f'resource "dellsc_volume_mapping" "{cell.label}" {{\n'
        f"  volume_id = dellsc_volume.{cell.label}.id\n"
        f"  server_id = dellsc_server.{cell.label}.id\n}}\n"
    )


def _volumes(probe: ArrayProbe) -> list[dict[str, Any]]:
    return probe.volumes()


def _listed(kind: str) -> Callable[[ArrayProbe], list[dict[str, Any]]]:
    def objects(probe: ArrayProbe) -> list[dict[str, Any]]:
        where = {"attributeName": "scSerialNumber", "attributeValue": probe.ssn,
                 "filterType": "Equals"}  # fmt: skip
        body = {"filter": {"filterType": "AND", "filters": [where]}}
        return list(probe.api("POST", f"StorageCenter/{kind}/GetList", body))

    return objects


def _mapping_name(profile: dict[str, Any]) -> str:
    """A mapping profile is named after its volume (the cell's name)."""
    return str(profile["volume"]["instanceName"])


def _size_is(gib: int) -> Check:
    def check(cell: Cell, volume: dict[str, Any], seen: Seen) -> str | None:
        size = int(float(volume["configuredSize"].split()[0]))
        return None if size == gib << 30 else f"size {size} bytes, want {gib} GiB"

    return check


def _folder_is(path: str) -> Check:
    def check(cell: Cell, volume: dict[str, Any], seen: Seen) -> str | None:
        actual = volume["volumeFolderPath"].strip("/")
        return None if actual == path else f"in folder {actual!r}, want {path!r}"

    return check


def _profile_is(profile: str) -> Check:
    def check(cell: Cell, volume: dict[str, Any], seen: Seen) -> str | None:
        path = f"StorageCenter/ScVolume/{volume['instanceId']}/VolumeConfiguration"
        actual = seen.probe.api("GET", path).get("storageProfile", {}).get("instanceName")
        return None if actual == profile else f"storage profile {actual!r}, want {profile!r}"

    return check


VOLUME_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_volume", "create",
        before=lambda c: None,
        after=lambda c: volume_block(c),
        method="POST", path="^StorageCenter/ScVolume$", body='"Name": "{name}"',
        objects=_volumes,
    ),
    Operation(
        "dellsc_volume", "grow",
        before=lambda c: volume_block(c),
        after=lambda c: volume_block(c, size_gb=2),
        method="POST", path="^StorageCenter/ScVolume/{id}/ExpandToSize$",
        objects=_volumes, check=_size_is(2),
    ),
    Operation(
        "dellsc_volume", "rename",
        before=lambda c: volume_block(c, name=c.name + "-old"),
        after=lambda c: volume_block(c),
        method="PUT", path="^StorageCenter/ScVolume/{id}$",
        objects=_volumes,
    ),
    Operation(
        "dellsc_volume", "move",
        before=lambda c: volume_block(c, folder="fm/a"),
        after=lambda c: volume_block(c, folder="fm/b"),
        method="PUT", path="^StorageCenter/ScVolume/{id}$",
        objects=_volumes, check=_folder_is("fm/b"),
    ),
    Operation(
        "dellsc_volume", "profile",
        before=lambda c: volume_block(c, storage_profile="Recommended"),
        after=lambda c: volume_block(c, storage_profile="Low Priority"),
        method="PUT", path="^StorageCenter/ScVolumeConfiguration/{id}$",
        objects=_volumes, check=_profile_is("Low Priority"),
    ),
    Operation(
        "dellsc_volume", "delete",
        before=lambda c: volume_block(c),
        after=lambda c: None,
        method="DELETE", path="^StorageCenter/ScVolume/{id}$",
        objects=_volumes,
    ),
)  # fmt: skip

SERVER_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_server",
        "srv-create",
        before=lambda c: None,
        after=lambda c: server_block(c),
        method="POST",
        path="^StorageCenter/ScPhysicalServer$",
        body='"Name": "{name}"',
        objects=_listed("ScServer"),
    ),
    Operation(
        "dellsc_server",
        "srv-rename",
        before=lambda c: server_block(c, name=c.name + "-old"),
        after=lambda c: server_block(c),
        method="PUT",
        path="^StorageCenter/ScPhysicalServer/{id}$",
        objects=_listed("ScServer"),
    ),
    Operation(
        "dellsc_server",
        "srv-delete",
        before=lambda c: server_block(c),
        after=lambda c: None,
        method="DELETE",
        path="^StorageCenter/ScServer/{id}$",
        objects=_listed("ScServer"),
    ),
)
MAPPING_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_volume_mapping",
        "map",
        before=lambda c: volume_block(c) + server_block(c),
        after=lambda c: volume_block(c) + server_block(c) + mapping_block(c),
        method="POST",
        path="^StorageCenter/ScVolume/{volume_id}/MapToServer$",
        objects=_listed("ScMappingProfile"),
        name_of=_mapping_name,
    ),
    Operation(
        "dellsc_volume_mapping",
        "unmap",
        before=lambda c: volume_block(c) + server_block(c) + mapping_block(c),
        after=lambda c: volume_block(c) + server_block(c),
        method="DELETE",
        path="^StorageCenter/ScMappingProfile/{id}$",
        objects=_listed("ScMappingProfile"),
        name_of=_mapping_name,
    ),
)


def cluster_block(cell: Cell, *, name: str | None = None, member: bool = False) -> str:
    """A server cluster; with `member`, the cell's server `<label>_s` is in it."""
    members = f"\n  server_ids = [dellsc_server.{cell.label}_s.id]" if member else ""
    return (
        f'resource "dellsc_server_cluster" "{cell.label}" {{\n'
        f'  name = "{name or cell.name}"{members}\n}}\n'
    )


def host_block(cell: Cell) -> str:
    return f'resource "dellsc_server" "{cell.label}_s" {{\n  name = "{cell.name}-host"\n}}\n'


def _has_member(cell: Cell, cluster: dict[str, Any], seen: Seen) -> str | None:
    server = seen.values("dellsc_server", cell, "_s")
    if not server:
        return "its server is not in the state"
    parent = seen.probe.api("GET", f"StorageCenter/ScServer/{server['id']}").get("parent") or {}
    return None if parent.get("instanceId") == cluster["instanceId"] else "server not a member"


CLUSTER_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "dellsc_server_cluster", "cl-create",
        before=lambda c: None,
        after=lambda c: cluster_block(c),
        method="POST", path="^StorageCenter/ScServerCluster$", body='"Name": "{name}"',
        objects=_listed("ScServerCluster"),
    ),
    Operation(
        "dellsc_server_cluster", "cl-rename",
        before=lambda c: cluster_block(c, name=c.name + "-old"),
        after=lambda c: cluster_block(c),
        method="PUT", path="^StorageCenter/ScServerCluster/{id}$",
        objects=_listed("ScServerCluster"),
    ),
    Operation(
        "dellsc_server_cluster", "cl-join",
        before=lambda c: cluster_block(c) + host_block(c),
        after=lambda c: cluster_block(c, member=True) + host_block(c),
        method="POST", path="^StorageCenter/ScPhysicalServer/{server_s}/AddToCluster$",
        objects=_listed("ScServerCluster"), check=_has_member,
    ),
    Operation(
        "dellsc_server_cluster", "cl-delete",
        before=lambda c: cluster_block(c),
        after=lambda c: None,
        method="DELETE", path="^StorageCenter/ScServer/{id}$",
        objects=_listed("ScServerCluster"),
    ),
)  # fmt: skip

# every resource type's rows; other types add theirs here
OPERATIONS: dict[str, tuple[Operation, ...]] = {
    "dellsc_volume": VOLUME_OPERATIONS,
    "dellsc_server": SERVER_OPERATIONS,
    "dellsc_volume_mapping": MAPPING_OPERATIONS,
    "dellsc_server_cluster": CLUSTER_OPERATIONS,
}


@dataclass
class Counts:
    cells: int = 0
    orphans: int = 0
    duplicates: int = 0
    lost: int = 0
    marks: int = 0
    not_converged: int = 0
    unreached: int = 0  # cells whose fault never fired (the request was not sent)

    def add(self, other: Counts) -> None:
        self.cells += other.cells
        self.orphans += other.orphans
        self.duplicates += other.duplicates
        self.lost += other.lost
        self.marks += other.marks
        self.not_converged += other.not_converged
        self.unreached += other.unreached

    def clean(self) -> bool:
        return not (self.orphans or self.duplicates or self.lost or self.marks) and (
            not self.not_converged
        )

    def __str__(self) -> str:
        return (
            f"{self.cells} cells: {self.orphans} orphaned, {self.duplicates} duplicated, "
            f"{self.lost} lost, {self.marks} pending marks left"
        )


@dataclass
class Tally:
    """Outcomes and counts over the cells of a run, per resource type.

    An outcome is `ok` (the apply with the fault succeeded), `err` (it failed, the next one
    converged) or `FAIL` (something was orphaned, duplicated or lost: listed under the table).
    """

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    per_type: dict[str, Counts] = field(default_factory=dict)

    def counts(self, type_name: str) -> Counts:
        return self.per_type.setdefault(type_name, Counts())

    def add(self, type_name: str, operation: str, fault: str, outcome: str) -> None:
        self.rows.append((type_name, operation, fault, outcome))
        self.counts(type_name).cells += 1

    @property
    def total(self) -> Counts:
        total = Counts()
        for counts in self.per_type.values():
            total.add(counts)
        return total

    def failures(self) -> list[str]:
        return [f"{o} x {f}: {r}" for _, o, f, r in self.rows if r.startswith("FAIL")]

    def render(self) -> str:
        def ordered(column: int) -> list[str]:
            return list(dict.fromkeys(r[column] for r in self.rows))

        operations, faults = ordered(1), ordered(2)
        outcome = {(r[1], r[2]): r[3].split(":")[0] for r in self.rows}
        width = max(len(o) for o in operations)
        widths = [max(4, len(f)) for f in faults]
        header = " | ".join(f"{f:^{w}}" for f, w in zip(faults, widths, strict=True))
        lines = [f"{'':<{width}} | {header}"]
        for operation in operations:
            cells = [
                f"{outcome.get((operation, f), '-'):^{w}}"
                for f, w in zip(faults, widths, strict=True)
            ]
            lines.append(f"{operation:<{width}} | " + " | ".join(cells))
        for type_name in ordered(0):
            ops = len({r[1] for r in self.rows if r[0] == type_name})
            counts = self.per_type[type_name]
            per_op = counts.cells // ops if ops else 0
            lines.append(f"{type_name}: {ops} operations x {per_op} faults = {counts}")
        lines.append(f"total: {len(operations)} operations x {len(faults)} faults = {self.total}")
        lines += [f"  {failure}" for failure in self.failures()]
        return "\n".join(lines)
