"""Crash windows: kill -9 at every request boundary of every create.

For each create (a `Create`: what it needs, the resource block, how to find what it made), a
clean apply on a copy of a prepared array records the requests the apply sends. Each row then
replays that apply on a fresh copy of the array with the emulator's `delay_reply` on one of
those requests (it is carried out, its answer held back), kills the plugin or Terraform while
the answer is held, applies again without faults, plans, and counts on the array (over REST):
the object made exactly once and held by the state, nothing temporary left behind (activation
mappings, create marks, clone markers, a clone still marked as copying, a create's intent).

The rows are generated from the recorded requests, so a request a create starts sending gets
its row without anyone writing it: the last read before the first change (a death before the
create), then every request from the first change on; of an async task's polls only the last
(the emulator has carried the change out when it accepts it, so the earlier polls leave the
array as the accepted request does), and not the logout (the state is saved by then).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import PASSWORD, make_terraform
from tests.acceptance.faultmatrix import RelogProbe
from tests.acceptance.harness import ArrayProbe, Terraform
from tests.acceptance.test_fault_matrix import _cmdline, children

OWNER = "crash-rows"  # one owner for every run of a row, whichever directory it runs in
PROVIDER = 'provider "dellsc" {\n  timeouts = { task = "60s" }\n}\n'
HELD_S = 3.0  # how long an answer is held back: the window the kill lands in
POLL = "ApiConnection/AsyncTask/"


@dataclass(frozen=True)
class Create:
    """One create: the configuration it needs, its resource block, and how to count it."""

    name: str
    base: str
    target: str
    address: str
    found: Callable[[ArrayProbe, dict[str, Any]], list[str]]  # ids of what it made


def _get_list(probe: ArrayProbe, kind: str, **where: Any) -> list[dict[str, Any]]:
    filters = [{"attributeName": "scSerialNumber", "attributeValue": 64702,
                "filterType": "Equals"}]  # fmt: skip
    filters += [{"attributeName": k, "attributeValue": v, "filterType": "Equals"}
                for k, v in where.items()]  # fmt: skip
    body = {"filter": {"filterType": "AND", "filters": filters}}
    return list(probe.api("POST", f"StorageCenter/{kind}/GetList", body))


def _volumes(name: str) -> Callable[[ArrayProbe, dict[str, Any]], list[str]]:
    def found(probe: ArrayProbe, state: dict[str, Any]) -> list[str]:
        return [v["instanceId"] for v in probe.volumes() if v["name"] == name
                and not v["inRecycleBin"]]  # fmt: skip

    return found


def _live(probe: ArrayProbe, volume_id: str) -> list[dict[str, Any]]:
    replays = probe.api("GET", f"StorageCenter/ScVolume/{volume_id}/ReplayList")
    return [r for r in replays if not (r["active"] or r["markedForExpiration"])]


def _snapshots(probe: ArrayProbe, state: dict[str, Any]) -> list[str]:
    volume = state["dellsc_volume.base"]["id"]
    return [
        r["instanceId"]
        for r in _live(probe, volume)
        if r["description"] == "cw-snap" or r["description"].startswith("tf-create-")
    ]


def _servers(probe: ArrayProbe, state: dict[str, Any]) -> list[str]:
    return [s["instanceId"] for s in _get_list(probe, "ScServer") if s["name"] == "cw-host"]


def _mappings(probe: ArrayProbe, state: dict[str, Any]) -> list[str]:
    volume, server = state["dellsc_volume.base"]["id"], state["dellsc_server.base"]["id"]
    profiles = probe.api("GET", f"StorageCenter/ScVolume/{volume}/MappingProfileList")
    return [p["instanceId"] for p in profiles if p["server"]["instanceId"] == server]


def _groups(probe: ArrayProbe, state: dict[str, Any]) -> list[str]:
    return [p["instanceId"] for p in _get_list(probe, "ScReplayProfile") if p["name"] == "cw-cg"]


def _group_snapshots(probe: ArrayProbe, state: dict[str, Any]) -> list[str]:
    group = state["dellsc_consistency_group.base"]["id"]
    found = probe.api("GET", f"StorageCenter/ScReplayProfile/{group}/ConsistencyGroupList")
    return [g["instanceId"] for g in found if g["description"] == "cw-gs"
            and probe.api("GET", f"StorageCenter/ScReplayConsistencyGroup/{g['instanceId']}"
                          "/ReplayList")]  # fmt: skip


def block(kind: str, label: str, **attributes: str) -> str:
    """A resource block; attribute values are HCL expressions."""
    width = max(map(len, attributes))
    body = "".join(f"  {k.ljust(width)} = {v}\n" for k, v in attributes.items())
    return f'resource "{kind}" "{label}" {{\n{body}}}\n'


VOLUME = block("dellsc_volume", "base", name='"cw-base"', size_gb="1")
VOLUMES = VOLUME + block("dellsc_volume", "base2", name='"cw-base2"', size_gb="1")
MEMBERS = "[dellsc_volume.base.id, dellsc_volume.base2.id]"
CREATES = (
    Create("volume", "", block("dellsc_volume", "t", name='"cw-vol"', size_gb="1"),
           "dellsc_volume.t", _volumes("cw-vol")),
    Create("snapshot", VOLUME,
           block("dellsc_snapshot", "t", volume_id="dellsc_volume.base.id", name='"cw-snap"'),
           "dellsc_snapshot.t", _snapshots),
    Create("view volume",
           VOLUME + block("dellsc_snapshot", "base", volume_id="dellsc_volume.base.id",
                          name='"cw-base-snap"'),
           block("dellsc_volume", "t", name='"cw-view"', size_gb="1",
                 source_snapshot_id="dellsc_snapshot.base.id"),
           "dellsc_volume.t", _volumes("cw-view")),
    Create("clone", VOLUME,
           block("dellsc_volume", "t", name='"cw-clone"', size_gb="1",
                 source_volume_id="dellsc_volume.base.id"),
           "dellsc_volume.t", _volumes("cw-clone")),
    Create("server", "",
           block("dellsc_server", "t", name='"cw-host"',
                 iscsi_initiators='["iqn.2026-01.com.example:cw"]'),
           "dellsc_server.t", _servers),
    Create("mapping", VOLUME + block("dellsc_server", "base", name='"cw-base-host"'),
           block("dellsc_volume_mapping", "t", volume_id="dellsc_volume.base.id",
                 server_id="dellsc_server.base.id"),
           "dellsc_volume_mapping.t", _mappings),
    Create("consistency group", VOLUMES,
           block("dellsc_consistency_group", "t", name='"cw-cg"', volume_ids=MEMBERS),
           "dellsc_consistency_group.t", _groups),
    Create("group snapshot",
           VOLUMES + block("dellsc_consistency_group", "base", name='"cw-base-cg"',
                           volume_ids=MEMBERS),
           block("dellsc_consistency_group_snapshot", "t",
                 consistency_group_id="dellsc_consistency_group.base.id", name='"cw-gs"'),
           "dellsc_consistency_group_snapshot.t", _group_snapshots),
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    nth: int  # the how-many-th request with this method and path in the apply
    mutation: bool


@dataclass
class Outcome:
    row: str
    reached: bool = True
    duplicates: int = 0
    orphans: int = 0
    lost: int = 0
    leftovers: list[str] | None = None
    clean_plan: bool = True

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.orphans or self.lost or self.leftovers) and (
            self.clean_plan
        )


class Array:
    """A prepared array (an emulator state file) and the working directory that made it."""

    def __init__(self, root: Path, cli_config: Path, binary: str, create: Create) -> None:
        self.root, self.cli_config, self.binary, self.create = root, cli_config, binary, create
        self.options = EmulatorOptions(password=PASSWORD, tls=False, state=str(root / "base.db"))
        template = root / "template"
        template.mkdir(parents=True)
        with EmulatorServer(self.options) as emulator:
            tf = self._terraform(template, emulator)
            tf.write(PROVIDER + create.base)
            tf.init()
            if create.base:
                tf.apply()
        self.template = template
        self._runs = itertools.count(1)

    def _terraform(self, workdir: Path, emulator: EmulatorServer) -> Terraform:
        tf = make_terraform(workdir, self.binary, self.cli_config, emulator)
        tf.env["DELLSC_OWNER"] = OWNER
        return tf

    @contextmanager
    def copy(self) -> Iterator[tuple[Terraform, RelogProbe]]:
        """A fresh copy of the array and of the working directory, with the target added."""
        run = self.root / f"run{next(self._runs)}"
        shutil.copytree(self.template, run / "work", symlinks=True)
        shutil.copy(self.root / "base.db", run / "array.db")
        options = replace(self.options, state=str(run / "array.db"))
        with EmulatorServer(options) as emulator:
            tf = self._terraform(run / "work", emulator)
            tf.write(PROVIDER + self.create.base + self.create.target)
            yield tf, RelogProbe(emulator)
        shutil.rmtree(run, ignore_errors=True)

    def requests(self) -> list[Request]:
        """The requests of a clean apply of the target, as rows: the last one before the
        first change, then every one from the first change on."""
        with self.copy() as (tf, probe):
            probe.admin("DELETE", "requests")
            tf.apply()
            log = probe.admin("GET", "requests")["requests"]
        seen: dict[tuple[str, str], int] = {}
        rows = []
        for entry in log:
            path = entry["path"]
            if path.startswith(POLL):  # task ids differ from run to run: count every poll
                path = POLL
            key = (entry["method"], path)
            seen[key] = seen.get(key, 0) + 1
            rows.append(Request(entry["method"], entry["path"], seen[key], entry["mutation"]))
        first = next((i for i, r in enumerate(rows) if r.mutation), len(rows))
        last_poll = {r.path: i for i, r in enumerate(rows) if "AsyncTask/" in r.path}
        return [
            r
            for i, r in enumerate(rows)
            if i >= first - 1
            and (last_poll.get(r.path, i) == i)  # a task's polls: its final answer only
            and not r.path.startswith("ApiConnection/Log")  # after the state was saved
        ]

    def row(self, request: Request, target: str) -> Outcome:
        """Kill `target` (plugin or terraform) while the answer to `request` is held back,
        then converge and count."""
        label = f"{self.create.name}: {request.method} {request.path} #{request.nth} / {target}"
        with self.copy() as (tf, probe):
            path = POLL + r"\d+" if request.path.startswith(POLL) else re.escape(request.path)
            rule = {"method": request.method, "path": f"^{path}$", "action": "delay_reply",
                    "delay_s": HELD_S, "nth": request.nth}  # fmt: skip
            probe.admin("POST", "faults", rule)
            if not kill_when_held(tf, probe, target):
                return Outcome(label, reached=False)
            probe.admin("DELETE", "faults")
            tf.apply()
            outcome = count(tf, probe, self.create, label)
            outcome.clean_plan = tf.plan_exit_code() == 0
            return outcome


def state_values(tf: Terraform) -> dict[str, dict[str, Any]]:
    """Address -> attributes, from the local state file (cheaper than `terraform show`)."""
    state = json.loads((tf.workdir / "terraform.tfstate").read_text())
    return {
        f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]
        for r in state.get("resources", [])
        if r.get("mode") == "managed" and r.get("instances")
    }


def count(tf: Terraform, probe: ArrayProbe, create: Create, label: str) -> Outcome:
    state = state_values(tf)
    made = create.found(probe, state)
    held = str(state.get(create.address, {}).get("id"))
    outcome = Outcome(label)
    outcome.duplicates = max(0, len(made) - 1)
    outcome.orphans = sum(1 for m in made if m != held)
    outcome.lost = 0 if held in made else 1
    outcome.leftovers = leftovers(probe)
    return outcome


def leftovers(probe: ArrayProbe) -> list[str]:
    """What a create makes for a moment, still on the array."""
    left = []
    for volume in probe.volumes():
        if volume["inRecycleBin"]:
            continue
        notes = str(volume.get("notes", ""))
        if "[dellsc:copying]" in notes or "=~" in notes or "[dellsc:pending" in notes:
            left.append(f"{volume['name']}: notes {notes!r}")
        for profile in probe.api(
            "GET", f"StorageCenter/ScVolume/{volume['instanceId']}/MappingProfileList"
        ):
            if profile["server"]["instanceName"] == "dellsc-activation":
                left.append(f"{volume['name']}: activation mapping {profile['instanceId']}")
        for replay in _live(probe, volume["instanceId"]):
            if replay["description"].startswith(("tf-create-", "tf-clone-")):
                left.append(f"{volume['name']}: replay {replay['description']}")
    return left


def _is_plugin(pid: int) -> bool:
    return "dellsc" in _cmdline(pid)


def _plugins(pid: int) -> list[int]:
    """The provider plugins below `pid` (Terraform may run them through a launcher)."""
    found, queue = [], [pid]
    while queue:
        for child in children(queue.pop()):
            queue.append(child)
            if _is_plugin(child):
                found.append(child)
    return found


def kill_when_held(tf: Terraform, probe: ArrayProbe, target: str, timeout: float = 90) -> bool:
    """Run the apply; once the fault's answer is held back, kill -9 `target`. False when the
    apply never sent that request (it finished or failed first)."""
    env = {**os.environ, **tf.env, "DELLSC_TERRAFORM": tf.binary}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dellsc.cli", "terraform", "apply", "-auto-approve",
         "-input=false", "-no-color"],
        cwd=tf.workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    reached = False
    plugins: list[int] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if probe.admin("GET", "faults")["faults"][0]["fired"]:
                reached = True
                break
            time.sleep(0.05)
        if reached:
            plugins = _plugins(proc.pid)
            terraform = [p for p in children(proc.pid) if not _is_plugin(p)] or [proc.pid]
            victims = plugins if target == "plugin" else [proc.pid, *terraform]
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    if target == "terraform":  # an orphaned plugin may finish what it was doing
        deadline = time.monotonic() + HELD_S + 30
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in plugins):
            time.sleep(0.2)
        for pid in plugins:
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
    return reached
