"""`make demo`: the emulator, the provider and Terraform, end to end, from a fresh clone.

Starts `dellsc emulator` on a free loopback port, installs the provider into a mirror under
`.demo/`, runs `terraform init` + `apply` on `examples/quickstart`, prints the outputs, shows
that a second plan has no changes, then stops the emulator.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dellsc.tools.sandbox import Sandbox

ROOT = Path(".demo")


def main() -> int:
    shutil.rmtree(ROOT, ignore_errors=True)
    workdir = ROOT / "quickstart"
    workdir.mkdir(parents=True)
    shutil.copy(Path("examples/quickstart/main.tf"), workdir / "main.tf")
    # colours only for a terminal: piped into a file or a CI log, escape codes are noise
    color = () if sys.stdout.isatty() else ("-no-color",)
    with Sandbox(ROOT) as sandbox:
        print(f"==> {sandbox.ready_line}", flush=True)
        for args in (("init", "-input=false"), ("apply", "-auto-approve", "-input=false")):
            if sandbox.terraform(workdir, *args, *color) != 0:
                return 1
        sandbox.terraform(workdir, "output", *color)
        plan = ("plan", "-detailed-exitcode", "-input=false", *color)
        if sandbox.terraform(workdir, *plan) != 0:
            print("==> FAILED: the second plan is not empty", file=sys.stderr)
            return 1
        print("==> second plan: no changes. Demo complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
