"""`make bench`: what a user waits for, each timed next to a baseline measured in the same run.

- handshake: process start to handshake line of the installed provider, against a bare
  `python -c` of the same interpreter (the floor for any Python provider);
- `terraform providers schema -json`: one provider process answering GetProviderSchema;
- plan (refresh included) of N = 100 and 1,000 `dellsc_volume`s against the emulator, against
  the same Terraform planning N built-in `terraform_data` resources (no plugin, no I/O);
- apply creating N = 1,000 of each;
- DSM requests: per plan of N, per volume create and per volume grow (task polls apart);
- per RPC type: calls and mean handler time in the plan process, and the provider's peak RSS
  (through `DELLSC_PROFILE`, in a run of its own);
- emulator: simple requests per second over HTTPS keep-alive from two client processes, and
  the server CPU time each costs;
- scale (`--scale`): a plan of K = 10 volumes on an array of M = 8,000 against the same plan
  on an empty array (the cost must follow the configuration, not the array), the plan
  process's peak RSS and the DSM requests of each, and the same plan with the emulator's
  `delay` fault at 100 ms on every request (what a real DSM's latency costs).
- disaster recovery (`dellsc.tools.bench_dr`): failover and failback of 10 and 100 volumes at
  0 and 100 ms per DSM request, with the primary up and down, and the DSM requests per volume
  (`--skip-dr` leaves them out; they take the longest), and a plan of a replication plan of
  10 volumes on a primary of 8,000 (with `--only scale` too).

Prints one table and writes `bench/results/<date>.json`. Medians of alternating runs; the
machine is usually shared, so compare the ratios, which are measured side by side. Nothing
here is a pass/fail test. Each Terraform command is bounded (`COMMAND_TIMEOUT_S`).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import http.client
import json
import multiprocessing
import os
import resource
import shutil
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dellsc.tools import bench_dr
from dellsc.tools.sandbox import PASSWORD, Sandbox
from dellsc.tools.terraform_runner import locate

ROOT = Path(".bench")
RESULTS = Path("bench/results")
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
POLL_ROUTE = "GET ApiConnection/AsyncTask/{id}"
PLAN = ("plan", "-input=false", "-lock=false", "-detailed-exitcode")
APPLY = ("apply", "-auto-approve", "-input=false")
COMMAND_TIMEOUT_S = 900
EMULATOR_SECONDS = 5.0
TARGETS = {
    "plan_1000_ratio": ("<=", 1.3),
    "apply_create_1000_ratio": ("<=", 1.5),
    "handshake_ms": ("<=", 100.0),
    "peak_rss_mb": ("<", 80.0),
    "emulator_rps": (">=", 1500.0),
    "requests_per_create": ("<=", 4.0),
    "requests_per_plan_1000": ("<=", 9),
    "scale_plan_ratio": ("<=", 1.15),
    "scale_peak_rss_mb": ("<", 80.0),
}
SCALE_ARRAY = 8000
SCALE_CONFIG = 10
LATENCY_S = 0.1


def _client_cert_pem() -> str:
    """A throwaway self-signed certificate, like the one Terraform passes to each plugin."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _first_line_seconds(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.terminate()
    proc.wait(timeout=10)
    if not line:
        raise RuntimeError(f"{cmd[0]} printed nothing")
    return elapsed


def bench_handshake(launcher: Path, runs: int, base_env: dict[str, str]) -> tuple[float, float]:
    """Median seconds to the handshake line of the provider and to the output of bare python,
    alternating the two."""
    env = {**base_env, "TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6",
           "PLUGIN_MIN_PORT": "10000", "PLUGIN_MAX_PORT": "25000",
           "PLUGIN_CLIENT_CERT": _client_cert_pem()}  # fmt: skip
    bare_cmd = [sys.executable, "-B", "-P", "-c", "print(1)"]
    provider, bare = [], []
    for _ in range(runs):
        provider.append(_first_line_seconds([str(launcher)], env))
        bare.append(_first_line_seconds(bare_cmd, env))
    return statistics.median(provider), statistics.median(bare)


class Emulator:
    """The sandbox emulator's admin API: request counters."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.url = sandbox.env["DELLSC_ENDPOINT"] + "/_emulator/"
        self.http = requests.Session()
        self.http.auth = (sandbox.env["DELLSC_USERNAME"], sandbox.env["DELLSC_PASSWORD"])
        self.verify = sandbox.env["DELLSC_CA_FILE"] or True  # per request: env must not win

    def reset(self) -> None:
        self.http.post(self.url + "stats/reset", verify=self.verify, timeout=30).raise_for_status()

    def requests(self) -> tuple[int, int]:
        """(requests, of which task polls) since the last reset."""
        stats = self.http.get(self.url + "stats", verify=self.verify, timeout=30).json()
        return int(stats["requests"]), int(stats["by_route"].get(POLL_ROUTE, 0))

    def slow_down(self, seconds: float) -> None:
        """Every DSM request from now on waits `seconds` (the `delay` fault)."""
        spec = {"action": "delay", "delay_s": seconds, "count": 10**9}
        self.http.post(self.url + "faults", json=spec, verify=self.verify, timeout=30)

    def clear_faults(self) -> None:
        self.http.delete(self.url + "faults", verify=self.verify, timeout=30).raise_for_status()


def _workdir(name: str, config: str) -> Path:
    path = ROOT / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "main.tf").write_text(config)
    return path


def _volumes_config(count: int, prefix: str, size_gb: int = 1) -> str:
    return (
        'terraform {\n  required_providers {\n    dellsc = { source = "dellsc/dellsc" }\n  }\n}\n'
        'provider "dellsc" {}\n'
        f'resource "dellsc_volume" "v" {{\n  count   = {count}\n'
        f'  name    = "{prefix}-${{count.index}}"\n  size_gb = {size_gb}\n}}\n'
    )


def _data_config(count: int) -> str:
    return f'resource "terraform_data" "d" {{\n  count = {count}\n  input = count.index\n}}\n'


def _run(sandbox: Sandbox, workdir: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Seconds one successful terraform command takes (quiet)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dellsc.cli", "terraform", *args],
        cwd=workdir, env={**sandbox.env, **(env or {})}, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT_S,
    )  # fmt: skip
    if result.returncode not in (0, 2):
        raise RuntimeError(f"terraform {' '.join(args)} in {workdir} failed: {result.stderr}")
    return time.perf_counter() - start


Target = tuple[Path, dict[str, str]]  # a working directory and the environment it needs


def _alternate(
    sandbox: Sandbox, targets: Sequence[Target], args: tuple[str, ...], runs: int
) -> list[tuple[float, float]]:
    """For each target: the median wall seconds of `args` there and the median CPU seconds
    of every process of the command (Terraform and its plugins), the targets run by turns."""
    walls: list[list[float]] = [[] for _ in targets]
    cpus: list[list[float]] = [[] for _ in targets]
    for _ in range(runs):
        for i, (workdir, env) in enumerate(targets):
            before = _children_cpu()
            walls[i].append(_run(sandbox, workdir, *args, env=env))
            cpus[i].append(_children_cpu() - before)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def _floor_env(count: int) -> tuple[Path, dict[str, str]]:
    """A working directory of `count` `floor_volume`s (`dellsc.tools.benchfloor`) and the CLI config
    that points Terraform at that plugin."""
    plugins = (ROOT / "floor-plugin").resolve()
    plugins.mkdir(parents=True, exist_ok=True)
    launcher = plugins / "terraform-provider-floor"
    launcher.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -B -P -m dellsc.tools.benchfloor "$@"\n'
    )
    launcher.chmod(0o755)
    rc = (ROOT / "floor.rc").resolve()
    rc.write_text(
        "provider_installation {\n"
        f'  dev_overrides {{\n    "dellsc/floor" = "{plugins}"\n  }}\n  direct {{}}\n}}\n'
    )
    workdir = _workdir("floor", (
        'terraform {\n  required_providers {\n    floor = { source = "dellsc/floor" }\n  }\n}\n'
        f'resource "floor_volume" "v" {{\n  count   = {count}\n'
        '  name    = "floor-${count.index}"\n  size_gb = 1\n}\n'
    ))  # fmt: skip
    return workdir, {"TF_CLI_CONFIG_FILE": str(rc)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _profile(sandbox: Sandbox, workdir: Path) -> dict[str, Any]:
    """Per-RPC counts and mean handler times of one plan, the provider's peak RSS and the CPU
    time of each provider process."""
    out = (ROOT / "profile").resolve()
    shutil.rmtree(out, ignore_errors=True)
    _run(sandbox, workdir, *PLAN, env={"DELLSC_PROFILE": str(out), "DELLSC_PROFILE_MODE": "timing"})
    reports = [json.loads(p.read_text()) for p in sorted(out.glob("*-rpcs.json"))]
    rpcs: dict[str, dict[str, float]] = {}
    for report in reports:
        for name, entry in report["rpcs"].items():
            into = rpcs.setdefault(name, {"calls": 0, "total_ms": 0.0})
            into["calls"] += entry["calls"]
            into["total_ms"] += entry["total_ms"]
    return {
        "processes": len(reports),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in reports),
        "cpu_ms": [r["cpu_ms"] for r in reports],
        "rpcs": {
            name: {"calls": e["calls"], "mean_ms": round(e["total_ms"] / e["calls"], 3)}
            for name, e in sorted(rpcs.items())
        },
    }


def _emulator_client(endpoint: str, ca_file: str, seconds: float, out: Any) -> None:
    """Log in, then GET one small object over one keep-alive connection until time is up."""
    parts = urlsplit(endpoint)
    context = ssl.create_default_context(cafile=ca_file or None)
    conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, context=context)
    headers = {"x-dell-api-version": "4.1", "Accept": "application/json"}
    auth = base64.b64encode(f"Admin:{PASSWORD}".encode()).decode()
    conn.request("POST", "/api/rest/ApiConnection/Login", b"{}",
                 {**headers, "Authorization": f"Basic {auth}"})  # fmt: skip
    reply = conn.getresponse()
    reply.read()
    headers["Cookie"] = (reply.getheader("set-cookie") or "").split(";")[0]
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn.request("GET", "/api/rest/StorageCenter/StorageCenter", headers=headers)
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            raise RuntimeError(f"emulator answered {reply.status}")
        count += 1
    out.put(count)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_emulator(sandbox: Sandbox, clients: int = 2) -> tuple[float, float | None]:
    """Requests per second, and the emulator's CPU ms per request (Linux only, else None)."""
    queue: Any = multiprocessing.Queue()
    args = (sandbox.env["DELLSC_ENDPOINT"], sandbox.env["DELLSC_CA_FILE"], EMULATOR_SECONDS, queue)
    workers = [multiprocessing.Process(target=_emulator_client, args=args) for _ in range(clients)]
    pid = sandbox.emulator_pid
    cpu_before = _cpu_seconds(pid) if os.path.exists(f"/proc/{pid}") else None
    for worker in workers:
        worker.start()
    total = sum(queue.get(timeout=EMULATOR_SECONDS + 60) for _ in workers)
    for worker in workers:
        worker.join(timeout=10)
    cpu_ms = None
    if cpu_before is not None:
        cpu_ms = (_cpu_seconds(pid) - cpu_before) * 1000 / max(total, 1)
    return total / EMULATOR_SECONDS, cpu_ms


def _per_object(emulator: Emulator, count: int) -> float:
    total, polls = emulator.requests()
    return round((total - polls) / count, 2)


def run(ns: argparse.Namespace) -> dict[str, Any]:
    big, small = ns.volumes, ns.small
    results: dict[str, Any] = {
        "volumes": big,
        "small": small,
        "runs": ns.runs,
        "apply_runs": ns.apply_runs,
    }
    with Sandbox(ROOT) as sandbox:
        emulator = Emulator(sandbox)
        launcher = next((ROOT / "mirror").rglob("terraform-provider-dellsc_*"))
        provider_s, bare_s = bench_handshake(launcher, ns.handshakes, sandbox.env)
        results |= {"handshake_ms": provider_s * 1000, "bare_python_ms": bare_s * 1000}
        _say(f"handshake {provider_s * 1000:.0f} ms (bare python {bare_s * 1000:.0f} ms)")

        dirs = {
            "vol_big": _workdir("volumes", _volumes_config(big, "bench")),
            "data_big": _workdir("terraform_data", _data_config(big)),
            "vol_small": _workdir("volumes-small", _volumes_config(small, "small")),
            "data_small": _workdir("terraform_data-small", _data_config(small)),
        }
        for workdir in dirs.values():
            _run(sandbox, workdir, "init", "-input=false")

        # apply-create of N, alternating with terraform_data; the first counts DSM requests
        emulator.reset()
        vol_applies = [_run(sandbox, dirs["vol_big"], *APPLY)]
        results["requests_per_create"] = _per_object(emulator, big)
        data_applies = [_run(sandbox, dirs["data_big"], *APPLY)]
        _say(f"apply-create of {big}: {vol_applies[0]:.1f} s vs {data_applies[0]:.1f} s")
        for key in ("vol_small", "data_small"):
            _run(sandbox, dirs[key], *APPLY)

        floor_dir, floor_env = _floor_env(big)
        results["apply_create_floor_s"] = _run(sandbox, floor_dir, *APPLY, env=floor_env)
        for count, targets in (
            (small, [(dirs["vol_small"], {}), (dirs["data_small"], {})]),
            (big, [(dirs["vol_big"], {}), (dirs["data_big"], {}), (floor_dir, floor_env)]),
        ):
            emulator.reset()
            measured = _alternate(sandbox, targets, PLAN, ns.runs)
            total, _ = emulator.requests()
            (vol_s, vol_cpu), (data_s, data_cpu) = measured[:2]
            results |= {
                f"plan_{count}_s": vol_s,
                f"plan_{count}_data_s": data_s,
                f"plan_{count}_cpu_s": vol_cpu,
                f"plan_{count}_data_cpu_s": data_cpu,
                f"requests_per_plan_{count}": total // ns.runs,
            }
            if len(measured) > 2:
                results[f"plan_{count}_floor_s"], results[f"plan_{count}_floor_cpu_s"] = measured[2]
            _say(f"plan of {count}: {vol_s:.2f} s vs terraform_data {data_s:.2f} s")

        schema = ("providers", "schema", "-json")
        (schema_s, _), (schema_data_s, _) = _alternate(
            sandbox, [(dirs["vol_small"], {}), (dirs["data_small"], {})], schema, ns.runs
        )
        results |= {"schema_json_s": schema_s, "schema_json_data_s": schema_data_s}

        results["profile"] = _profile(sandbox, dirs["vol_big"])
        results["peak_rss_mb"] = results["profile"]["peak_rss_mb"]

        (dirs["vol_small"] / "main.tf").write_text(_volumes_config(small, "small", size_gb=2))
        emulator.reset()
        results["grow_s"] = _run(sandbox, dirs["vol_small"], *APPLY)
        results["requests_per_grow"] = _per_object(emulator, small)

        rps, cpu_ms = bench_emulator(sandbox)
        results |= {"emulator_rps": rps, "emulator_cpu_ms_per_request": cpu_ms}

        # more apply-create pairs last: their volumes would weigh on every plan above (the
        # refresh cache holds every volume of the Storage Center)
        for run_no in range(2, ns.apply_runs + 1):
            data_dir = _workdir(f"terraform_data-{run_no}", _data_config(big))
            vol_dir = _workdir(f"volumes-{run_no}", _volumes_config(big, f"bench{run_no}"))
            for workdir in (data_dir, vol_dir):
                _run(sandbox, workdir, "init", "-input=false")
            data_applies.append(_run(sandbox, data_dir, *APPLY))
            vol_applies.append(_run(sandbox, vol_dir, *APPLY))
            _say(f"apply-create of {big}: {vol_applies[-1]:.1f} s vs {data_applies[-1]:.1f} s")
        results |= {
            "apply_create_s": statistics.median(vol_applies),
            "apply_create_data_s": statistics.median(data_applies),
        }
    results["plan_1000_ratio"] = results[f"plan_{big}_s"] / results[f"plan_{big}_data_s"]
    results["apply_create_1000_ratio"] = results["apply_create_s"] / results["apply_create_data_s"]
    return results


def run_scale(runs: int) -> dict[str, Any]:
    """A plan of SCALE_CONFIG volumes on an array of SCALE_ARRAY volumes and on an empty one,
    by turns; the requests, CPU and peak RSS of each; the same plans at LATENCY_S a request."""
    results: dict[str, Any] = {"scale_array": SCALE_ARRAY, "scale_config": SCALE_CONFIG}
    config = _volumes_config(SCALE_CONFIG, "scale")
    preload = ("--preload-volumes", str(SCALE_ARRAY))
    started = time.perf_counter()
    with Sandbox(ROOT / "scale-empty") as empty, Sandbox(ROOT / "scale-full", preload) as full:
        _say(f"emulators ready ({SCALE_ARRAY} volumes preloaded) in "
             f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        boxes = {"empty": empty, "full": full}
        dirs = {name: _workdir(f"scale-{name}", config) for name in boxes}
        for name, box in boxes.items():
            _run(box, dirs[name], "init", "-input=false")
            _run(box, dirs[name], *APPLY)
        targets = [(dirs["empty"], {}), (dirs["full"], full.env)]
        emulators = {name: Emulator(box) for name, box in boxes.items()}
        for emulator in emulators.values():
            emulator.reset()
        (empty_s, empty_cpu), (full_s, full_cpu) = _alternate(empty, targets, PLAN, runs)
        for name, emulator in emulators.items():
            results[f"scale_requests_{name}"] = emulator.requests()[0] // runs
        results |= {
            "scale_plan_empty_s": empty_s,
            "scale_plan_full_s": full_s,
            "scale_plan_empty_cpu_s": empty_cpu,
            "scale_plan_full_cpu_s": full_cpu,
            "scale_plan_ratio": full_s / empty_s,
        }
        _say(f"plan of {SCALE_CONFIG} on {SCALE_ARRAY} volumes: {full_s:.2f} s vs {empty_s:.2f} s "
             "on an empty array")  # fmt: skip
        for name, box in boxes.items():
            profile = _profile(box, dirs[name])
            results[f"scale_profile_{name}"] = profile
        results["scale_peak_rss_mb"] = results["scale_profile_full"]["peak_rss_mb"]
        for name, box in boxes.items():
            emulator = emulators[name]
            emulator.slow_down(LATENCY_S)
            emulator.reset()
            try:
                results[f"scale_latency_{name}_s"] = _run(box, dirs[name], *PLAN)
            finally:
                emulator.clear_faults()
            results[f"scale_latency_requests_{name}"] = emulator.requests()[0]
        _say(
            f"at {LATENCY_S * 1000:.0f} ms a request: {results['scale_latency_full_s']:.2f} s "
            f"({results['scale_latency_requests_full']} requests) vs "
            f"{results['scale_latency_empty_s']:.2f} s on an empty array"
        )
    return results


def scale_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The scale rows of the table: what, ours (full array), baseline (empty), ratio, key."""
    m, k = r["scale_array"], r["scale_config"]
    full, empty = r["scale_profile_full"], r["scale_profile_empty"]
    return [
        (f"plan, K={k} on M={m} (vs M=0)", f"{r['scale_plan_full_s']:.2f} s",
         f"{r['scale_plan_empty_s']:.2f} s", f"{r['scale_plan_ratio']:.2f}x",
         "scale_plan_ratio"),
        (f"  DSM requests per plan of {k}", str(r["scale_requests_full"]),
         str(r["scale_requests_empty"]), "", ""),
        ("  provider CPU, all processes", " + ".join(
            f"{ms / 1000:.2f}" for ms in full["cpu_ms"]) + " s",
         " + ".join(f"{ms / 1000:.2f}" for ms in empty["cpu_ms"]) + " s", "", ""),
        ("  provider peak RSS", f"{full['peak_rss_mb']:.0f} MB",
         f"{empty['peak_rss_mb']:.0f} MB", "", "scale_peak_rss_mb"),
        (f"  at {LATENCY_S * 1000:.0f} ms a request", f"{r['scale_latency_full_s']:.2f} s",
         f"{r['scale_latency_empty_s']:.2f} s",
         f"{r['scale_latency_full_s'] / r['scale_latency_empty_s']:.2f}x", ""),
        ("  DSM requests at that latency", str(r["scale_latency_requests_full"]),
         str(r["scale_latency_requests_empty"]), "", ""),
    ]  # fmt: skip


def _say(text: str) -> None:
    print(f"  .. {text}", flush=True)


def table(r: dict[str, Any]) -> str:
    """The results as one aligned table: what, ours, baseline, ratio, target."""

    def row(what: str, ours: str, base: str = "", ratio: str = "", key: str = "") -> list[str]:
        target = ""
        if key in TARGETS:
            op, bound = TARGETS[key]
            value = r[key]
            met = {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[op]
            target = f"{op} {bound:g} {'met' if met else 'MISSED'}"
        return [what, ours, base, ratio, target]

    rows = [["measure", "dellsc", "baseline", "ratio", "target"]]
    if "volumes" in r:
        rows += _main_rows(r, row)
    if "scale_array" in r:
        rows += [row(*cells) for cells in scale_rows(r)]
    widths = [max(len(line[i]) for line in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
             for line in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _main_rows(r: dict[str, Any], row: Callable[..., list[str]]) -> list[list[str]]:
    big, small = r["volumes"], r["small"]

    def timed(what: str, ours: float, base: float, key: str = "") -> list[str]:
        return row(what, f"{ours:.2f} s", f"{base:.2f} s", f"{ours / base:.2f}x", key)

    cpu = r["emulator_cpu_ms_per_request"]
    rows = [
        row("handshake (vs bare python)", f"{r['handshake_ms']:.0f} ms",
            f"{r['bare_python_ms']:.0f} ms",
            f"{r['handshake_ms'] / r['bare_python_ms']:.1f}x", "handshake_ms"),
        timed("providers schema -json", r["schema_json_s"], r["schema_json_data_s"]),
        timed(f"plan, N={small} (vs terraform_data)", r[f"plan_{small}_s"],
              r[f"plan_{small}_data_s"]),
        timed(f"plan, N={big} (vs terraform_data)", r[f"plan_{big}_s"], r[f"plan_{big}_data_s"],
              "plan_1000_ratio"),
        timed(f"plan, N={big}, do-nothing provider (floor)", r[f"plan_{big}_floor_s"],
              r[f"plan_{big}_data_s"]),
        row(f"CPU of the plan of {big}, all processes", f"{r[f'plan_{big}_cpu_s']:.2f} s",
            f"{r[f'plan_{big}_data_cpu_s']:.2f} s",
            f"{r[f'plan_{big}_cpu_s'] / r[f'plan_{big}_data_cpu_s']:.2f}x"),
        row("  of which provider processes", " + ".join(
            f"{ms / 1000:.2f}" for ms in r["profile"]["cpu_ms"]) + " s"),
        timed(f"apply-create, N={big}", r["apply_create_s"], r["apply_create_data_s"],
              "apply_create_1000_ratio"),
        timed(f"apply-create, N={big}, floor", r["apply_create_floor_s"],
              r["apply_create_data_s"]),
        row(f"DSM requests per plan of {small}", str(r[f"requests_per_plan_{small}"])),
        row(f"DSM requests per plan of {big}", str(r[f"requests_per_plan_{big}"]),
            key=f"requests_per_plan_{big}"),
        row("DSM requests per create (no polls)", str(r["requests_per_create"]),
            key="requests_per_create"),
        row("DSM requests per grow (no polls)", str(r["requests_per_grow"])),
        row("provider peak RSS", f"{r['peak_rss_mb']:.0f} MB", key="peak_rss_mb"),
        row("emulator requests/s (2 clients)", f"{r['emulator_rps']:.0f}",
            "" if cpu is None else f"{cpu:.2f} ms CPU/req", key="emulator_rps"),
        row("emulator requests/s one core can serve", "" if cpu is None else f"{1000 / cpu:.0f}"),
    ]  # fmt: skip
    for name, entry in r["profile"]["rpcs"].items():
        rows.append(row(f"  {name} (plan of {big})", f"{entry['mean_ms']:.3f} ms",
                        f"x{entry['calls']}"))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dellsc.tools.bench", description=__doc__)
    parser.add_argument("--volumes", type=int, default=1000, help="N of the big plan and apply")
    parser.add_argument("--small", type=int, default=100, help="N of the small plan")
    parser.add_argument("--runs", type=int, default=3, help="runs of each plan and schema")
    parser.add_argument("--apply-runs", type=int, default=2, help="runs of each apply-create")
    parser.add_argument("--handshakes", type=int, default=10)
    parser.add_argument(
        "--only", choices=["main", "scale", "dr"], help="run only the main, scale or DR rows"
    )
    parser.add_argument("--skip-dr", action="store_true", help="no disaster-recovery rows")
    ns = parser.parse_args(argv)
    shutil.rmtree(ROOT, ignore_errors=True)
    print(f"terraform: {locate()}  (on {os.cpu_count()} cores)", flush=True)
    started = time.perf_counter()
    results: dict[str, Any] = {}
    if ns.only in (None, "main"):
        results |= run(ns)
    if ns.only in (None, "scale"):
        results |= run_scale(ns.runs)
    if ns.only == "dr" or (ns.only is None and not ns.skip_dr):
        results["disaster_recovery"] = bench_dr.run([10, 100], [0.0, 0.1])
    if ns.only in ("scale", "dr") or (ns.only is None and not ns.skip_dr):
        results["dr_scale"] = bench_dr.scale(SCALE_CONFIG, SCALE_ARRAY, LATENCY_S)
    results["load_average"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started)
    print(table(results))
    if "disaster_recovery" in results:
        print("\n" + bench_dr.table(results["disaster_recovery"]))
    if "dr_scale" in results:
        r = results["dr_scale"]
        print(f"\nplan of a replication plan of {r['volumes']} volumes on {r['array']}: "
              f"{r['seconds']:.2f} s, {r['requests']} requests, {r['peak_rss_mb']:.0f} MB peak "
              f"RSS; at {LATENCY_S * 1000:.0f} ms a request {r['latency_seconds']:.2f} s, "
              f"{r['latency_requests']} requests")  # fmt: skip
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
