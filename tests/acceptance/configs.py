"""HCL snippets for acceptance tests."""

from __future__ import annotations


def volume(
    name: str = "acc-vol",
    size_gb: int | str = 2,
    *,
    label: str = "v",
    provider: str = 'provider "dellsc" {}\n',
    **attributes: str | int | list[str],
) -> str:
    """A provider block (configured by DELLSC_* variables) and one dellsc_volume."""
    lines = [f'  name    = "{name}"', f"  size_gb = {size_gb}"]
    for key, value in attributes.items():
        if isinstance(value, list):
            rendered = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        elif isinstance(value, int):
            rendered = str(value)
        else:
            rendered = f'"{value}"'
        lines.append(f"  {key} = {rendered}")
    body = "\n".join(lines)
    return f'{provider}\nresource "dellsc_volume" "{label}" {{\n{body}\n}}\n'
