"""`dellsc doctor`: a read-only check that a DSM answers in the shapes the provider parses.

It connects exactly as the provider does (ConfigureProvider with an empty provider block, so
the same `DELLSC_*` variables, TLS settings and Storage Center check), then makes every GET
and GetList the provider relies on, on objects it finds on the array, and checks each reply
against the model the provider parses it with: required fields present, every field of the
expected type, fields the provider reads but the reply lacks, and fields the provider does not
know. Calls that no public client confirms (reference §9.1a) are marked: the provider does
without them, so their failure is a warning.

It prints one line per call and writes a JSON report to attach to a bug report: call paths
with instance ids, field names and type names, never a value, a name or a credential. It
sends nothing but GETs, GetLists, Login and Logout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from dellsc import __version__
from dellsc.provider import DellscProvider
from dellsc.sc import ScClient, errors, models
from dellsc.sc.filters import filter_body
from dellsc.tf.diagnostics import ERROR, Diagnostics

SAMPLE = 20  # objects of a list reply checked
REPORT = Path("dellsc-doctor.json")
# fields whose absence from every object of a reply is normal: not drift
MAY_BE_ABSENT = {
    ("ScVolumeFolder", "parent"): "the root folder has no parent",
    ("ScServerFolder", "parent"): "the root folder has no parent",
    ("ScServerHba", "server"): "an initiator no server owns",
    ("ScServer", "parent"): "a server in no cluster",
    ("ScReplay", "parent"): "a volume's first snapshot follows none",
}
OK, DRIFT, FAIL, SKIP = "ok", "drift", "fail", "skip"
Objects = list[dict[str, Any]]  # a reply's objects (`Doctor.list` hides the builtin there)


@dataclass
class Check:
    """One call and what its reply showed."""

    method: str
    path: str
    model: str
    inferred: bool
    status: str = OK
    error: str = ""
    objects: int = 0
    checked: int = 0
    checked_ids: list[str] = field(default_factory=list)
    missing_required: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    wrong_type: dict[str, str] = field(default_factory=dict)
    read_as_unknown: dict[str, str] = field(default_factory=dict)
    unknown_fields: set[str] = field(default_factory=set)

    def summary(self) -> str:
        if self.status == SKIP or self.error:
            return self.error
        parts = [f"{self.objects} object{'s' if self.objects != 1 else ''}"]
        if self.objects > self.checked:
            parts.append(f"{self.checked} checked")
        for label, names in (
            ("required field missing", sorted(self.missing_required)),
            ("of another type", [f"{k} ({v})" for k, v in sorted(self.wrong_type.items())]),
            ("read as unknown", [f"{k} ({v})" for k, v in sorted(self.read_as_unknown.items())]),
            ("missing", sorted(self.missing)),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        if self.unknown_fields:
            parts.append(f"{len(self.unknown_fields)} fields the provider does not read")
        return "; ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "call": f"{self.method} {self.path}",
            "model": self.model,
            "status": self.status,
            "no_public_evidence": self.inferred,
            "error": self.error,
            "objects": self.objects,
            "checked": self.checked,
            "checked_ids": self.checked_ids,
            "missing_required": sorted(self.missing_required),
            "missing": sorted(self.missing),
            "wrong_type": dict(sorted(self.wrong_type.items())),
            "read_as_unknown": dict(sorted(self.read_as_unknown.items())),
            "unknown_fields": sorted(self.unknown_fields),
        }


@cache
def _fields(model: type[models.ScModel]) -> dict[str, tuple[str, bool, TypeAdapter[Any]]]:
    """Wire key (lower case) -> (wire key, required, validator) of each field `model` reads."""
    out = {}
    for name, info in model.model_fields.items():
        if info.alias == models.ODD_FIELDS:
            continue
        key = info.alias or name
        out[key.lower()] = (key, info.is_required(), TypeAdapter(info.rebuild_annotation()))
    return out


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def inspect(check: Check, model: type[models.ScModel], items: Sequence[Any]) -> None:
    """Record how `items` (raw reply objects) fit `model`."""
    fields = _fields(model)
    seen: set[str] = set()
    check.checked = len(items)
    for item in items:
        if not isinstance(item, dict):
            check.wrong_type["(object)"] = _type_name(item)
            continue
        instance_id = item.get("instanceId")
        if isinstance(instance_id, str):
            check.checked_ids.append(instance_id)
        present = {}
        for key, value in item.items():
            found = fields.get(str(key).lower())
            if found is None:
                check.unknown_fields.add(str(key))
                continue
            present[found[0]] = value
        seen.update(present)
        for key, required, adapter in fields.values():
            if key not in present:
                if required:
                    check.missing_required.add(key)
                continue
            try:
                adapter.validate_python(present[key])
            except ValidationError:
                lenient = {model.model_fields[n].alias or n for n in model.LENIENT}
                into = check.read_as_unknown if key in lenient else check.wrong_type
                into[key] = _type_name(present[key])
    if items:
        check.missing = {
            key
            for key, _, _ in fields.values()
            if key not in seen and (model.__name__, key) not in MAY_BE_ABSENT
        }
        check.missing -= check.missing_required


class Doctor:
    """The probe of one Storage Center through a connected client."""

    def __init__(self, client: ScClient) -> None:
        self.client = client
        self.ssn = client.ssn
        self.checks: list[Check] = []

    def call(
        self,
        method: str,
        path: str,
        model: type[models.ScModel],
        *,
        many: bool = True,
        where: dict[str, Any] | None = None,
        inferred: bool = False,
    ) -> list[dict[str, Any]]:
        """Make one read-only call and check its reply; the reply's objects (none on error)."""
        check = Check(method, path, model.__name__, inferred)
        self.checks.append(check)
        body = None
        if method == "POST":
            conditions = {"scSerialNumber": self.ssn, **(where or {})}
            body = filter_body(conditions, legacy=self.client.session.legacy_filters)
        try:
            data = self.client.session.request(method, path, body, read=True).data
        except errors.ScError as exc:
            check.status = DRIFT if inferred else FAIL
            check.error = str(exc)
            return []
        if many and isinstance(data, dict):
            data = [data]
        if not many and isinstance(data, list) and len(data) == 1:
            data = data[0]  # some GETs answer with a one-element array (§4, #20)
        if many != isinstance(data, list):
            check.status = DRIFT if inferred else FAIL
            check.error = f"expected {'a list' if many else 'one object'}, got {_type_name(data)}"
            return []
        items = data if isinstance(data, list) else [data]
        check.objects = len(items)
        step = max(1, len(items) // SAMPLE)
        inspect(check, model, items[::step][:SAMPLE])
        if check.missing_required or check.wrong_type:
            check.status = DRIFT if inferred else FAIL
        elif check.missing or check.read_as_unknown:
            check.status = DRIFT
        return [i for i in items if isinstance(i, dict)]

    def list(
        self, kind: str, model: type[models.ScModel] | None = None, **where: Any
    ) -> list[dict[str, Any]]:
        """`POST StorageCenter/<kind>/GetList` on this SC (and `where`), checked as `model`
        (default: the model named `kind`)."""
        shape = model or getattr(models, kind)
        return self.call("POST", f"StorageCenter/{kind}/GetList", shape, where=where)

    def skip(self, method: str, path: str, model: type[models.ScModel], why: str) -> None:
        self.checks.append(Check(method, path, model.__name__, False, SKIP, why))

    def run(self) -> None:
        """Every read the provider makes, in an order that finds the ids later calls need."""
        ssn, m = self.ssn, models
        sc = f"StorageCenter/StorageCenter/{ssn}"
        self.call("GET", "StorageCenter/StorageCenter", m.StorageCenter)
        self.call("GET", f"{sc}/StorageUsage", m.StorageUsage, many=False)
        self.call("GET", f"{sc}/UserPreferences", m.UserPreferences, many=False)
        self.call("GET", f"StorageCenter/ScConfiguration/{ssn}", m.ScConfiguration, many=False)
        self.list("ScVolumeFolder")
        self.list("ScServerFolder")
        self.list("ScServerOperatingSystem")
        self.list("ScStorageProfile")
        for kind in ("VolumeQosProfile", "GroupQosProfile"):
            self.list("ScQosProfile", profileType=kind)
        self.list("ScDataReductionProfile")
        self.list("ScReplicationQosNode")
        self.list("ScDiskFolder", m.ScObject)
        self._profiles()
        volume = self._volumes()
        self._clusters(self._servers())
        self._mappings(volume)
        self._replication()

    def _profiles(self) -> None:
        m = models
        profiles = self.list("ScReplayProfile")
        standard = _first(profiles, lambda p: p.get("type") == "Standard")
        if standard is None:
            self.skip("GET", "StorageCenter/ScReplayProfile/{id}/RuleList", m.ScReplayProfileRule,
                      "no Standard snapshot profile")  # fmt: skip
        else:
            pid = standard["instanceId"]
            self.call("GET", f"StorageCenter/ScReplayProfile/{pid}", m.ScReplayProfile, many=False)
            self.call("GET", f"StorageCenter/ScReplayProfile/{pid}/RuleList",
                      m.ScReplayProfileRule, inferred=True)  # fmt: skip
            self.call("POST", "StorageCenter/ScReplayProfileRule/GetList", m.ScReplayProfileRule,
                      where={"replayProfile": pid}, inferred=True)  # fmt: skip
        group = _first(profiles, lambda p: p.get("type") == "Consistent")
        if group is None:
            self.skip("GET", "StorageCenter/ScReplayProfile/{id}/ConsistencyGroupList",
                      m.ScReplayConsistencyGroup, "no consistency group")  # fmt: skip
            return
        gid = group["instanceId"]
        self.call("GET", f"StorageCenter/ScReplayProfile/{gid}/VolumeList", m.ScVolume)
        snapshots = self.call("GET", f"StorageCenter/ScReplayProfile/{gid}/ConsistencyGroupList",
                              m.ScReplayConsistencyGroup)  # fmt: skip
        if not snapshots:
            return
        cid = snapshots[0]["instanceId"]
        self.list("ScReplayConsistencyGroup", instanceId=cid)
        self.call("GET", f"StorageCenter/ScReplayConsistencyGroup/{cid}",
                  m.ScReplayConsistencyGroup, many=False, inferred=True)  # fmt: skip
        self.call("GET", f"StorageCenter/ScReplayConsistencyGroup/{cid}/ReplayList", m.ScReplay)

    def _volumes(self) -> dict[str, Any] | None:
        m = models
        volumes = self.list("ScVolume")
        self.list("ScVolumeConfiguration")
        # a volume with the most to read: mapped, then active, else any
        volume = _first(volumes, lambda v: bool(v.get("mapped"))) or _first(
            volumes, lambda v: bool(v.get("active"))
        ) or _first(volumes, lambda v: True)  # fmt: skip
        if volume is None:
            self.skip("GET", "StorageCenter/ScVolume/{id}", m.ScVolume, "no volume on the array")
            return None
        path = f"StorageCenter/ScVolume/{volume['instanceId']}"
        self.list("ScVolume", instanceId=volume["instanceId"])
        self.call("GET", path, m.ScVolume, many=False)
        self.call("GET", f"{path}/VolumeConfiguration", m.ScVolumeConfiguration, many=False)
        self.call("GET", f"{path}/ReplicationSourceList", m.ScReplication)
        replays = self.call("GET", f"{path}/ReplayList", m.ScReplay)
        frozen = _first(replays, lambda r: not r.get("active"))
        if frozen is None:
            self.skip("GET", "StorageCenter/ScReplay/{id}", m.ScReplay, "no snapshot to read")
        else:
            self.call("GET", f"StorageCenter/ScReplay/{frozen['instanceId']}", m.ScReplay,
                      many=False)  # fmt: skip
        return volume

    def _servers(self) -> Objects:
        m = models
        servers = self.list("ScServer")
        self.list("ScServerHba")
        server = _first(servers, lambda s: s.get("type") == "Physical")
        if server is None:
            self.skip("GET", "StorageCenter/ScServer/{id}", m.ScServer, "no physical server")
            return servers
        path = f"StorageCenter/ScServer/{server['instanceId']}"
        self.call("GET", path, m.ScServer, many=False)
        self.call("GET", f"{path}/HbaList", m.ScServerHba)
        self.call("GET", f"{path}/MappingList", m.ScMapping)
        return servers

    def _clusters(self, servers: Objects) -> None:
        """The reads of a server cluster (`sc/clusters.py`, the replication plan's host
        matching): by id, by name, its mapping profiles, and a member (its `parent`, its
        initiators)."""
        m = models
        cluster = _first(servers, lambda s: s.get("objectType") == "ScServerCluster"
                         or str(s.get("type", "")).casefold() == "cluster")  # fmt: skip
        if cluster is None:
            self.skip("GET", "StorageCenter/ScServer/{cluster id}", m.ScServer,
                      "no server cluster")  # fmt: skip
            return
        cid = cluster["instanceId"]
        self.call("GET", f"StorageCenter/ScServer/{cid}", m.ScServer, many=False)
        if isinstance(cluster.get("name"), str):
            self.list("ScServer", Name=cluster["name"])
        self.list("ScMappingProfile", server=cid)
        member = _first(servers, lambda s: isinstance(s.get("parent"), dict)
                        and s["parent"].get("instanceId") == cid)  # fmt: skip
        if member is None:  # members are found by `parent` alone (an empty cluster too)
            self.checks.append(Check(
                "POST", "StorageCenter/ScServer/GetList", m.ScServer.__name__, False, DRIFT,
                f"no server names server cluster {cid} as its parent: the provider finds a "
                "cluster's members (their initiators, their LUNs) by it",
            ))  # fmt: skip
            return
        path = f"StorageCenter/ScServer/{member['instanceId']}"
        self.call("GET", path, m.ScServer, many=False)
        self.call("GET", f"{path}/HbaList", m.ScServerHba)

    def _mappings(self, volume: dict[str, Any] | None) -> None:
        m = models
        profiles = self.list("ScMappingProfile")
        rows = self.list("ScMapping")
        if volume is not None:
            path = f"StorageCenter/ScVolume/{volume['instanceId']}"
            self.call("GET", f"{path}/MappingProfileList", m.ScMappingProfile)
            rows = self.call("GET", f"{path}/MappingList", m.ScMapping) or rows
        if profiles:
            pid = profiles[0]["instanceId"]
            self.list("ScMappingProfile", instanceId=pid)
            self.call("GET", f"StorageCenter/ScMappingProfile/{pid}", m.ScMappingProfile,
                      many=False, inferred=True)  # fmt: skip
        port = next(
            (r["controllerPort"]["instanceId"] for r in rows
             if isinstance(r.get("controllerPort"), dict)
             and "instanceId" in r["controllerPort"]),
            None,
        )  # fmt: skip
        if port is None:
            self.skip("GET", "StorageCenter/ScControllerPort/{id}", m.ScControllerPort,
                      "no mapped volume (its paths name the ports)")  # fmt: skip
            return
        self.call("GET", f"StorageCenter/ScControllerPort/{port}", m.ScControllerPort, many=False)
        self.call("GET", f"StorageCenter/ScControllerPort/{port}/FaultDomainList",
                  m.ScIscsiFaultDomain)  # fmt: skip
        self.call("GET", f"StorageCenter/ScControllerPortIscsiConfiguration/{port}",
                  m.ScControllerPortIscsiConfiguration, many=False)  # fmt: skip

    def _replication(self) -> None:
        m = models
        if self.client.session.direct:
            self.skip("POST", "StorageCenter/ScReplication/GetList", m.ScReplication,
                      "connected straight to the array: no replication")  # fmt: skip
            return
        self.call("GET", f"StorageCenter/StorageCenter/{self.ssn}/LiveVolumeList", m.ScLiveVolume)
        replications = self.list("ScReplication")
        if replications:
            rid = replications[0]["instanceId"]
            self.call("GET", f"StorageCenter/ScReplication/{rid}", m.ScReplication,
                      many=False, inferred=True)  # fmt: skip
            self.call("GET", f"StorageCenter/ScReplication/{rid}/CurrentProgress",
                      m.ReplicationProgress, many=False)  # fmt: skip
        lives = self.list("ScLiveVolume")
        if lives:
            self.call("GET", f"StorageCenter/ScLiveVolume/{lives[0]['instanceId']}",
                      m.ScLiveVolume, many=False, inferred=True)  # fmt: skip


def _first(
    items: list[dict[str, Any]], wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any] | None:
    """The first object with an instanceId that `wanted` accepts."""
    for item in items:
        if isinstance(item.get("instanceId"), str) and wanted(item):
            return item
    return None


def report(client: ScClient, checks: list[Check]) -> dict[str, Any]:
    """The JSON report: versions and per-call findings (ids, field and type names only)."""
    connection = client.session.connection
    return {
        "dellsc_version": __version__,
        "storage_center": client.ssn,
        "api_version": client.api_version,
        "dsm": {
            "provider": connection.provider if connection else "",
            "provider_version": connection.provider_version if connection else "",
        },
        "totals": {s: sum(c.status == s for c in checks) for s in (OK, DRIFT, FAIL, SKIP)},
        "calls": [c.as_json() for c in checks],
    }


def connect(diags: Diagnostics) -> ScClient | None:
    """A client connected as ConfigureProvider connects (DELLSC_* variables)."""
    provider = DellscProvider()
    provider.configure({}, diags)
    return None if diags.has_errors else provider.client()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dellsc doctor", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=REPORT, help=f"JSON report to write (default {REPORT})"
    )
    ns = parser.parse_args(argv)
    diags = Diagnostics()
    client = connect(diags)
    for diag in diags:
        level = "error" if diag.severity == ERROR else "warning"
        print(f"{level}: {diag.summary}: {diag.detail}", file=sys.stderr)
    if client is None:
        return 2
    try:
        doctor = Doctor(client)
        doctor.run()
        data = report(client, doctor.checks)
    finally:
        client.close()
    ns.out.write_text(json.dumps(data, indent=2) + "\n")
    dsm = data["dsm"]
    print(f"dellsc doctor {__version__}: {dsm['provider'] or 'DSM'} {dsm['provider_version']}, "
          f"API {data['api_version']}, Storage Center {data['storage_center']}")  # fmt: skip
    width = max(len(f"{c.method} {c.path}") for c in doctor.checks)
    for check in doctor.checks:
        mark = " *" if check.inferred else ""
        status = check.status.upper() if check.status in (DRIFT, FAIL) else check.status
        print(f"  {status:<5} {f'{check.method} {check.path}':<{width}}  "
              f"{check.summary()}{mark}")  # fmt: skip
    totals = data["totals"]
    print(f"{len(doctor.checks)} calls: {totals[OK]} ok, {totals[DRIFT]} drift, "
          f"{totals[FAIL]} failed, {totals[SKIP]} skipped (nothing was changed on the array). "
          f"* no public client confirms this call; the provider does without it.")  # fmt: skip
    print(f"Report: {ns.out} (ids, field and type names only: attach it to a bug report)")
    return 1 if totals[FAIL] or totals[DRIFT] else 0


if __name__ == "__main__":
    sys.exit(main())
