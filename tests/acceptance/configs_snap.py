"""HCL snippets and state helpers for the snapshot, clone and snapshot-action tests."""

from __future__ import annotations

import json
from typing import Any

from tests.acceptance.harness import Terraform

PROVIDER = 'provider "dellsc" {}\n'


def hcl(value: object) -> str:
    """An HCL literal: strings quoted, references (starting `=`) verbatim, lists and numbers."""
    if isinstance(value, str):
        return value[1:] if value.startswith("=") else f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    return str(value)


def block(kind: str, type_name: str, label: str, **attributes: object) -> str:
    body = "\n".join(f"  {k} = {hcl(v)}" for k, v in attributes.items() if v is not None)
    return f'{kind} "{type_name}" "{label}" {{\n{body}\n}}\n'


def volume(label: str, name: str, size_gb: int, **attributes: object) -> str:
    return block("resource", "dellsc_volume", label, name=name, size_gb=size_gb, **attributes)


def snapshot(label: str, volume_ref: str, name: str, **attributes: object) -> str:
    return block(
        "resource", "dellsc_snapshot", label, volume_id=volume_ref, name=name, **attributes
    )


def state_values(tf: Terraform) -> dict[str, dict[str, Any]]:
    """Every resource and data source in state, by address, from one `terraform show -json`."""
    state = json.loads(tf.run("show", "-json").stdout)
    resources = state.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: dict(r["values"]) for r in resources}
