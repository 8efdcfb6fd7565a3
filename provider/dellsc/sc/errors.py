"""Everything the SC client raises.

    ScError
    ├── ScTransportError          no usable reply (network, TLS, timeout waiting for the reply)
    │   ├── ScConnectError        nothing reached the array: always safe to retry
    │   │   └── ScTlsError        TLS handshake or certificate check failed
    │   ├── ScReadTimeout         request sent, no reply in time (also an ScTimeout)
    │   └── ScTaskLost            an accepted async task can no longer be followed
    ├── ScTimeout                 an overall deadline passed (async task, copy, request)
    ├── ScApiError                the array answered with an error: status, message, method, path
    │   ├── ScNotFound            404, or a lookup that matched nothing
    │   ├── ScConflict            the array refused because of the object's state (e.g. volume busy)
    │   ├── ScBadRequest          400
    │   ├── ScAuthError           401/403: bad credentials, expired session, no privilege
    │   ├── ScApiVersionError     no API version acceptable to both sides
    │   ├── ScTaskFailed          an async task ended in failure (or its poll failed)
    │   ├── ScStillExists         a delete was answered "not found" but the object is still there
    │   └── ScNotApplied          a change was accepted, but reading back shows it was not made
    └── ScValidationError         bad input caught before anything was sent (also a ValueError)

Messages carry what the array said; they never contain credentials.
"""

from __future__ import annotations


class ScError(Exception):
    """Base of everything the SC client raises. `task_id` names the async task involved, if
    any; `write` the change request (`POST StorageCenter/ScVolume`) that failed, if any."""

    task_id: str = ""
    write: str = ""


class ScTransportError(ScError):
    """No usable reply from the array: DNS, connect, TLS, dropped connection, read timeout."""


class ScConnectError(ScTransportError):
    """The connection could not be made, so nothing reached the array: safe to retry."""


class ScTlsError(ScConnectError):
    """TLS failed (usually certificate verification); retrying will not help."""


class ScTaskLost(ScTransportError):
    """The DSM that accepted an async task stopped answering before the task's end could be
    read (another DSM does not know the task): whether the change was made is unknown."""


class ScTimeout(ScError):
    """A deadline passed before the operation finished."""


class ScReadTimeout(ScTransportError, ScTimeout):
    """The request was sent but no reply came in time: its outcome is unknown."""


class ScApiError(ScError):
    """The array answered with an error (or a reply the client cannot use)."""

    def __init__(self, status: int, message: str, method: str = "", path: str = "") -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        super().__init__(status, message, method, path)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        prefix = f"{where} -> {self.status}" if where else f"HTTP {self.status}"
        return f"{prefix}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class ScNotFound(ScApiError):
    """The object does not exist (404), or a lookup by name matched nothing."""


class ScUnavailable(ScApiError):
    """The Storage Center holding the object is not reachable through the DSM (it is down or
    disconnected), so nothing can be said about the object."""


class ScConflict(ScApiError):
    """The array refused the change because of the object's state."""


class ScBadRequest(ScApiError):
    """The array rejected the request as malformed or invalid (400)."""


class ScAuthError(ScApiError):
    """Authentication or authorization failed (401/403)."""


class ScApiVersionError(ScApiError):
    """The DSM accepts no API version this client can negotiate (§1.5)."""


class ScTaskFailed(ScApiError):
    """An asynchronous task finished with a failure; `status` is that of the final poll."""


class ScStillExists(ScApiError):
    """The array said an object was gone (404 on DELETE or its task), but reading shows it."""


class ScNotApplied(ScApiError):
    """The array accepted a change, but reading back shows it did something else (or
    nothing); the message says what it did."""


class ScValidationError(ScError, ValueError):
    """Bad input detected client-side; nothing was sent to the array."""


_BY_STATUS: dict[int, type[ScApiError]] = {
    400: ScBadRequest,
    401: ScAuthError,
    403: ScAuthError,
    404: ScNotFound,
    409: ScConflict,
}


def outcome_unknown(exc: ScError) -> bool:
    """True when a failed write may still have changed the array: the request may have been
    carried out although no usable answer came back (lost or failed reply, failed poll,
    timeout, a 5xx). False when the array certainly did nothing: the connection was never made,
    the input was refused before sending, or the array answered the request itself with a 4xx.
    """
    if isinstance(exc, ScConnectError | ScValidationError):
        return False
    if isinstance(exc, ScTaskFailed):  # the task refused the change, or its poll failed
        return exc.status not in (400, 409)
    if isinstance(exc, ScApiError):
        return not 400 <= exc.status < 500
    return True


def error_for_status(status: int, message: str, method: str, path: str) -> ScApiError:
    """The most specific ScApiError for an HTTP status."""
    return _BY_STATUS.get(status, ScApiError)(status, message, method, path)
