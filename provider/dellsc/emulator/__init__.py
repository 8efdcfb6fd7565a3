"""Dell Storage Manager REST API emulator: a real HTTP(S) server over SQLite state.

Independent of `dellsc.sc` by design (written from the reference, so the client and the
emulator cannot share a bug). Public surface: `EmulatorOptions`, `EmulatorServer`; the
`dellsc emulator` command is `dellsc.emulator.cli.main`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .options import EmulatorOptions

if TYPE_CHECKING:
    from .server import EmulatorServer

__all__ = ["EmulatorOptions", "EmulatorServer"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package (e.g. for the CLI parser) does not load uvicorn.
    if name == "EmulatorServer":
        from .server import EmulatorServer

        return EmulatorServer
    raise AttributeError(name)
