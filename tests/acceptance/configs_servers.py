"""HCL snippets for the server, mapping and data-source acceptance tests."""

from __future__ import annotations

PROVIDER = 'provider "dellsc" {}\n'


def _value(value: str | int | list[str]) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return value if value.startswith(("dellsc_", "data.")) else f'"{value}"'


def block(kind: str, type_name: str, label: str, **attributes: str | int | list[str]) -> str:
    """`resource`/`data` block; values starting with `dellsc_`/`data.` are references."""
    body = "\n".join(f"  {k} = {_value(v)}" for k, v in attributes.items())
    return f'{kind} "{type_name}" "{label}" {{\n{body}\n}}\n'


def server(label: str = "s", **attributes: str | int | list[str]) -> str:
    return block("resource", "dellsc_server", label, **attributes)


def volume(label: str = "v", name: str = "acc-mapped", size_gb: int = 1) -> str:
    return block("resource", "dellsc_volume", label, name=name, size_gb=size_gb)


def mapping(
    label: str = "m", volume_id: str = "dellsc_volume.v.id", server_id: str = "dellsc_server.s.id",
    **attributes: str | int | list[str],
) -> str:  # fmt: skip
    return block(
        "resource", "dellsc_volume_mapping", label,
        volume_id=volume_id, server_id=server_id, **attributes,
    )  # fmt: skip
