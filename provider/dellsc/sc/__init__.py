"""Typed client for the Dell Storage Center REST API (through DSM or direct).

    from dellsc.sc import ScClient, ScConfig
    with ScClient(ScConfig(endpoint="https://dsm:3033", username="Admin", password="...")) as c:
        c.connect()
        volume = c.create_volume("data", 10)

Layers: `session` (HTTP, login, retries) -> `tasks` (async protocol) -> per-area mixins
(`volumes`, `folders`, `profiles`, `replays`, `servers`, `groups`, `replication`) -> `client`.
Errors are in `errors`, reply models in `models`.
"""

from . import errors, models
from .client import ScClient
from .config import RetryPolicy, ScConfig
from .validation import MAX_REPLAY_DESCRIPTION_LENGTH, MAX_VOLUME_NAME_LENGTH
from .volumes import PROFILE_KINDS

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
