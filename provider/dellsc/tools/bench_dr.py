"""The disaster-recovery rows of `make bench`: failover and failback of N replicated volumes.

Two configurations, each against an emulator with two Storage Centers: `volumes` (N volumes in
one `dellsc_replication_plan`, as issue 17 measured) and `hosts` (each volume also mapped to a
host, with a standby host on the secondary owning the host's initiator: what each copy is then
mapped to). For each N (10 and 100) and DSM latency (0 and 100 ms: the emulator's `delay` fault
on every request), four `terraform apply` runs are timed: failover with the primary up,
failback, failover with the primary down, and failback once it is back (which fences the
returning primary first). Each row gives

- `apply`: the wall time of the whole `terraform apply` (its refresh and plan included);
- `(plan)`: a `terraform plan` of the same configuration just before, at the same latency:
  the floor of any apply of it (refresh and plan of every resource, three provider starts);
- `move`: the time the provider spent in the plan's ApplyResourceChange (`DELLSC_PROFILE`);
- the DSM requests the move adds per volume: those of the apply, less those of a plan of the
  same configuration just before it (the refresh of the volumes and mappings is not the
  move's), with and without task polls.

`--scale` instead times a plan of a replication plan of 10 volumes on a primary of 8,000
(issue 20: the cost follows the plan, not the array), with its requests and peak RSS.

The emulator answers a replication's progress as synced at once, so no failback waits for
data to travel: the times are the provider's own (what the issue calls "excluding the
emulator's sync time").
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from dellsc.tools.sandbox import Sandbox

ROOT = Path(".bench/dr")  # inside `make bench`'s own .bench
PRIMARY, SECONDARY = 64702, 64703
IQN = "iqn.1994-05.com.redhat:bench-host"
POLL_ROUTE = "GET ApiConnection/AsyncTask/{id}"
APPLY = ("apply", "-auto-approve", "-input=false", "-lock=false")
PLAN = ("plan", "-input=false", "-lock=false", "-detailed-exitcode")
# the targets for N = 100 at 100 ms per request
TARGETS_S = {"failover": 15.0, "failback": 40.0}


def config(count: int, site: str, parallelism: int | None, hosts: bool) -> str:
    """N volumes replicated by one plan; with `hosts`, each mapped to one host, and a standby
    host on the secondary owning the host's initiator (what the failover maps each copy to)."""
    extra = "" if parallelism is None else f"\n  parallelism     = {parallelism}"
    text = (
        'terraform {\n  required_providers {\n    dellsc = { source = "dellsc/dellsc" }\n  }\n}\n'
        f'provider "dellsc" {{\n  ssn = {PRIMARY}\n}}\n'
        f'resource "dellsc_volume" "v" {{\n  count   = {count}\n'
        '  name    = "dr-${count.index}"\n  size_gb = 1\n}\n'
        'resource "dellsc_replication_plan" "dr" {\n  name            = "bench"\n'
        f"  destination_ssn = {SECONDARY}\n  volume_ids      = dellsc_volume.v[*].id\n"
        f'  active_site     = "{site}"{extra}\n}}\n'
    )
    if hosts:
        text += (
            f'provider "dellsc" {{\n  alias = "dr"\n  ssn   = {SECONDARY}\n}}\n'
            f'resource "dellsc_server" "host" {{\n  name             = "bench-host"\n'
            f'  iscsi_initiators = ["{IQN}"]\n}}\n'
            f'resource "dellsc_server" "standby" {{\n  provider         = dellsc.dr\n'
            f'  name             = "bench-standby"\n  iscsi_initiators = ["{IQN}"]\n}}\n'
            f'resource "dellsc_volume_mapping" "m" {{\n  count     = {count}\n'
            "  volume_id = dellsc_volume.v[count.index].id\n"
            "  server_id = dellsc_server.host.id\n}\n"
        )
    return text


class Admin:
    """The emulator's admin endpoints."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.url = sandbox.env["DELLSC_ENDPOINT"] + "/_emulator/"
        self.http = requests.Session()
        self.http.auth = (sandbox.env["DELLSC_USERNAME"], sandbox.env["DELLSC_PASSWORD"])
        self.verify = sandbox.env["DELLSC_CA_FILE"] or True

    def call(self, method: str, path: str, body: Any = None) -> Any:
        reply = self.http.request(method, self.url + path, json=body, verify=self.verify,
                                  timeout=60)  # fmt: skip
        reply.raise_for_status()
        return reply.json() if reply.content else None

    def latency(self, seconds: float) -> None:
        self.call("DELETE", "faults")
        if seconds:
            self.call("POST", "faults", {"path": ".*", "action": "delay", "delay_s": seconds,
                                         "count": 10_000_000})  # fmt: skip

    def requests(self) -> tuple[int, int]:
        stats = self.call("GET", "stats")
        return int(stats["requests"]), int(stats["by_route"].get(POLL_ROUTE, 0))


def _apply(sandbox: Sandbox, workdir: Path, text: str) -> tuple[float, float]:
    """Wall seconds of `terraform apply`, and seconds of the provider's longest
    ApplyResourceChange (the move; DELLSC_PROFILE timing)."""
    (workdir / "main.tf").write_text(text)
    profile = (workdir / "profile").resolve()
    shutil.rmtree(profile, ignore_errors=True)
    env = {**sandbox.env, "DELLSC_PROFILE": str(profile), "DELLSC_PROFILE_MODE": "timing"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dellsc.cli", "terraform", *APPLY, "-no-color"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"terraform apply in {workdir} failed:\n{result.stderr[-3000:]}")
    reports = [json.loads(p.read_text()) for p in profile.glob("*-rpcs.json")]
    applied = [r["rpcs"]["ApplyResourceChange"]["max_ms"] for r in reports
               if "ApplyResourceChange" in r["rpcs"]]  # fmt: skip
    return elapsed, max(applied, default=0.0) / 1000


def measure(
    sandbox: Sandbox, count: int, latencies: list[float], parallelism: int | None, hosts: bool
) -> list[dict[str, Any]]:
    """The rows of one N: each latency x (failover, failback) x (primary up, primary down)."""
    admin = Admin(sandbox)
    workdir = ROOT / f"n{count}-{'hosts' if hosts else 'volumes'}"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(config(count, "primary", parallelism, hosts))
    if sandbox.terraform(workdir, "init", "-input=false", quiet=True) != 0:
        raise RuntimeError("terraform init failed")
    _apply(sandbox, workdir, config(count, "primary", parallelism, hosts))
    rows = []
    for latency in latencies:
        for primary in ("up", "down"):
            for site, move in (("secondary", "failover"), ("primary", "failback")):
                if move == "failover" and primary == "down":
                    admin.call("POST", f"storage_centers/{PRIMARY}/down")
                if move == "failback" and primary == "down":
                    admin.call("POST", f"storage_centers/{PRIMARY}/up")
                admin.latency(latency)
                admin.call("POST", "stats/reset")  # what a plan of the same state costs
                plan_s = sandbox.timed(workdir, *PLAN)
                base, base_polls = admin.requests()
                admin.call("POST", "stats/reset")
                seconds, moved = _apply(sandbox, workdir, config(count, site, parallelism, hosts))
                total, polls = admin.requests()
                total, polls = total - base, polls - base_polls
                admin.latency(0)
                row = {
                    "config": "hosts" if hosts else "volumes", "volumes": count,
                    "latency_ms": round(latency * 1000), "move": move, "primary": primary,
                    "seconds": round(seconds, 2), "plan_seconds": round(plan_s, 2),
                    "move_seconds": round(moved, 2),
                    "requests_per_volume": round(total / count, 2),
                    "requests_per_volume_no_polls": round((total - polls) / count, 2),
                }  # fmt: skip
                rows.append(row)
                print(f"  .. {json.dumps(row)}", flush=True)
    return rows


def run(
    counts: list[int],
    latencies: list[float],
    parallelism: int | None = None,
    shapes: tuple[bool, ...] = (False, True),
) -> list[dict[str, Any]]:
    """Every row; `shapes`: without hosts, with hosts."""
    shutil.rmtree(ROOT, ignore_errors=True)
    rows: list[dict[str, Any]] = []
    args = ("--ssn", str(PRIMARY), "--ssn", str(SECONDARY))
    for hosts in shapes:
        for count in counts:  # a fresh emulator each: a refresh reads every volume of the SC
            shutil.rmtree(ROOT / "sandbox", ignore_errors=True)
            with Sandbox(ROOT / "sandbox", emulator_args=args) as sandbox:
                rows += measure(sandbox, count, latencies, parallelism, hosts)
    return rows


def scale(count: int = 10, array: int = 8000, latency: float = 0.1) -> dict[str, Any]:
    """A plan of a replication plan of `count` volumes on a primary of `array` volumes
    (issue 20: its cost must follow the plan, not the array): wall seconds, DSM requests and
    the plan process's peak RSS, without latency and at `latency` a request."""
    shutil.rmtree(ROOT / "scale", ignore_errors=True)
    args = ("--ssn", str(PRIMARY), "--ssn", str(SECONDARY), "--preload-volumes", str(array))
    workdir = ROOT / "scale" / "work"
    workdir.mkdir(parents=True)
    text = config(count, "primary", None, False)
    with Sandbox(ROOT / "scale" / "sandbox", emulator_args=args) as sandbox:
        admin = Admin(sandbox)
        (workdir / "main.tf").write_text(text)
        if sandbox.terraform(workdir, "init", "-input=false", quiet=True) != 0:
            raise RuntimeError("terraform init failed")
        _apply(sandbox, workdir, text)
        result: dict[str, Any] = {"volumes": count, "array": array}
        for name, seconds in (("", 0.0), ("latency_", latency)):
            admin.latency(seconds)
            admin.call("POST", "stats/reset")
            profile = (workdir / "profile").resolve()
            shutil.rmtree(profile, ignore_errors=True)
            env = {**sandbox.env, "DELLSC_PROFILE": str(profile), "DELLSC_PROFILE_MODE": "timing"}
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "dellsc.cli", "terraform", *PLAN], cwd=workdir, env=env,
                capture_output=True, timeout=1800, check=False,
            )  # fmt: skip
            result[f"{name}seconds"] = round(time.perf_counter() - started, 2)
            result[f"{name}requests"] = admin.requests()[0]
            reports = [json.loads(p.read_text()) for p in profile.glob("*-rpcs.json")]
            result[f"{name}peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in reports), 1)
        admin.latency(0)
    print(f"  .. {json.dumps(result)}", flush=True)
    return result


def table(rows: list[dict[str, Any]]) -> str:
    head = ["config", "N", "latency", "move", "primary", "apply", "(plan)", "move",
            "requests/volume", "(no polls)", "target (apply)"]  # fmt: skip
    lines = [head]
    for r in rows:
        target = ""
        if r["volumes"] == 100 and r["latency_ms"] == 100:
            bound = TARGETS_S[r["move"]]
            target = f"<= {bound:g} s {'met' if r['seconds'] <= bound else 'MISSED'}"
        lines.append([r["config"], str(r["volumes"]), f"{r['latency_ms']} ms", r["move"],
                      r["primary"], f"{r['seconds']:.1f} s", f"{r['plan_seconds']:.1f} s",
                      f"{r['move_seconds']:.1f} s",
                      f"{r['requests_per_volume']:.1f}",
                      f"{r['requests_per_volume_no_polls']:.1f}", target])  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
           for line in lines]  # fmt: skip
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dellsc.tools.bench_dr", description=__doc__)
    parser.add_argument("--volumes", default="10,100", help="comma list of N")
    parser.add_argument("--latency-ms", default="0,100", help="comma list of DSM latencies")
    parser.add_argument(
        "--parallelism",
        type=int,
        default=None,
        help="the plan's parallelism (default: the provider's)",
    )
    parser.add_argument("--config", choices=("volumes", "hosts", "both"), default="both")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="only the plan of a 10-volume replication plan on 8,000 volumes",
    )
    ns = parser.parse_args(argv)  # fmt: skip
    if ns.scale:
        scale()
        return 0
    counts = [int(n) for n in ns.volumes.split(",")]
    latencies = [int(ms) / 1000 for ms in ns.latency_ms.split(",")]
    shapes = {"volumes": (False,), "hosts": (True,), "both": (False, True)}[ns.config]
    rows = run(counts, latencies, ns.parallelism, shapes)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
