"""Hostile-input probe: run many bad (and odd but valid) inputs through real Terraform against a
fresh emulator each, and sort what happened into classes.

    .venv/bin/python -m tests.probes.hostile_inputs [--only PREFIX] [--workers 2] [--json FILE]

Classes:
- `clear`: expected to be refused, and refused before anything changed on the array, by an
  error anchored at the offending argument, in words (no regular expression dump).
- `accepted-ok`: expected to work, and it applied, planned clean afterwards and destroyed.
- `accepted-wrong`: accepted although it should have been refused, or it applied but then did
  not converge (second plan not empty) or could not be destroyed.
- `invalid-plan`: Terraform reported "Provider produced invalid plan" or an inconsistent result.
- `clear-at-apply`: as `clear`, but at apply, where a value unknown at plan time (an ID of a
  resource created in the same apply) becomes known.
- `unclear`: refused, but late (at apply) or without naming the argument, after changing the
  array, with a regular expression dump, or a valid input refused.

Not part of `make test`: one run costs minutes. The acceptance tests hold one row of each kind.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from dellsc.emulator import EmulatorOptions, EmulatorServer
from dellsc.tools.install import install
from tests.acceptance.conftest import config_home, default_flavour, make_terraform
from tests.acceptance.harness import Result, Terraform
from tests.acceptance.hostile import Raw, block, hcl

PASSWORD = "Probe-S3cret-4412"
PROVIDER = 'provider "dellsc" {}\n'
IQN = "iqn.1993-08.org.debian:01:probe"


def resource(type_name: str, label: str, **attributes: Any) -> str:
    return block("resource", type_name, label, **attributes)


def volume(label: str = "v", name: str = "probe-vol", size_gb: Any = 1, **attrs: Any) -> str:
    return resource("dellsc_volume", label, name=name, size_gb=size_gb, **attrs)


def server(label: str = "s", name: str = "probe-srv", **attrs: Any) -> str:
    return resource("dellsc_server", label, name=name, **attrs)


def snapshot(name: Any = "probe-snap", **attrs: Any) -> str:
    attrs.setdefault("volume_id", Raw("dellsc_volume.v.id"))
    return volume() + resource("dellsc_snapshot", "p", name=name, **attrs)


def group(name: Any = "probe-cg", label: str = "g", members: Iterable[str] = ("v",)) -> str:
    ids = [Raw(f"dellsc_volume.{m}.id") for m in members]
    return resource("dellsc_consistency_group", label, name=name, volume_ids=ids)


def group_snapshot(name: Any = "probe-gs", **attrs: Any) -> str:
    return (
        volume()
        + group()
        + resource(
            "dellsc_consistency_group_snapshot",
            "s",
            consistency_group_id=Raw("dellsc_consistency_group.g.id"),
            name=name,
            **attrs,
        )
    )


def plan_block(**attrs: Any) -> str:
    attrs.setdefault("name", "dr")
    attrs.setdefault("volume_ids", [Raw("dellsc_volume.v.id")])
    attrs.setdefault("destination_ssn", 64703)
    return volume() + resource("dellsc_replication_plan", "r", **attrs)


def mapping(**attrs: Any) -> str:
    attrs.setdefault("volume_id", Raw("dellsc_volume.v.id"))
    attrs.setdefault("server_id", Raw("dellsc_server.s.id"))
    return (
        volume() + server(iscsi_initiators=[IQN]) + resource("dellsc_volume_mapping", "m", **attrs)
    )


def data(type_name: str, **attrs: Any) -> str:
    return block("data", type_name, "d", **attrs)


@dataclass(frozen=True)
class Case:
    id: str
    config: str
    expect: str  # "reject" or "accept"
    attribute: str = ""  # the argument a refusal must point at
    setup: str = ""  # applied first, in a state of its own (another workspace's objects)
    import_: tuple[str, str] | None = None  # (address, id): a `terraform import` case
    provider: str = PROVIDER


def reject(case_id: str, config: str, attribute: str, **kw: Any) -> Case:
    return Case(case_id, config, "reject", attribute, **kw)


def accept(case_id: str, config: str, **kw: Any) -> Case:
    return Case(case_id, config, "accept", **kw)


CONTROL = {
    "newline": "a\nb",
    "cr": "a\rb",
    "tab": "a\tb",
    "nul": "a\x00b",
    "bell": "a\x07b",
    "escape": "a\x1bb",
    "del": "a\x7fb",
    "c1-nel": "a\x85b",
    "line-sep": "a\u2028b",
}
ODD_BUT_VALID = {
    "slash": "db/data",
    "backslash": "db\\data",
    "star": "db*",
    "question": "db?",
    "quotes": "db \"prod\" <1> | 'x'",
    "unicode": "données-é",
    "colon-dot": "Server_iqn.1993-08.org:01",
}


def cases() -> list[Case]:
    out: list[Case] = []
    # -- names: every name attribute -----------------------------------------------------
    named = {
        "volume": lambda n: volume(name=n),
        "server": lambda n: server(name=n),
        "snapshot": lambda n: snapshot(name=n),
        "group": lambda n: volume() + group(name=n),
        "group-snapshot": lambda n: group_snapshot(name=n),
    }
    for kind, make in named.items():
        for label, text in CONTROL.items():
            if kind in ("snapshot", "group-snapshot") and label not in ("newline", "nul", "tab"):
                continue
            out.append(reject(f"{kind}-name-{label}", make(text), "name"))
        out.append(reject(f"{kind}-name-empty", make(""), "name"))
        out.append(reject(f"{kind}-name-blank", make("   "), "name"))
        out.append(reject(f"{kind}-name-leading-space", make(" db"), "name"))
        out.append(reject(f"{kind}-name-trailing-space", make("db "), "name"))
        limit = 30 if "snapshot" in kind else 250
        out.append(reject(f"{kind}-name-too-long", make("x" * (limit + 1)), "name"))
    for kind in ("volume", "server", "group"):
        for label, text in ODD_BUT_VALID.items():
            if kind != "volume" and label in ("quotes", "colon-dot"):
                continue
            out.append(accept(f"{kind}-name-{label}", named[kind](text)))
    out.append(accept("volume-name-250", volume(name="x" * 250)))
    for label in ("slash", "star", "question"):
        out.append(accept(f"snapshot-name-{label}", snapshot(name=ODD_BUT_VALID[label])))
    out.append(reject("plan-name-space", plan_block(name="a b"), "name"))
    out.append(reject("plan-name-empty", plan_block(name=""), "name"))
    out.append(reject("plan-name-newline", plan_block(name="dr\n"), "name"))
    # -- numbers ---------------------------------------------------------------------------
    for label, value in {
        "zero": 0, "negative": -1, "fraction": 1.5, "huge": Raw("1e400"),
        "over-max": 512001, "1e12": 10**12,
    }.items():  # fmt: skip
        out.append(reject(f"volume-size-{label}", volume(size_gb=value), "size_gb"))
    for label, value in {
        "negative": -1, "fraction": 1.5, "1e12": 10**12, "huge": Raw("1e400"),
        "int32-overflow": 2**31,
    }.items():  # fmt: skip
        out.append(reject(f"snapshot-expire-{label}", snapshot(expire_minutes=value),
                          "expire_minutes"))  # fmt: skip
    out.append(reject("group-snapshot-expire-1e12", group_snapshot(expire_minutes=10**12),
                      "expire_minutes"))  # fmt: skip
    out.append(reject("group-snapshot-expire-negative", group_snapshot(expire_minutes=-5),
                      "expire_minutes"))  # fmt: skip
    out.append(accept("snapshot-expire-week", snapshot(expire_minutes=10080)))
    for label, value in {
        "negative": -1,
        "over": 4096,
        "fraction": 1.5,
        "huge": Raw("1e400"),
    }.items():
        out.append(reject(f"mapping-lun-{label}", mapping(lun=value), "lun"))
    for label, value in {"zero": 0, "fraction": 1.5, "huge": 10**20, "negative": -3}.items():
        out.append(reject(f"plan-destination-{label}", plan_block(destination_ssn=value),
                          "destination_ssn"))  # fmt: skip
    out.append(
        reject("plan-destination-self", plan_block(destination_ssn=64702), "destination_ssn")
    )
    for label, value in {"zero": 0, "fraction": 1.5, "negative": -2, "huge": 10**20}.items():
        out.append(reject(f"volume-ssn-{label}", volume(ssn=value), "ssn"))
    out.append(reject("volume-ssn-unknown", volume(ssn=99999), "ssn"))
    # -- folders ---------------------------------------------------------------------------
    bad_folders = {
        "dotdot": "../../etc", "dot": "a/./b", "dot-dotdot": "a/./b/../c", "double-slash": "a//b",
        "only-slashes": "//", "blank-level": "a/ /b", "space-edge": " a/b", "newline": "a\nb",
        "nul": "a\x00b", "backslash": "prod\\db", "long-level": "a/" + "x" * 251,
    }  # fmt: skip
    for label, text in bad_folders.items():
        out.append(reject(f"volume-folder-{label}", volume(folder=text), "folder"))
        out.append(reject(f"server-folder-{label}", server(folder=text), "folder"))
    out.append(reject("server-folder-empty", server(folder=""), "folder"))
    for label in ("dotdot", "double-slash", "newline"):
        out.append(reject(
            f"provider-volume-folder-{label}", volume(),
            "volume_folder",
            provider=f'provider "dellsc" {{\n  volume_folder = {hcl(bad_folders[label])}\n}}\n',
        ))  # fmt: skip
    out.append(accept("volume-folder-nested", volume(folder="probe/a/b")))
    out.append(accept("volume-folder-edge-slashes", volume(folder="/probe/a/")))
    out.append(accept("server-folder-nested", server(folder="probe/hosts")))
    # -- initiators ------------------------------------------------------------------------
    bad_iqns = {
        "case-twins": [f"{IQN}:AbC", f"{IQN}:abc"],
        "space": [f"{IQN} x"],
        "month-13": ["iqn.1993-13.org.debian:01:x"],
        "no-date": ["iqn.org.debian:01:x"],
        "eui-short": ["eui.0123"],
        "eui-case-twins": ["eui.0123456789ABCDEF", "eui.0123456789abcdef"],
        "too-long": [f"{IQN}:" + "x" * 220],
        "empty": [""],
        "newline": [f"{IQN}\n"],
        "plain-word": ["host01"],
    }  # fmt: skip
    for label, value in bad_iqns.items():
        out.append(
            reject(f"server-iqn-{label}", server(iscsi_initiators=value), "iscsi_initiators")
        )
    bad_wwpns = {
        "case-twins": ["21000024FF30441D", "21000024ff30441d"],
        "colons": ["21:00:00:24:ff:30:44:1d"],
        "short": ["2100"],
        "not-hex": ["21000024ff30441g"],
    }
    for label, value in bad_wwpns.items():
        out.append(reject(f"server-wwpn-{label}", server(fc_wwpns=value), "fc_wwpns"))
    out.append(accept("server-iqn-upper", server(iscsi_initiators=[IQN.upper()])))
    out.append(accept("server-iqn-mixed", server(iscsi_initiators=[f"{IQN}:Host-A"])))
    out.append(accept("server-eui-upper", server(iscsi_initiators=["eui.0123456789ABCDEF"])))
    out.append(accept("server-wwpn-upper", server(fc_wwpns=["21000024FF30441D"])))
    two = server("a", "probe-a", iscsi_initiators=[IQN]) + server(
        "b", "probe-b", iscsi_initiators=[IQN]
    )
    out.append(reject("server-iqn-two-servers", two, "iscsi_initiators"))
    two_case = server("a", "probe-a", iscsi_initiators=[IQN]) + server(
        "b", "probe-b", iscsi_initiators=[IQN.upper()]
    )
    out.append(reject("server-iqn-two-servers-case", two_case, "iscsi_initiators"))
    out.append(
        reject(
            "server-iqn-other-state",
            server(name="probe-b", iscsi_initiators=[IQN]),
            "iscsi_initiators",
            setup=server(name="probe-a", iscsi_initiators=[IQN]),
        )
    )
    out.append(
        reject(
            "server-wwpn-two-servers",
            server("a", "probe-a", fc_wwpns=["21000024ff30441d"])
            + server("b", "probe-b", fc_wwpns=["21000024FF30441D"]),
            "fc_wwpns",
        )
    )
    out.append(reject("server-notes-nul", server(notes="a\x00b"), "notes"))
    out.append(accept("server-notes-multiline", server(notes="line one\nline two")))
    out.append(reject("server-os-blank", server(operating_system=""), "operating_system"))
    # -- replication plan ------------------------------------------------------------------
    out.append(reject("plan-sync-mode-without-type", plan_block(sync_mode="HighConsistency"),
                      "sync_mode"))  # fmt: skip
    out.append(
        reject(
            "plan-sync-mode-async",
            plan_block(type="async", sync_mode="HighAvailability"),
            "sync_mode",
        )
    )
    out.append(reject("plan-active-replay-sync", plan_block(type="sync", active_replay=False),
                      "active_replay"))  # fmt: skip
    out.append(reject("plan-qos-empty", plan_block(qos_node=""), "qos_node"))
    out.append(reject("plan-qos-newline", plan_block(qos_node="q\nx"), "qos_node"))
    out.append(reject("plan-qos-blank", plan_block(qos_node="  "), "qos_node"))
    out.append(reject("plan-volume-id-bad", plan_block(volume_ids=["x"]), "volume_ids"))
    out.append(
        reject("plan-failback-timeout-bad", plan_block(timeouts={"failback": "soon"}), "timeouts")
    )
    out.append(
        reject("plan-failback-timeout-zero", plan_block(timeouts={"failback": "0s"}), "timeouts")
    )
    out.append(
        reject(
            "plan-failback-timeout-huge",
            plan_block(timeouts={"failback": "999999999h"}),
            "timeouts",
        )
    )
    out.append(reject("plan-active-site-bad", plan_block(active_site="tertiary"), "active_site"))
    # -- groups ----------------------------------------------------------------------------
    out.append(
        reject(
            "group-volume-in-two-groups",
            volume() + group("probe-cg1", "g") + group("probe-cg2", "h"),
            "volume_ids",
        )
    )
    out.append(reject(
        "group-volume-in-group-of-other-state",
        resource("dellsc_consistency_group", "h", name="probe-cg2",
                 volume_ids=[Raw('data.dellsc_volume.d.id')]) + data("dellsc_volume",
                                                                     name="probe-vol"),
        "volume_ids", setup=volume() + group("probe-cg1"),
    ))  # fmt: skip
    out.append(reject("group-volume-id-bad", resource("dellsc_consistency_group", "g",
                      name="probe-cg", volume_ids=["x"]), "volume_ids"))  # fmt: skip
    out.append(reject("group-policy-bad", volume() + resource(
        "dellsc_consistency_group", "g", name="probe-cg", volume_ids=[Raw("dellsc_volume.v.id")],
        deletion_policy="KEEP"), "deletion_policy"))  # fmt: skip
    out.append(reject("group-snapshot-group-id-bad", resource(
        "dellsc_consistency_group_snapshot", "s", consistency_group_id="x", name="gs"),
        "consistency_group_id"))  # fmt: skip
    # -- other volume arguments ------------------------------------------------------------
    out.append(reject("volume-policy-lower", volume(deletion_policy="delete"), "deletion_policy"))
    out.append(reject("volume-migration-bad", volume(migration_policy="always"),
                      "migration_policy"))  # fmt: skip
    out.append(reject("volume-source-snapshot-bad", volume(source_snapshot_id="snap"),
                      "source_snapshot_id"))  # fmt: skip
    out.append(reject("volume-source-volume-missing", volume(source_volume_id="64702.9999"),
                      "source_volume_id"))  # fmt: skip
    out.append(reject("volume-both-sources", volume(source_volume_id="64702.9999",
                                                    source_snapshot_id="64702.9999.1"),
                      "source_volume_id"))  # fmt: skip
    out.append(reject("volume-profile-newline", volume(storage_profile="Recommended\n"),
                      "storage_profile"))  # fmt: skip
    out.append(reject("snapshot-volume-id-bad", volume() + resource(
        "dellsc_snapshot", "p", volume_id="vol", name="x"), "volume_id"))  # fmt: skip
    out.append(reject("snapshot-volume-missing", resource(
        "dellsc_snapshot", "p", volume_id="64702.9999", name="x"), "volume_id"))  # fmt: skip
    out.append(reject("snapshot-policy-prevent", snapshot(deletion_policy="PREVENT"),
                      "deletion_policy"))  # fmt: skip
    out.append(reject("mapping-volume-id-bad", mapping(volume_id="x"), "volume_id"))
    # -- provider --------------------------------------------------------------------------
    for label, body, attribute in [
        ("ssn-zero", "ssn = 0", "ssn"), ("ssn-fraction", "ssn = 1.5", "ssn"),
        ("request-zero", 'timeouts = { request = "0s" }', "timeouts"),
        ("username-empty", 'username = ""', "username"),
        ("endpoint-ftp", 'endpoint = "ftp://x"', "endpoint"),
    ]:  # fmt: skip
        out.append(reject(f"provider-{label}", volume(), attribute,
                          provider=f'provider "dellsc" {{\n  {body}\n}}\n'))  # fmt: skip
    # -- data sources ----------------------------------------------------------------------
    out.append(reject("data-volume-name-newline", data("dellsc_volume", name="a\nb"), "name"))
    out.append(reject("data-volume-name-empty", data("dellsc_volume", name=""), "name"))
    out.append(reject("data-server-name-nul", data("dellsc_server", name="a\x00b"), "name"))
    out.append(
        reject(
            "data-snapshot-name-long",
            volume() + data("dellsc_snapshot", volume_id=Raw("dellsc_volume.v.id"), name="x" * 31),
            "name",
        )
    )
    out.append(reject("data-volumes-regex-bad", data("dellsc_volumes", name_regex="("),
                      "name_regex"))  # fmt: skip
    out.append(reject("data-volumes-folder-dotdot", data("dellsc_volumes", folder="../x"),
                      "folder"))  # fmt: skip
    # -- imports ---------------------------------------------------------------------------
    for type_name, label, import_id in [
        ("dellsc_server", "server", "name:"), ("dellsc_volume", "volume", "name:"),
        ("dellsc_consistency_group", "group", "name:"),
        ("dellsc_snapshot", "snapshot", "64702.101/name:"),
        ("dellsc_server", "server-newline", "name:a\nb"),
    ]:  # fmt: skip
        stub = resource(type_name, "i", **_import_stub(type_name))
        out.append(reject(f"import-{label}-{_slug(import_id)}", stub, "",
                          import_=(f"{type_name}.i", import_id)))  # fmt: skip
    return out


def _import_stub(type_name: str) -> dict[str, Any]:
    return {
        "dellsc_server": {"name": "imported"},
        "dellsc_volume": {"name": "imported", "size_gb": 1},
        "dellsc_consistency_group": {"name": "imported", "volume_ids": []},
        "dellsc_snapshot": {"volume_id": "64702.101", "name": "imported"},
    }[type_name]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "empty"


# -- running ----------------------------------------------------------------------------------

INVALID = re.compile(r"Provider produced (invalid plan|inconsistent (result|final plan))")
REGEX_DUMP = re.compile(r"must match|\(\?i\)|\\d[{+]|\[0-9A-Fa-f\]")


@dataclass
class Outcome:
    case: Case
    verdict: str
    why: str
    output: str = field(default="", repr=False)


class Lab:
    """One installed provider; a fresh emulator and working directory per case."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cli_config = root / "terraform.rc"
        home = config_home(self.cli_config)
        installed = install(root / "mirror", self.cli_config, pointer_home=home)
        assert installed.cli_config is not None
        self.binary = default_flavour()

    def terraform(self, workdir: Path, emulator: EmulatorServer) -> Terraform:
        workdir.mkdir(parents=True)
        tf = make_terraform(workdir, self.binary, self.cli_config, emulator)
        tf.env["DELLSC_SSN"] = "64702"  # the emulator runs two Storage Centers
        return tf

    def run(self, case: Case) -> Outcome:
        options = EmulatorOptions(password=PASSWORD, ssns=(64702, 64703))
        with EmulatorServer(options) as emulator:
            base = self.root / "cases" / case.id
            if case.setup:
                setup = self.terraform(base / "setup", emulator)
                setup.write(PROVIDER + case.setup)
                setup.init()
                setup.apply()
            tf = self.terraform(base / "case", emulator)
            tf.write(case.provider + case.config)
            tf.init()
            before = _mutations(emulator)
            if case.import_ is not None:
                return self._import(case, tf, emulator, before)
            return self._plan_apply(case, tf, emulator, before)

    def _import(self, case: Case, tf: Terraform, emu: EmulatorServer, before: int) -> Outcome:
        address, import_id = case.import_ or ("", "")
        result = tf.run("import", "-no-color", "-input=false", address, import_id, ok=None)
        out = result.output
        if result.code == 0:
            return Outcome(case, "accepted-wrong", "import accepted", out)
        if "Rejected The Request" in out or _mutations(emu) != before:
            return Outcome(case, "unclear", "generic array error", out)
        return Outcome(case, "clear", "import refused with a reason", out)

    def _plan_apply(self, case: Case, tf: Terraform, emu: EmulatorServer, before: int) -> Outcome:
        plan = tf.run("plan", "-out=tfplan", "-no-color", "-input=false", ok=None)
        if plan.code != 0:
            return self._refused(case, plan, emu, before)
        applied = tf.run("apply", "-no-color", "-input=false", "tfplan", ok=None)
        out = plan.output + applied.output
        if INVALID.search(out):
            return Outcome(case, "invalid-plan", "invalid plan / inconsistent result", out)
        if applied.code != 0:
            if case.expect == "reject" and _clear(case, applied.output):
                # the value was unknown at plan time: refused before this resource changed
                return Outcome(case, "clear-at-apply", "refused at apply, at the argument", out)
            return Outcome(case, "unclear", "refused only at apply", out)
        if case.expect == "reject":
            return Outcome(case, "accepted-wrong", "accepted and applied", out)
        again = tf.run("plan", "-detailed-exitcode", "-no-color", "-input=false", ok=None)
        destroyed = tf.run("destroy", "-auto-approve", "-no-color", "-input=false", ok=None)
        out += again.output + destroyed.output
        if INVALID.search(out):
            return Outcome(case, "invalid-plan", "invalid plan / inconsistent result", out)
        if again.code != 0:
            return Outcome(case, "accepted-wrong", f"second plan exit {again.code}", out)
        if destroyed.code != 0:
            return Outcome(case, "accepted-wrong", "destroy failed", out)
        return Outcome(case, "accepted-ok", "applied, converged, destroyed", out)

    @staticmethod
    def _refused(case: Case, result: Result, emu: EmulatorServer, before: int) -> Outcome:
        out = result.output
        if INVALID.search(out):
            return Outcome(case, "invalid-plan", "invalid plan", out)
        if case.expect == "accept":
            return Outcome(case, "unclear", "valid input refused", out)
        if _mutations(emu) != before:
            return Outcome(case, "unclear", "refused after changing the array", out)
        if REGEX_DUMP.search(out):
            return Outcome(case, "unclear", "message dumps a regular expression", out)
        anchored = re.search(rf"\d+:\s+{re.escape(case.attribute)}\s*=", out)
        if not anchored:
            return Outcome(case, "unclear", f"error not anchored at {case.attribute}", out)
        return Outcome(case, "clear", "refused at the argument", out)


def _clear(case: Case, output: str) -> bool:
    """An error at the case's argument, in words (no pattern dump), and no invalid plan."""
    anchored = re.search(rf"\d+:\s+{re.escape(case.attribute)}\s*=", output)
    return bool(anchored) and not REGEX_DUMP.search(output) and not INVALID.search(output)


def _mutations(emulator: EmulatorServer) -> int:
    reply = requests.get(
        emulator.admin_url + "stats",
        auth=(emulator.username, emulator.password),
        verify=emulator.ca_file or True,
        timeout=30,
    )
    reply.raise_for_status()
    return int(reply.json()["mutations"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default="", help="run the cases whose id starts with one of these (a,b,...)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write every outcome to this file")
    parser.add_argument("--verbose", action="store_true", help="print the output of bad cases")
    args = parser.parse_args(argv)
    chosen = [c for c in cases() if c.id.startswith(tuple(args.only.split(",")))]
    ids = Counter(c.id for c in chosen)
    assert all(n == 1 for n in ids.values()), [i for i, n in ids.items() if n > 1]
    with tempfile.TemporaryDirectory(prefix="dellsc-probe-") as tmp:
        lab = Lab(Path(tmp))
        with ThreadPoolExecutor(args.workers) as pool:
            outcomes = list(pool.map(_safe(lab), chosen))
    counts = Counter(o.verdict for o in outcomes)
    for o in sorted(outcomes, key=lambda o: (o.verdict, o.case.id)):
        if o.verdict not in ("clear", "accepted-ok"):
            print(f"{o.verdict:15} {o.case.id:40} {o.why}")
            if args.verbose:
                print("    " + _digest(o.output).replace("\n", "\n    "))
    print(json.dumps({"cases": len(outcomes), **dict(sorted(counts.items()))}))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [{"id": o.case.id, "expect": o.case.expect, "verdict": o.verdict, "why": o.why,
                  "output": _digest(o.output)} for o in outcomes],
                indent=1,
            )
        )  # fmt: skip
    return 0


def _safe(lab: Lab) -> Any:
    def run(case: Case) -> Outcome:
        try:
            return lab.run(case)
        except Exception as exc:  # a probe reports, it does not stop
            return Outcome(case, "unclear", f"probe error: {exc}"[:300], str(exc))

    return run


def _digest(output: str) -> str:
    """The error and warning blocks of a Terraform output, boxes removed."""
    lines = [line.replace("│", "").rstrip() for line in output.splitlines()]
    keep = [line for line in lines if line.strip() and not line.startswith(("╷", "╵"))]
    text = "\n".join(keep)
    found = re.findall(r"(?:Error|Warning): .*?(?=\n(?:Error|Warning): |\Z)", text, re.S)
    return "\n".join(found)[:3000] or text[-1500:]


if __name__ == "__main__":
    sys.exit(main())
