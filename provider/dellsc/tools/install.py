"""`dellsc install`: put this provider where `terraform init` finds it, with a stable hash.

The package Terraform hashes into `.terraform.lock.hcl` is one launcher script whose text
depends only on the provider version, so every machine and every install location yields the
same `h1:` hash. The launcher finds its Python in a pointer file outside the package
(`$XDG_CONFIG_HOME/dellsc/<version>/python`, or `DELLSC_PYTHON`), which `install` writes.

Where the package goes: with no `provider_installation` block in the user's CLI config,
Terraform searches its implied local mirror `~/.terraform.d/plugins`, so no setting is needed.
With such a block, the package goes to a dellsc mirror directory and `install` returns the
exact lines to add to that block; the user's CLI config is never rewritten.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dellsc import __version__
from dellsc.tools.launch import ENTRY_MODULE, PYTHON_FLAGS, precompile

SOURCE = "registry.terraform.io/dellsc/dellsc"
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_OWN_MARK = "# written by `dellsc install`"


def os_arch() -> str:
    machine = platform.machine().lower()
    return f"{platform.system().lower()}_{_ARCH.get(machine, machine)}"


def executable_name(version: str = __version__) -> str:
    return f"terraform-provider-dellsc_v{version}"


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def dellsc_mirror() -> Path:
    """The mirror used when the user's CLI config has its own provider_installation block."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "dellsc" / "terraform-mirror"


def implied_mirror() -> Path:
    """The local mirror directory Terraform searches when no provider_installation exists."""
    return Path.home() / ".terraform.d" / "plugins"


def user_cli_configs() -> list[Path]:
    """The CLI config files Terraform reads for this user (TF_CLI_CONFIG_FILE, else defaults)."""
    chosen = os.environ.get("TF_CLI_CONFIG_FILE")
    if chosen:
        return [Path(chosen)]
    home = Path.home()
    return [home / ".terraformrc", *sorted((home / ".terraform.d").glob("*.tfrc"))]


def has_provider_installation(files: list[Path]) -> Path | None:
    """The first file that holds a provider_installation block, if any."""
    pattern = re.compile(r"^\s*provider_installation\s*\{", re.MULTILINE)
    for path in files:
        if path.is_file() and pattern.search(path.read_text(errors="replace")):
            return path
    return None


def launcher_script(version: str = __version__) -> str:
    """The launcher: the same text on every machine; the Python comes from a pointer file."""
    # exec: Terraform SIGKILLs the process it started; a shell left in between would orphan
    # Python and hang Terraform. The interpreter flags and the entry module (named as a
    # module, never as a path on this machine) come from dellsc.tools.launch.
    return f"""#!/bin/sh
# terraform-provider-dellsc {version}: runs the Python installation `dellsc install` recorded.
py=${{DELLSC_PYTHON:-}}
pointer=${{XDG_CONFIG_HOME:-$HOME/.config}}/dellsc/{version}/python
if [ -z "$py" ] && [ -r "$pointer" ]; then
  IFS= read -r py < "$pointer"
fi
if [ -z "$py" ]; then
  echo "panic: terraform-provider-dellsc {version}: no Python recorded in $pointer." >&2
  echo "Run 'dellsc install' from the Python installation that has the provider." >&2
  exit 1
fi
exec "$py" {" ".join(PYTHON_FLAGS)} -m {ENTRY_MODULE} "$@"
"""


@dataclass(frozen=True)
class Installation:
    launcher: Path
    mirror: Path
    python: str
    pointer: Path
    cli_config: Path | None = None
    needs_lines_in: Path | None = None
    implied: bool = False

    @property
    def mirror_block(self) -> str:
        """The lines a provider_installation block needs for this mirror."""
        return (
            "  filesystem_mirror {\n"
            f"    path    = {_hcl(str(self.mirror))}\n"
            f'    include = ["{SOURCE}"]\n'
            "  }\n"
        )

    def report(self) -> str:
        """What `dellsc install` tells the user."""
        lines = [
            f"installed {SOURCE} {__version__} in {self.mirror}",
            f"the provider now runs {self.python} (recorded in {self.pointer})",
        ]
        if self.cli_config is not None:
            lines.append(f"export TF_CLI_CONFIG_FILE={self.cli_config}")
        elif self.implied:
            lines.append("terraform init finds it there (Terraform's implied local mirror)")
        else:
            where = self.needs_lines_in or "your CLI configuration"
            lines += [
                f"add these lines to the provider_installation block of {where},",
                f'and "{SOURCE}" to the exclude list of its direct {{}} block (if any):',
                "",
                self.mirror_block.rstrip("\n"),
            ]
        return "\n".join(lines)


def install(
    mirror: Path | None = None,
    cli_config: Path | None = None,
    *,
    python: str | None = None,
    pointer_home: Path | None = None,
) -> Installation:
    """Install the launcher; write a CLI config only to a path given here and owned by us."""
    precompile()  # bytecode next to our sources, not in the hashed package (dellsc.tools.launch)
    needs_lines_in, implied = None, False
    if mirror is None:
        needs_lines_in = has_provider_installation(user_cli_configs())
        implied = needs_lines_in is None
        mirror = implied_mirror() if implied else dellsc_mirror()
    mirror = mirror.absolute()
    launcher = write_launcher(mirror)
    python = python or sys.executable
    pointer = (pointer_home or config_home()) / "dellsc" / __version__ / "python"
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(python + "\n")
    if cli_config is not None:
        cli_config = cli_config.absolute()
        _write_own_cli_config(cli_config, mirror)
    return Installation(launcher, mirror, python, pointer, cli_config, needs_lines_in, implied)


def write_launcher(mirror: Path) -> Path:
    package_dir = mirror / SOURCE / __version__ / os_arch()
    package_dir.mkdir(parents=True, exist_ok=True)
    launcher = package_dir / executable_name()
    content = launcher_script()
    if not launcher.exists() or launcher.read_text() != content:
        launcher.write_text(content)
    launcher.chmod(0o755)
    return launcher


def _write_own_cli_config(path: Path, mirror: Path) -> None:
    if path.exists() and _OWN_MARK not in path.read_text(errors="replace"):
        raise FileExistsError(f"{path} exists and was not written by dellsc: not replacing it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"{_OWN_MARK}: only {SOURCE} comes from this mirror\n"
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


def _hcl(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
