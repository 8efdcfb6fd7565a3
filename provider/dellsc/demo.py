"""`make demo`: the emulator, the provider and Terraform, end to end, from a fresh clone.

Starts `dellsc emulator` on a free loopback port, installs the provider into a mirror under
`.demo/`, runs `terraform init` + `apply` on `examples/quickstart`, prints the outputs, shows
that a second plan has no changes, then stops the emulator.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from dellsc.install import install

ROOT = Path(".demo")
PASSWORD = "demo-password"


def _start_emulator() -> tuple[subprocess.Popen[str], dict[str, str]]:
    cmd = [sys.executable, "-m", "dellsc.cli", "emulator", "--port", "0",
           "--state", str(ROOT / "sc.db"), "--password", PASSWORD]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("dellsc emulator ready"):
        proc.kill()
        raise SystemExit(f"emulator did not start: {line!r}")
    print(f"==> {line}")
    fields = dict(part.split("=", 1) for part in line.split()[3:])
    return proc, fields


def _terraform(workdir: Path, env: dict[str, str], *args: str) -> int:
    print(f"==> terraform {' '.join(args)}", flush=True)
    return subprocess.call(
        [sys.executable, "-m", "dellsc.cli", "terraform", *args], cwd=workdir, env=env
    )


def main() -> int:
    shutil.rmtree(ROOT, ignore_errors=True)
    workdir = ROOT / "quickstart"
    workdir.mkdir(parents=True)
    shutil.copy(Path("examples/quickstart/main.tf"), workdir / "main.tf")
    installed = install(ROOT / "mirror", ROOT / "terraform.rc")
    print(f"==> provider installed: {installed.launcher}")
    emulator, ready = _start_emulator()
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(installed.cli_config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "DELLSC_ENDPOINT": ready["endpoint"],
        "DELLSC_USERNAME": "Admin",
        "DELLSC_PASSWORD": PASSWORD,
        "DELLSC_CA_FILE": ready.get("ca", ""),
    }
    try:
        for args in (("init", "-input=false"), ("apply", "-auto-approve", "-input=false")):
            if _terraform(workdir, env, *args) != 0:
                return 1
        _terraform(workdir, env, "output")
        code = _terraform(workdir, env, "plan", "-detailed-exitcode", "-input=false")
        if code != 0:
            print("==> FAILED: the second plan is not empty", file=sys.stderr)
            return 1
        print("==> second plan: no changes. Demo complete.")
        return 0
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
