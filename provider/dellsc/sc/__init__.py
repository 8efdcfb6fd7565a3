"""Typed client for the Dell Storage Center REST API (through DSM or direct).

    from dellsc.sc import ScClient, ScConfig
    with ScClient(ScConfig(endpoint="https://dsm:3033", username="Admin", password="...")) as c:
        c.connect()
        volume = c.create_volume("data", 10)

Layers: `session` (HTTP, login, retries) -> `tasks` (async protocol) -> per-area mixins
(`volumes`, `folders`, `profiles`, `replays`, `servers`, `groups`, `replication`) -> `client`.
Errors are in `errors`, reply models in `models`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import errors, models
    from .client import ScClient
    from .config import RetryPolicy, ScConfig
    from .validation import MAX_REPLAY_DESCRIPTION_LENGTH, MAX_VOLUME_NAME_LENGTH
    from .volumes import PROFILE_KINDS

# Loaded on first use: requests and pydantic cost ~200 ms, which Terraform's schema and
# validate processes never need (they never talk to the array).
_LAZY = {
    "MAX_REPLAY_DESCRIPTION_LENGTH": ".validation",
    "MAX_VOLUME_NAME_LENGTH": ".validation",
    "PROFILE_KINDS": ".volumes",
    "RetryPolicy": ".config",
    "ScClient": ".client",
    "ScConfig": ".config",
}


def __getattr__(name: str) -> Any:
    if name in ("errors", "models"):
        return import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_REPLAY_DESCRIPTION_LENGTH",
    "MAX_VOLUME_NAME_LENGTH",
    "PROFILE_KINDS",
    "RetryPolicy",
    "ScClient",
    "ScConfig",
    "errors",
    "models",
]
