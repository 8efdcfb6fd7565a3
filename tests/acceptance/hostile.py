"""Hostile inputs as HCL, and Terraform's diagnostics read back per resource and argument.

`hcl` writes any Python string as an HCL literal (newlines, NUL, line separators escaped),
so a test can hand Terraform exactly the characters it means to. `diagnostics` splits the
output of a command into its diagnostics with the resource address and the argument each is
anchored at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class Raw(str):
    """An HCL expression, written as is (a reference such as `dellsc_volume.v.id`)."""


def hcl(value: Any) -> str:
    """A Python value as an HCL literal; strings escaped so any character reaches Terraform."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {hcl(v)}" for k, v in value.items()) + " }"
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in str(value):
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def block(kind: str, type_name: str, label: str, **attributes: Any) -> str:
    """`resource`/`data` block with HCL-escaped values (`Raw` for expressions)."""
    body = "\n".join(f"  {k} = {hcl(v)}" for k, v in attributes.items())
    return f'{kind} "{type_name}" "{label}" {{\n{body}\n}}\n'


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "Error" or "Warning"
    summary: str
    address: str  # `dellsc_volume.v`, `provider[...]`, or "" when not anchored
    argument: str  # the argument of the source line shown, or "" (a whole block)
    detail: str  # the text, unwrapped


_BLOCK = re.compile(r"^(Error|Warning): (.*)$", re.M)


def diagnostics(output: str) -> list[Diagnostic]:
    """The diagnostics of a Terraform output (`-no-color`), boxes and wrapping undone."""
    text = "\n".join(line.replace("│", "").rstrip() for line in output.splitlines())
    text = re.sub(r"^[╷╵]\s*$", "", text, flags=re.M)
    marks = list(_BLOCK.finditer(text))
    found = []
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        body = text[mark.end() : end]
        address = re.search(r"^\s*with (\S+?),?$", body, re.M)
        source = re.search(r"^\s*\d+:\s+([A-Za-z_][A-Za-z0-9_]*)\s*=", body, re.M)
        lines = [
            line.strip()
            for line in body.splitlines()
            if line.strip() and not re.match(r"\s*(with |on \S+ line \d+|\d+:|\(and )", line)
        ]
        found.append(
            Diagnostic(
                severity=mark.group(1),
                summary=mark.group(2).strip(),
                address=address.group(1) if address else "",
                argument=source.group(1) if source else "",
                detail=" ".join(lines),
            )
        )
    return found


def at(found: list[Diagnostic], address: str, argument: str) -> list[Diagnostic]:
    """The error diagnostics anchored at one argument of one resource."""
    return [
        d
        for d in found
        if d.severity == "Error" and d.address == address and d.argument == argument
    ]
