"""`dellsc install`: put this provider into a Terraform filesystem mirror.

Writes `<mirror>/registry.terraform.io/dellsc/dellsc/<version>/<os_arch>/` holding one launcher
script that `exec`s this Python installation, and a CLI config file that makes `terraform init`
take `dellsc/dellsc` from the mirror only (offline, lock-file hashes as usual).
"""

from __future__ import annotations

import os
import platform
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from dellsc import __version__
from dellsc.launch import ENTRY_MODULE, PYTHON_FLAGS, precompile

SOURCE = "registry.terraform.io/dellsc/dellsc"
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def default_mirror() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "dellsc" / "terraform-mirror"


def os_arch() -> str:
    machine = platform.machine().lower()
    return f"{platform.system().lower()}_{_ARCH.get(machine, machine)}"


@dataclass(frozen=True)
class Installation:
    launcher: Path
    cli_config: Path

    @property
    def export_line(self) -> str:
        return f"export TF_CLI_CONFIG_FILE={shlex.quote(str(self.cli_config))}"


def launcher_script(python: str) -> str:
    # exec: Terraform SIGKILLs the process it started; a shell left in between would orphan
    # Python and hang Terraform. The flags are explained in dellsc.launch.
    return (
        f'#!/bin/sh\nexec {shlex.quote(python)} {" ".join(PYTHON_FLAGS)} -m {ENTRY_MODULE} "$@"\n'
    )


def install(mirror: Path | None = None, cli_config: Path | None = None) -> Installation:
    precompile()
    mirror = (mirror or default_mirror()).resolve()
    package_dir = mirror / SOURCE / __version__ / os_arch()
    package_dir.mkdir(parents=True, exist_ok=True)
    launcher = package_dir / f"terraform-provider-dellsc_v{__version__}"
    content = launcher_script(sys.executable)
    if not launcher.exists() or launcher.read_text() != content:
        launcher.write_text(content)
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    config = (cli_config or mirror.parent / "terraform.rc").resolve()
    config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {_hcl(str(mirror))}\n"
        f'    include = ["{SOURCE}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{SOURCE}"]\n'
        "  }\n"
        "}\n"
    )
    return Installation(launcher, config)


def _hcl(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
