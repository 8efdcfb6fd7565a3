"""Wire-format helpers: errors, sizes, dates, references, case-insensitive bodies and SSNs."""

from __future__ import annotations

import datetime as _dt
import re
from contextvars import ContextVar
from typing import Any

GIB = 1024**3
_UNITS = {"bytes": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": GIB, "tb": 1024**4, "pb": 1024**5}
# at most 30 digits: every size that long is over the maximum, and a number of thousands of
# digits is too long for Python to read
_SIZE_RE = re.compile(r"^\s*(-?\d{1,30}(?:\.\d+)?)\s*([A-Za-z]*)\s*$")

Doc = dict[str, Any]


class ApiError(Exception):
    """A DSM error reply: HTTP status plus the `{"result": message}` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(kind: str, instance_id: str) -> ApiError:
    return ApiError(404, f"{kind} '{instance_id}' was not found")


def java_double_bytes(value: int) -> str:
    """Format a byte count like Java's `Double.toString` plus the unit: `1.073741824E9 Bytes`."""
    if value < 10**7:
        return f"{value}.0 Bytes"
    digits = str(value)
    exponent = len(digits) - 1
    mantissa = digits.rstrip("0")
    fraction = mantissa[1:] or "0"
    return f"{mantissa[0]}.{fraction}E{exponent} Bytes"


# the largest volume a Storage Center makes (SCOS 7: 500 TB, binary units)
MAX_VOLUME_BYTES = 500 * 1024**4


def parse_size(value: Any, field: str) -> int:
    """Parse an input size (`"10 GB"`, `"1 TB"`, `"512 MB"`, `"1073741824 Bytes"`) to bytes."""
    if not isinstance(value, str):
        raise bad_request(f"{field} must be a string such as '10 GB', got {value!r}")
    match = _SIZE_RE.match(value)
    if match is None:
        raise bad_request(f"{field} '{value}' is not a size such as '10 GB'")
    number, unit = match.groups()
    factor = _UNITS.get((unit or "bytes").lower())
    if factor is None:
        raise bad_request(f"{field} '{value}' has an unknown unit '{unit}'")
    if "." in number:
        raise bad_request(f"{field} '{value}' must be a whole number of {unit}")
    size = int(number) * factor
    if size <= 0:
        raise bad_request(f"{field} '{value}' must be greater than zero")
    if size > MAX_VOLUME_BYTES:
        raise bad_request(f"{field} '{value}' exceeds the maximum volume size of 500 TB")
    return size


# How far the array's clock is ahead of this machine's (`POST /_emulator/clock`): set per
# request by the app, so emulators sharing a process keep their own.
CLOCK_OFFSET: ContextVar[_dt.timedelta] = ContextVar("clock_offset", default=_dt.timedelta())


def clock() -> _dt.datetime:
    """The array's current time, in its own zone (the one place the emulator reads it)."""
    return _dt.datetime.now().astimezone() + CLOCK_OFFSET.get()


def now_iso() -> str:
    return clock().replace(microsecond=0).isoformat()


def minutes_from_now_iso(minutes: int) -> str:
    moment = clock() + _dt.timedelta(minutes=minutes)
    return moment.replace(microsecond=0).isoformat()


def is_past(iso: str) -> bool:
    """True once the ISO-8601 moment (as written by this module) has come."""
    return _dt.datetime.fromisoformat(iso) <= clock()


def epoch_iso() -> str:
    """The "never" date: the Unix epoch in the server's zone."""
    return _dt.datetime.fromtimestamp(0).astimezone().isoformat()


def ref(instance_id: str, name: str, object_type: str) -> Doc:
    return {"instanceId": instance_id, "instanceName": name, "objectType": object_type}


def ref_of(doc: Doc) -> Doc:
    return ref(doc["instanceId"], doc["instanceName"], doc["objectType"])


def parse_ssn(value: Any, field: str) -> int:
    """Accept an SSN as a JSON integer or a decimal string."""
    if isinstance(value, bool):
        raise bad_request(f"{field} must be a Storage Center serial number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip())
    raise bad_request(f"{field} must be a Storage Center serial number, got {value!r}")


def parse_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_request(f"{field} must be a boolean, got {value!r}")


def parse_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise bad_request(f"{field} must be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{field} must be an integer, got {value!r}") from None


class Body:
    """A JSON request body read with case-insensitive keys."""

    def __init__(self, data: Any) -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise bad_request("The request body must be a JSON object")
        self.raw: Doc = data
        self._keys = {str(k).lower(): k for k in data}

    def has(self, key: str) -> bool:
        return key.lower() in self._keys

    def get(self, key: str, default: Any = None) -> Any:
        real = self._keys.get(key.lower())
        return default if real is None else self.raw[real]

    def require(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise bad_request(f"Missing required attribute '{key}'")
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.require(key) if required else self.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise bad_request(f"{key} must be a string, got {value!r}")
        return value

    def sub(self, key: str) -> Body:
        return Body(self.get(key) or {})
