"""The fault matrix of failover and failback: every request they send x every fault the
emulator injects, and kill -9 of Terraform or of the plugin at each step that changes the array.

A cell is one replication plan of one volume, mapped to a host on the primary, with a standby
host on the secondary owning the host's initiator. A row (one request of the move) puts one
cell per fault type in one configuration (the types aimed at task polls excepted: the moves'
requests are synchronous), aims each fault at its cell's request (by path or
body; requests that name no cell are aimed by order), applies the move with the faults, clears
them and applies again. Then, for every cell: the hosts have access as after a clean run (after
a failover, the copy serves the standby host and the original serves none; after a failback,
the original serves the host and the copy none), each volume has exactly one replication and no
stray volume, and the plan is clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.acceptance.configs_dr import host_mapped, server_id
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays
from tests.acceptance.faultmatrix import FAULTS, Fault
from tests.acceptance.harness import ArrayProbe, Terraform

IQN = "iqn.1994-05.com.redhat:drfm-host"
HOST, STANDBY = "drfm-host", "drfm-standby"
REPL_PREFIX = "Cinder repl of "


@dataclass(frozen=True)
class Step:
    """One request of a move. `path` and `body` are regexes formatted with the cell's
    `volume`, `copy` and `replication` (its replication before the move); a step whose
    request names no cell (`per_cell = False`) is aimed at the nth such request instead."""

    move: str
    name: str
    method: str
    path: str
    body: str | None = None
    per_cell: bool = True
    writes: bool = True

    @property
    def label(self) -> str:
        return f"{self.move}-{self.name}"


FAILOVER_STEPS = (
    Step("failover", "list-copies", "POST", r"^StorageCenter/ScVolume/GetList$",
         body=rf'"attributeValue": {SECONDARY}\b', per_cell=False, writes=False),
    Step("failover", "list-mappings", "POST", r"^StorageCenter/ScMappingProfile/GetList$",
         per_cell=False, writes=False),
    Step("failover", "list-initiators", "POST", r"^StorageCenter/ScServerHba/GetList$",
         per_cell=False, writes=False),
    Step("failover", "break", "POST", r"^StorageCenter/ScVolume/{copy}/Unmap$"),
    Step("failover", "fence", "POST", r"^StorageCenter/ScVolume/{volume}/Unmap$"),
    Step("failover", "rename", "PUT", r"^StorageCenter/ScVolume/{copy}$"),
    Step("failover", "map", "POST", r"^StorageCenter/ScVolume/{copy}/MapToServer$"),
)  # fmt: skip
FAILBACK_STEPS = (
    Step("failback", "replays", "GET", r"^StorageCenter/ScVolume/{copy}/ReplayList$",
         writes=False),
    Step("failback", "fence", "POST", r"^StorageCenter/ScVolume/{volume}/Unmap$"),
    Step("failback", "unmap-copy", "POST", r"^StorageCenter/ScVolume/{copy}/Unmap$"),
    Step("failback", "delete-old", "DELETE", r"^StorageCenter/ScReplication/{replication}$"),
    Step("failback", "snapshot", "POST", r"^StorageCenter/ScVolume/{copy}/CreateReplay$"),
    Step("failback", "replicate-back", "POST", r"^StorageCenter/ScReplication$",
         body=r'"SourceVolume": "{copy}"'),
    Step("failback", "progress", "GET",
         rf"^StorageCenter/ScReplication/{SECONDARY}\.\d+/CurrentProgress$", per_cell=False,
         writes=False),
    Step("failback", "delete-back", "DELETE", rf"^StorageCenter/ScReplication/{SECONDARY}\.\d+$",
         per_cell=False),
    Step("failback", "replicate", "POST", r"^StorageCenter/ScReplication$",
         body=r'"SourceVolume": "{volume}"'),
    Step("failback", "map", "POST", r"^StorageCenter/ScVolume/{volume}/MapToServer$"),
    Step("failback", "rename", "PUT", r"^StorageCenter/ScVolume/{copy}$"),
)  # fmt: skip
STEPS = FAILOVER_STEPS + FAILBACK_STEPS


def label(index: int) -> str:
    return f"c{index:02d}"


def config(cells: int, site: str) -> str:
    parts = [
        f'provider "dellsc" {{\n  ssn      = {PRIMARY}\n  timeouts = {{ task = "4s" }}\n}}\n',
        f'provider "dellsc" {{\n  alias = "dr"\n  ssn   = {SECONDARY}\n}}\n',
        f'resource "dellsc_server" "host" {{\n  name             = "{HOST}"\n'
        f'  iscsi_initiators = ["{IQN}"]\n}}\n',
        f'resource "dellsc_server" "standby" {{\n  provider         = dellsc.dr\n'
        f'  name             = "{STANDBY}"\n  iscsi_initiators = ["{IQN}"]\n}}\n',
    ]
    for i in range(cells):
        c = label(i)
        parts.append(
            f'resource "dellsc_volume" "{c}" {{\n  name    = "drfm-{c}"\n  size_gb = 1\n}}\n'
            f'resource "dellsc_volume_mapping" "{c}" {{\n  volume_id = dellsc_volume.{c}.id\n'
            "  server_id = dellsc_server.host.id\n}\n"
            f'resource "dellsc_replication_plan" "{c}" {{\n  name            = "drfm-{c}"\n'
            f"  destination_ssn = {SECONDARY}\n  volume_ids      = [dellsc_volume.{c}.id]\n"
            f'  active_site     = "{site}"\n}}\n'
        )
    return "".join(parts)


@dataclass
class Cells:
    """The cells of a row as the state and the array had them before the move."""

    volumes: dict[str, str] = field(default_factory=dict)  # label -> volume id
    copies: dict[str, str] = field(default_factory=dict)  # label -> copy id
    replications: dict[str, str] = field(default_factory=dict)  # label -> replication id

    @classmethod
    def read(cls, tf: Terraform, arrays: Arrays, count: int) -> Cells:
        from tests.acceptance.configs_dr import state

        values, found = state(tf), cls()
        for i in range(count):
            c = label(i)
            volume = values[f"dellsc_volume.{c}"]["id"]
            found.volumes[c] = volume
            found.copies[c] = values[f"dellsc_replication_plan.{c}"]["pairs"][volume][
                "destination_volume_id"
            ]
            found.replications[c] = arrays.replication_of(volume)["instanceId"]
        return found

    def values(self, c: str) -> dict[str, str]:
        return {
            "volume": re.escape(self.volumes[c]),
            "copy": re.escape(self.copies[c]),
            "replication": re.escape(self.replications[c]),
        }


def rule(step: Step, fault: Fault, cells: Cells, c: str, nth: int) -> dict[str, Any]:
    """The fault rule that aims `fault` at cell `c`'s request of `step`."""
    found: dict[str, Any] = {"method": step.method, **fault.rule}
    if step.per_cell:
        found["path"] = step.path.format(**cells.values(c))
        if step.body is not None:
            found["body"] = step.body.format(**cells.values(c))
    else:
        found["path"], found["nth"] = step.path, nth
        if step.body is not None:
            found["body"] = step.body
    if fault.poll:
        found["target"] = "poll"
    return found


def hold(step: Step, cells: Cells, seconds: float) -> dict[str, Any]:
    """Every cell's request of `step` is carried out, and its reply held `seconds`."""
    if step.per_cell:
        paths = "|".join(f"(?:{step.path.format(**cells.values(c))})" for c in cells.volumes)
        bodies = [step.body.format(**cells.values(c)) for c in cells.volumes] if step.body else []
    else:
        paths, bodies = step.path, [step.body] if step.body else []
    found: dict[str, Any] = {"method": step.method, "path": paths, "action": "delay_reply",
                             "delay_s": seconds, "count": 1000}  # fmt: skip
    if bodies:
        found["body"] = "|".join(f"(?:{b})" for b in bodies)
    return found


def problems(arrays: Arrays, tf: Terraform, cells: Cells, site: str) -> Iterator[str]:
    """What is wrong with each cell after the recovery apply (nothing: no item)."""
    from tests.acceptance.configs_dr import state

    values = state(tf)
    host = server_id(arrays, PRIMARY, HOST)
    standby = server_id(arrays, SECONDARY, STANDBY)
    secondary = [v["name"] for v in arrays.volumes(SECONDARY)]
    for c, volume in sorted(cells.volumes.items()):
        plan = values[f"dellsc_replication_plan.{c}"]
        copy = cells.copies[c]
        name = f"drfm-{c}"
        sources = [r for r in arrays.replications() if r["sourceVolume"]["instanceId"] == volume]
        back = [r for r in arrays.replications() if r["sourceVolume"]["instanceId"] == copy]
        expected = {
            "active_site": site,
            "volume serves": {host} if site == "primary" else set(),
            "copy serves": set() if site == "primary" else {standby},
            "copy named": REPL_PREFIX + name if site == "primary" else name,
            "replications": 1,
            "replications back": 0,
            "volumes on the secondary": 1,
        }
        actual = {
            "active_site": plan["active_site"],
            "volume serves": host_mapped(arrays, volume),
            "copy serves": host_mapped(arrays, copy),
            "copy named": arrays.volume(copy)["name"],
            "replications": len(sources),
            "replications back": len(back),
            "volumes on the secondary": sum(1 for n in secondary if n.endswith(name)),
        }
        if site == "primary" and sources:
            expected["replication"] = ("Up", copy)
            found = sources[0]
            actual["replication"] = (found["state"], found["destinationVolume"]["instanceId"])
        for key, want in expected.items():
            if actual[key] != want:
                yield f"{c}: {key} {actual[key]!r}, want {want!r}"


def faults_of() -> tuple[Fault, ...]:
    """The fault types that can hit a step: every one but those aimed at task polls (the
    steps are synchronous requests: no task, so nothing to poll)."""
    return tuple(f for f in FAULTS if not f.poll)


def setup(tf: Terraform, arrays: Arrays, step: Step, count: int) -> None:
    """The state before the move: replicating (a failover row), or failed over while the
    primary was down and back up since (a failback row: its original still serves the host,
    so the failback fences it first)."""
    tf.write(config(count, "primary"))
    tf.init()
    tf.apply()
    # the plans and the mappings were made side by side: the next refresh records which
    # initiators each volume serves (any later apply would)
    tf.run("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    if step.move == "failback":
        arrays.down(PRIMARY)
        tf.apply(config(count, "secondary"))
        arrays.up(PRIMARY)


def target_site(step: Step) -> str:
    return "secondary" if step.move == "failover" else "primary"


def check(tf: Terraform, probe: ArrayProbe, cells: Cells, step: Step) -> list[str]:
    """Clear the faults, apply again, plan: what is wrong then."""
    probe.admin("DELETE", "faults")
    tf.apply(config(len(cells.volumes), target_site(step)))
    found = [] if tf.plan_exit_code() == 0 else [f"{step.label}: plan not empty after recovery"]
    return found + list(problems(Arrays(probe), tf, cells, target_site(step)))
