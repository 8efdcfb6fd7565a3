"""Imports point one way: server -> resources -> sc; the emulator and the client never meet.

The value model and diagnostics (`dellsc.tf`) are leaves; only the entry point imports server/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "provider" / "dellsc"
FORBIDDEN = {
    "tf": ("dellsc",),
    "resources": ("dellsc.server", "dellsc.emulator", "dellsc.provider", "dellsc.tools"),
    "data_sources": ("dellsc.server", "dellsc.emulator", "dellsc.provider", "dellsc.tools"),
    "actions": ("dellsc.server", "dellsc.emulator", "dellsc.provider", "dellsc.tools"),
    "list_resources": ("dellsc.server", "dellsc.emulator", "dellsc.provider", "dellsc.tools"),
    # functions are pure: they run on an unconfigured provider and never reach the array
    "functions": (
        "dellsc.server",
        "dellsc.emulator",
        "dellsc.provider",
        "dellsc.tools",
        "dellsc.sc",
        "dellsc.resources",
        "dellsc.data_sources",
        "dellsc.actions",
        "dellsc.list_resources",
    ),
    "sc": ("dellsc.emulator", "dellsc.resources", "dellsc.server", "dellsc.schema"),
    "emulator": ("dellsc.sc", "dellsc.resources", "dellsc.server", "dellsc.schema"),
    "schema": ("dellsc.sc", "dellsc.emulator", "dellsc.resources", "dellsc.server"),
    "server": ("dellsc.sc", "dellsc.emulator", "dellsc.provider", "dellsc.resources.volume"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_imports_point_one_way(room: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / room).rglob("*.py"))
        if "_gen" not in path.parts
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[room])
    ]
    assert offenders == []


def test_only_the_entry_point_imports_the_server() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "server" not in path.relative_to(PACKAGE).parts
        and path.name not in ("main.py", "benchfloor.py")  # the two plugin entry points
        for name in _imports(path)
        if name == "dellsc.server" or name.startswith("dellsc.server.")
    ]
    assert offenders == []


def test_top_level_holds_the_rooms_and_entry_points_only() -> None:
    """Command-line tools live in dellsc.tools; the top level shows the provider's rooms."""
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "cli.py", "host.py", "main.py", "provider.py"]
