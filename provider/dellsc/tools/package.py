"""`dellsc package`: the provider as one self-contained zip, ready for a provider mirror.

The zip holds a launcher and `lib/`: this package and every distribution it requires, copied
from the running installation (so the binary wheels are those of this platform and Python),
with bytecode compiled ahead (unchecked-hash `.pyc`, so the provider never writes into the
directory Terraform hashes). Terraform unpacks the zip itself, so nothing is unpacked again
at start-up; the target machine needs only the same Python version, never pip.

The output directory is both a packed filesystem mirror and a static provider network mirror:

    <out>/registry.terraform.io/dellsc/dellsc/index.json            versions
    <out>/registry.terraform.io/dellsc/dellsc/<version>.json        archives with h1:/zh: hashes
    <out>/registry.terraform.io/dellsc/dellsc/terraform-provider-dellsc_<v>_<os_arch>.zip
    <out>/registry.terraform.io/dellsc/dellsc/terraform-provider-dellsc_<v>_SHA256SUMS
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import py_compile
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import dellsc
from dellsc import __version__
from dellsc.tools.install import SOURCE, executable_name, os_arch
from dellsc.tools.launch import ENTRY_MODULE

DISTRIBUTION = "terraform-provider-dellsc"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_SKIPPED_METADATA = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


def launcher_script(version: str = __version__) -> str:
    """The zip's launcher: runs `lib/` with the supported Python, isolated from site-packages."""
    # -I: no PYTHON* variables, no user site; -S: no site-packages of the machine; -B: the
    # unpacked package stays byte-identical to its lock-file hash.
    return f"""#!/bin/sh
# terraform-provider-dellsc {version}, self-contained: needs {_PYTHON}, nothing installed.
here=${{0%/*}}  # no external command: PATH may hold nothing but Python
py=${{DELLSC_PYTHON:-}}
if [ -z "$py" ]; then
  py=$(command -v {_PYTHON}) || {{
    echo "panic: terraform-provider-dellsc {version} needs {_PYTHON} on PATH (or DELLSC_PYTHON)" >&2
    exit 1
  }}
fi
exec "$py" -I -S -B "$here/lib" "$@"
"""


MAIN = f"""import runpy

runpy.run_module({ENTRY_MODULE!r}, run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Package:
    zip_path: Path
    mirror: Path
    h1: str
    zh: str
    files: int

    def report(self) -> str:
        size = self.zip_path.stat().st_size / 1e6
        return "\n".join(
            [
                f"built {self.zip_path} ({size:.1f} MB, {self.files} files)",
                f"  {self.h1}",
                f"  {self.zh}",
                f"serve {self.mirror} over HTTPS as a provider network mirror, or use it as a",
                "filesystem mirror (docs/guides/install.md)",
            ]
        )


def requirement_closure(root: str = DISTRIBUTION) -> list[metadata.Distribution]:
    """The installed distributions `root` needs at run time (no extras), root first."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = _normal(todo.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for req in dist.requires or []:
            spec, _, marker = req.partition(";")
            if "extra" in marker:
                continue
            match = re.match(r"\s*([A-Za-z0-9._-]+)", spec)
            if match is None:
                continue
            try:
                metadata.distribution(match.group(1))
            except metadata.PackageNotFoundError:
                if marker.strip():
                    continue  # a marker that does not apply here (e.g. another Python)
                raise
            todo.append(match.group(1))
    return list(seen.values())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist_files(dist: metadata.Distribution) -> dict[str, Path]:
    """Files of one distribution under site-packages, by path relative to it."""
    out: dict[str, Path] = {}
    site = Path(str(dist.locate_file("")))
    for entry in dist.files or []:
        rel = str(entry)
        parts = Path(rel).parts
        if rel.startswith("..") or "__pycache__" in parts or rel.endswith((".pyc", ".pth")):
            continue
        if parts[0].endswith(".dist-info") and parts[-1] in _SKIPPED_METADATA:
            continue
        if parts[0].startswith("__editable__"):
            continue
        out[rel] = site / rel
    return out


def _package_files() -> dict[str, Path]:
    """This package's own files, also when it is installed in editable mode."""
    pkg = Path(dellsc.__file__).parent
    out: dict[str, Path] = {}
    for folder, dirs, names in os.walk(pkg, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in names:
            if not name.endswith(".pyc"):
                path = Path(folder) / name
                out[str(Path("dellsc") / path.relative_to(pkg))] = path
    return out


def collect() -> dict[str, Path]:
    """Every file of lib/, by relative path."""
    files: dict[str, Path] = {}
    for dist in requirement_closure():
        files.update(_dist_files(dist))
    files.update(_package_files())
    return files


def build(out: Path) -> Package:
    """Write the zip, SHA256SUMS and the network mirror JSON files under out."""
    name = f"terraform-provider-dellsc_{__version__}_{os_arch()}.zip"
    target = out / SOURCE
    target.mkdir(parents=True, exist_ok=True)
    zip_path = target / name
    with tempfile.TemporaryDirectory(prefix="dellsc-package-") as tmp:
        staged = _stage(Path(tmp))
        entries = sorted(staged)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for rel in entries:
                info = zipfile.ZipInfo(rel, _ZIP_DATE)
                info.external_attr = (0o100755 if rel == executable_name() else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, staged[rel].read_bytes())
    h1 = hash_h1(zip_path)
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    zh = f"zh:{digest}"
    (target / f"terraform-provider-dellsc_{__version__}_SHA256SUMS").write_text(
        f"{digest}  {name}\n"
    )
    _write_json(target / "index.json", {"versions": {__version__: {}}})
    archives = {os_arch(): {"url": name, "hashes": [h1, zh]}}
    _write_json(target / f"{__version__}.json", {"archives": archives})
    return Package(zip_path, out, h1, zh, len(entries))


def _stage(root: Path) -> dict[str, Path]:
    """Lay out the package in root (sources, compiled bytecode, launcher); rel path -> file."""
    staged: dict[str, Path] = {}
    lib = root / "lib"
    for rel, src in collect().items():
        dest = lib / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    (lib / "__main__.py").write_text(MAIN)
    for path in sorted(lib.rglob("*.py")):
        rel = path.relative_to(lib).as_posix()
        py_compile.compile(
            str(path),
            dfile=rel,
            doraise=False,
            quiet=2,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    for path in lib.rglob("*"):
        if path.is_file():
            staged[f"lib/{path.relative_to(lib).as_posix()}"] = path
    launcher = root / executable_name()
    launcher.write_text(launcher_script())
    staged[executable_name()] = launcher
    return staged


def hash_h1(zip_path: Path) -> str:
    """Terraform's `h1:` package hash (dirhash Hash1) of a zip's files."""
    lines = []
    with zipfile.ZipFile(zip_path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if not info.is_dir():
                digest = hashlib.sha256(archive.read(info)).hexdigest()
                lines.append(f"{digest}  {info.filename}\n")
    summary = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(summary).decode()


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
