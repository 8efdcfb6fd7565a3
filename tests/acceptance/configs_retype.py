"""HCL for the retype and migration tests: one volume on a two-SC DSM."""

from __future__ import annotations

from typing import Any

HOME_SSN = 64702
OTHER_SSN = 64703


def retype_volume(name: str, **attributes: Any) -> str:
    """A provider bound to SC 64702 (DELLSC_* for the rest) and one `dellsc_volume.v`."""
    lines = [f'  name    = "{name}"', "  size_gb = 2"]
    for key, value in attributes.items():
        if isinstance(value, list):
            rendered = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        elif isinstance(value, int):
            rendered = str(value)
        else:
            rendered = f'"{value}"'
        lines.append(f"  {key} = {rendered}")
    body = "\n".join(lines)
    return (
        f'provider "dellsc" {{\n  ssn = {HOME_SSN}\n}}\n\n'
        f'resource "dellsc_volume" "v" {{\n{body}\n}}\n'
    )
