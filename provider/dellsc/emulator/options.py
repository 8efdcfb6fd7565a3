"""Settings shared by the CLI and the Python API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EmulatorOptions:
    """How to run one emulator; mirrors the `dellsc emulator` flags.

    `faults` holds fault specs (dicts, or JSON strings as given to `--fault`).
    `reported_api_version` None means the high end of `api_versions`. `iscsi_mode` is the
    seeded `ScConfiguration.iscsiTransportMode`: `VirtualPort` or `Legacy` (§5.18). Sessions
    idle for `session_idle_s` expire; past `max_sessions` live ones, the least recently used
    ends. `lun_conflict` "next" maps at the lowest free LUN when a `PreferredLun` is taken,
    whatever `UseNextAvailable` says ("refuse": a 400 unless it is true). `drifts` rename or
    retype a field of one object type in every reply (dicts or JSON strings, see `drift.py`).
    `secondary_ports` add endpoints (other DSMs over the same arrays; 0 = a free port).
    At most `max_connections` are open at a time; a TLS handshake or request head must
    complete within `header_timeout_s`, a request body within `body_timeout_s`.
    """

    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True
    state: str = ":memory:"
    ssns: tuple[int, ...] = (64702,)
    username: str = "Admin"
    password: str = "emulator"
    api_versions: tuple[str, str] = ("2.0", "4.1")
    reported_api_version: str | None = None
    direct: bool = False
    preload_volumes: int = 0
    task_polls: int = 1
    iscsi_mode: str = "VirtualPort"
    faults: tuple[Any, ...] = ()
    session_idle_s: float = 1800.0
    max_sessions: int = 500
    lun_conflict: str = "refuse"
    drifts: tuple[Any, ...] = ()
    secondary_ports: tuple[int, ...] = ()
    max_connections: int = 256
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0

    def __repr__(self) -> str:
        # Never show the password.
        return f"EmulatorOptions(host={self.host!r}, port={self.port}, state={self.state!r})"
