"""Client settings: where the DSM is, how to trust it, how long to wait and when to retry."""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from dellsc.tf.masks import display_url

DEFAULT_PORT = 3033
API_PATH = "/api/rest"


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of requests that are safe to repeat, with full-jitter exponential backoff.

    Reads are retried on transport errors, `retry_statuses` and the DSM's transient
    "Unhandled Exception" 400; writes only when the connection could not be made at all.
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 4.0
    retry_statuses: frozenset[int] = frozenset({502, 503, 504})

    def delay(self, attempt: int) -> float:
        """Seconds to sleep before retry number `attempt` (1-based)."""
        return random.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Endpoint:
    """One DSM the client may use: its API base URL and the credentials it takes."""

    api_base: str
    username: str
    password: SecretStr


class ScConfig(BaseModel):
    """Connection settings of one ScClient. The password is a SecretStr: it never shows in reprs.

    `secondary_endpoints` are DSMs tried in order when `endpoint` does not answer; they take
    `secondary_username` / `secondary_password`, else the primary's.
    """

    # a rejected URL may hold a password: pydantic must not print the input in its errors
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    endpoint: str
    username: str
    password: SecretStr
    secondary_endpoints: tuple[str, ...] = ()
    secondary_username: str | None = None
    secondary_password: SecretStr | None = None
    ssn: int | None = None
    ca_file: str | None = None
    insecure: bool = False
    request_timeout: float = Field(default=30.0, gt=0)
    task_timeout: float = Field(default=600.0, gt=0)
    poll_interval: float = Field(default=1.0, gt=0)
    retry: RetryPolicy = RetryPolicy()

    @field_validator("endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        return check_endpoint(value)

    @field_validator("secondary_endpoints")
    @classmethod
    def _check_secondaries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_endpoint(v) for v in values)

    @property
    def api_base(self) -> str:
        """`https://host:port/api/rest/`: a missing scheme means https, a missing port 3033."""
        return api_base(self.endpoint)

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Every DSM in the order they are tried, the primary first."""
        user = self.secondary_username or self.username
        password = self.secondary_password or self.password
        return (Endpoint(self.api_base, self.username, self.password),) + tuple(
            Endpoint(api_base(url), user, password) for url in self.secondary_endpoints
        )

    @property
    def verify(self) -> bool | str:
        """The `verify` argument for requests: off, a CA file, or the default trust store."""
        if self.insecure:
            return False
        return self.ca_file or True


def check_endpoint(value: str) -> str:
    """`value` if it is a usable DSM URL; ValueError otherwise, with the URL shown masked."""
    if "@" in value:
        raise ValueError(
            "endpoint must not contain a user name or password; use username/password "
            f"(got {display_url(value)!r})"
        )
    parts = _split_endpoint(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(
            f"endpoint must be https://host[:port][/api/rest], got {display_url(value)!r}"
        )
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ValueError(f"endpoint has an invalid port: {display_url(value)!r}") from exc
    return value


def api_base(endpoint: str) -> str:
    """`https://host:port/api/rest/` for an endpoint URL (https and port 3033 by default)."""
    parts = _split_endpoint(endpoint)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH):
        path += API_PATH
    return f"{parts.scheme}://{host}:{parts.port or DEFAULT_PORT}{path}/"


def _split_endpoint(endpoint: str) -> SplitResult:
    """The endpoint's URL parts; an endpoint without a scheme is https."""
    return urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
