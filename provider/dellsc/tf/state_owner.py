"""Which Terraform state this provider process works for, as a short stable identity.

The provider marks what it creates with this identity (see `dellsc.resources.marks`), so that
a create can tell its own object, left by an interrupted earlier run, from one that another
configuration or workspace manages. Terraform does not tell a provider which state it uses;
this is derived from the working context Terraform gives the plugin: the backend recorded by
`terraform init` in `<data dir>/terraform.tfstate` (its type and settings, never its secrets)
and the selected workspace, or, for local state, the state file's path. Only a hash is kept.
Set the provider's `owner` argument (or DELLSC_OWNER) to pin it, e.g. before migrating state
to another backend.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

# backend settings that are credentials (or hold them) rather than say where the state is
_SECRET = re.compile(
    r"pass|secret|token|credential|access_key|sas|private|certificate|client_key|session|"
    r"auth|headers|encrypt|kms|sse_customer",
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")
OWNER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"


def _data_dir(cwd: Path) -> Path:
    configured = os.environ.get("TF_DATA_DIR")
    return cwd / (configured or ".terraform")


def _workspace(data_dir: Path) -> str:
    chosen = os.environ.get("TF_WORKSPACE")
    if chosen:
        return chosen
    try:
        return (data_dir / "environment").read_text().strip() or "default"
    except OSError:
        return "default"


def _public(value: Any) -> Any:
    """Backend settings without credentials: secret-looking keys and URL user info go."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in sorted(value.items()) if not _SECRET.search(k)}
    if isinstance(value, list):
        return [_public(v) for v in value]
    if isinstance(value, str):
        return _USERINFO.sub("", value)
    return value


def _backend(data_dir: Path) -> tuple[str, Any] | None:
    """(type, settings) of the backend `terraform init` recorded, or None (local state)."""
    try:
        recorded = json.loads((data_dir / "terraform.tfstate").read_text())
    except (OSError, ValueError):
        return None
    backend = recorded.get("backend") if isinstance(recorded, dict) else None
    if not isinstance(backend, dict) or not backend.get("type"):
        return None
    return str(backend["type"]), backend.get("config") or {}


def derive(cwd: str | None = None) -> str:
    """The identity of the state this process works for: 16 hex digits."""
    where = Path(cwd or os.getcwd()).resolve()
    data_dir = _data_dir(where)
    workspace = _workspace(data_dir)
    backend = _backend(data_dir)
    if backend is None or backend[0] == "local":
        settings = backend[1] if backend else {}
        path = settings.get("path") if isinstance(settings, dict) else None
        state = Path(path) if path else Path("terraform.tfstate")
        if not state.is_absolute():
            state = where / state
        basis: Any = ["local", str(state), workspace]
    else:
        basis = [backend[0], _public(backend[1]), workspace]
    text = json.dumps(basis, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def describe(owner: str) -> str:
    """How a message names an owner: a configured name as is, a derived one as an id."""
    return f"owner id {owner}" if re.fullmatch(r"[0-9a-f]{16}", owner) else f"owner {owner!r}"
