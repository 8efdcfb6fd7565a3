"""The disaster-recovery rows of `make bench`: failover and failback of N replicated volumes.

For each N (10 and 100 by default) a configuration of N volumes, each mapped to a host, in one
`dellsc_replication_plan` (and a standby host on the secondary with the host's initiator) is
applied once against an emulator with two Storage Centers; then,
for each DSM latency (0 and 100 ms: the emulator's `delay` fault on every request), four
`terraform apply` runs are timed: failover with the primary up, failback, failover with the
primary down, and failback once it is back (which fences the returning primary first). Each
row also counts the DSM requests the move adds per volume (those of the apply, less those of a
plan of the same configuration before it: the refresh of the volumes and mappings is not the
move's), with and without task polls.

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

ROOT = Path(".bench/dr")
PRIMARY, SECONDARY = 64702, 64703
IQN = "iqn.1994-05.com.redhat:bench-host"
POLL_ROUTE = "GET ApiConnection/AsyncTask/{id}"
APPLY = ("apply", "-auto-approve", "-input=false", "-lock=false")
PLAN = ("plan", "-input=false", "-lock=false", "-detailed-exitcode")
# the targets for N = 100 at 100 ms per request
TARGETS_S = {"failover": 15.0, "failback": 40.0}


def config(count: int, site: str, parallelism: int | None) -> str:
    """N volumes, each mapped to one host, replicated by one plan; a standby host on the
    secondary owns the host's initiator (what the failover maps each copy to)."""
    extra = "" if parallelism is None else f"\n  parallelism     = {parallelism}"
    return (
        'terraform {\n  required_providers {\n    dellsc = { source = "dellsc/dellsc" }\n  }\n}\n'
        f'provider "dellsc" {{\n  ssn = {PRIMARY}\n}}\n'
        f'provider "dellsc" {{\n  alias = "dr"\n  ssn   = {SECONDARY}\n}}\n'
        f'resource "dellsc_server" "host" {{\n  name             = "bench-host"\n'
        f'  iscsi_initiators = ["{IQN}"]\n}}\n'
        f'resource "dellsc_server" "standby" {{\n  provider         = dellsc.dr\n'
        f'  name             = "bench-standby"\n  iscsi_initiators = ["{IQN}"]\n}}\n'
        f'resource "dellsc_volume" "v" {{\n  count   = {count}\n'
        '  name    = "dr-${count.index}"\n  size_gb = 1\n}\n'
        f'resource "dellsc_volume_mapping" "m" {{\n  count     = {count}\n'
        "  volume_id = dellsc_volume.v[count.index].id\n"
        "  server_id = dellsc_server.host.id\n}\n"
        'resource "dellsc_replication_plan" "dr" {\n  name            = "bench"\n'
        f"  destination_ssn = {SECONDARY}\n  volume_ids      = dellsc_volume.v[*].id\n"
        f'  active_site     = "{site}"{extra}\n}}\n'
    )


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


def _apply(sandbox: Sandbox, workdir: Path, text: str) -> float:
    (workdir / "main.tf").write_text(text)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dellsc.cli", "terraform", *APPLY, "-no-color"],
        cwd=workdir, env=sandbox.env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"terraform apply in {workdir} failed:\n{result.stderr[-3000:]}")
    return elapsed


def measure(
    sandbox: Sandbox, count: int, latencies: list[float], parallelism: int | None
) -> list[dict[str, Any]]:
    """The rows of one N: each latency x (failover, failback) x (primary up, primary down)."""
    admin = Admin(sandbox)
    workdir = ROOT / f"n{count}"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(config(count, "primary", parallelism))
    if sandbox.terraform(workdir, "init", "-input=false", quiet=True) != 0:
        raise RuntimeError("terraform init failed")
    _apply(sandbox, workdir, config(count, "primary", parallelism))
    rows = []
    for latency in latencies:
        for primary in ("up", "down"):
            for site, move in (("secondary", "failover"), ("primary", "failback")):
                if move == "failover" and primary == "down":
                    admin.call("POST", f"storage_centers/{PRIMARY}/down")
                if move == "failback" and primary == "down":
                    admin.call("POST", f"storage_centers/{PRIMARY}/up")
                admin.call("POST", "stats/reset")  # what a plan of the same state costs
                if sandbox.terraform(workdir, *PLAN, quiet=True) not in (0, 2):
                    raise RuntimeError(f"terraform plan in {workdir} failed")
                base, base_polls = admin.requests()
                admin.latency(latency)
                admin.call("POST", "stats/reset")
                seconds = _apply(sandbox, workdir, config(count, site, parallelism))
                total, polls = admin.requests()
                total, polls = total - base, polls - base_polls
                admin.latency(0)
                row = {
                    "volumes": count, "latency_ms": round(latency * 1000), "move": move,
                    "primary": primary, "seconds": round(seconds, 2),
                    "requests_per_volume": round(total / count, 2),
                    "requests_per_volume_no_polls": round((total - polls) / count, 2),
                }  # fmt: skip
                rows.append(row)
                print(f"  .. {json.dumps(row)}", flush=True)
    return rows


def run(counts: list[int], latencies: list[float], parallelism: int | None) -> list[dict[str, Any]]:
    shutil.rmtree(ROOT, ignore_errors=True)
    rows: list[dict[str, Any]] = []
    args = ("--ssn", str(PRIMARY), "--ssn", str(SECONDARY))
    for count in counts:  # a fresh emulator per N: the refresh reads every volume of the SC
        with Sandbox(ROOT / "sandbox", emulator_args=args) as sandbox:
            rows += measure(sandbox, count, latencies, parallelism)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    head = ["N", "latency", "move", "primary", "apply", "requests/volume", "(no polls)", "target"]
    lines = [head]
    for r in rows:
        target = ""
        if r["volumes"] == 100 and r["latency_ms"] == 100:
            bound = TARGETS_S[r["move"]]
            target = f"<= {bound:g} s {'met' if r['seconds'] <= bound else 'MISSED'}"
        lines.append([str(r["volumes"]), f"{r['latency_ms']} ms", r["move"], r["primary"],
                      f"{r['seconds']:.1f} s", f"{r['requests_per_volume']:.1f}",
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
    parser.add_argument("--parallelism", type=int, default=None,
                        help="the plan's parallelism (default: the provider's)")  # fmt: skip
    ns = parser.parse_args(argv)
    counts = [int(n) for n in ns.volumes.split(",")]
    latencies = [int(ms) / 1000 for ms in ns.latency_ms.split(",")]
    rows = run(counts, latencies, ns.parallelism)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
