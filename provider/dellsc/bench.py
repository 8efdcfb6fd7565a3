"""`make bench`: provider start-up and plan cost, each as a ratio to a baseline run here too.

- handshake: process start to handshake line of the installed provider, against a bare
  `python -c` of the same interpreter (the floor for any Python provider);
- plan: `terraform plan` (refresh included) of N `dellsc_volume`s against the emulator,
  against the same Terraform planning N built-in `terraform_data` resources;
- requests: DSM requests one such plan sends (the read cache makes this O(1) in N).
Numbers are medians; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dellsc.sandbox import Sandbox
from dellsc.terraform_runner import locate

ROOT = Path(".bench")
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


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
    env = {**base_env, "TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6",
           "PLUGIN_MIN_PORT": "10000", "PLUGIN_MAX_PORT": "25000",
           "PLUGIN_CLIENT_CERT": _client_cert_pem()}  # fmt: skip
    provider = [_first_line_seconds([str(launcher)], env) for _ in range(runs)]
    bare = [
        _first_line_seconds([sys.executable, "-B", "-P", "-c", "print(1)"], env)
        for _ in range(runs)
    ]
    return statistics.median(provider), statistics.median(bare)


def _workdir(name: str, config: str) -> Path:
    path = ROOT / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "main.tf").write_text(config)
    return path


def bench_plan(sandbox: Sandbox, count: int, runs: int) -> tuple[float, float, dict[str, int]]:
    volumes = _workdir("volumes", (
        'terraform {\n  required_providers {\n    dellsc = { source = "dellsc/dellsc" }\n  }\n}\n'
        'provider "dellsc" {}\n'
        f'resource "dellsc_volume" "v" {{\n  count   = {count}\n'
        '  name    = "bench-${count.index}"\n  size_gb = 1\n}\n'
    ))  # fmt: skip
    data = _workdir("terraform_data", (
        f'resource "terraform_data" "d" {{\n  count = {count}\n  input = count.index\n}}\n'
    ))  # fmt: skip
    for workdir in (volumes, data):
        for args in (("init", "-input=false"), ("apply", "-auto-approve", "-input=false")):
            if sandbox.terraform(workdir, *args, quiet=True) != 0:
                raise RuntimeError(f"terraform {args[0]} failed in {workdir}")
    plan = ("plan", "-input=false", "-lock=false", "-detailed-exitcode")
    stats_url = sandbox.env["DELLSC_ENDPOINT"] + "/_emulator/stats"
    http = requests.Session()
    http.auth = (sandbox.env["DELLSC_USERNAME"], sandbox.env["DELLSC_PASSWORD"])
    verify = sandbox.env["DELLSC_CA_FILE"] or True
    http.post(stats_url + "/reset", verify=verify, timeout=10).raise_for_status()
    dellsc = [sandbox.timed(volumes, *plan) for _ in range(runs)]
    stats = http.get(stats_url, verify=verify, timeout=10).json()
    baseline = [sandbox.timed(data, *plan) for _ in range(runs)]
    per_plan = {"requests": stats["requests"] // runs, "mutations": stats["mutations"]}
    return statistics.median(dellsc), statistics.median(baseline), per_plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dellsc.bench", description=__doc__)
    parser.add_argument("--volumes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--handshakes", type=int, default=10)
    ns = parser.parse_args(argv)
    shutil.rmtree(ROOT, ignore_errors=True)
    print(f"terraform: {locate()}", flush=True)
    with Sandbox(ROOT) as sandbox:
        launcher = next((ROOT / "mirror").rglob("terraform-provider-dellsc_*"))
        provider_s, bare_s = bench_handshake(launcher, ns.handshakes, sandbox.env)
        print(
            f"handshake: provider {provider_s * 1000:.0f} ms, bare python {bare_s * 1000:.0f} ms, "
            f"ratio {provider_s / bare_s:.1f}x (median of {ns.handshakes})",
            flush=True,
        )
        dellsc_s, data_s, per_plan = bench_plan(sandbox, ns.volumes, ns.runs)
        print(
            f"plan of {ns.volumes}: dellsc_volume {dellsc_s:.2f} s, terraform_data {data_s:.2f} s, "
            f"ratio {dellsc_s / data_s:.2f}x (median of {ns.runs})"
        )
        print(
            f"DSM requests per plan of {ns.volumes} volumes: {per_plan['requests']} "
            f"({per_plan['mutations']} mutating)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
