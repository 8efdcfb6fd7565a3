"""How the Terraform launcher starts the provider, and what makes that start fast.

The launcher `exec`s ``<python> PYTHON_FLAGS -m ENTRY_MODULE`` (`command`): no console-script
wrapper, so no entry-point metadata scanning. ``-B`` because a ``__pycache__`` written at run
time next to an extracted package would change its lock-file hash; ``-P`` keeps the user's
working directory off ``sys.path``. ``-I`` (and ``-S``) would save a few more milliseconds but
also drop user-site and ``PYTHONPATH`` installs, so they are not used.

Because of ``-B`` nothing is ever compiled for later processes: `precompile` writes the
bytecode of this package once, at install time, so that no provider process compiles our
sources again (Terraform starts three processes per plan and four per apply).
"""

from __future__ import annotations

import sys
from pathlib import Path

PYTHON_FLAGS = ("-B", "-P")
ENTRY_MODULE = "dellsc.main"


def command(python: str = sys.executable) -> list[str]:
    """The argv that starts the provider plugin with ``python``."""
    return [python, *PYTHON_FLAGS, "-m", ENTRY_MODULE]


def precompile() -> bool:
    """Write the bytecode of every module of this package (where it is installed); False if
    some could not be written, e.g. a read-only install (which then compiles at each start)."""
    import compileall

    package = Path(__file__).resolve().parents[1]
    return bool(compileall.compile_dir(package, quiet=2, workers=1))
