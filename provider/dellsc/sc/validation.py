"""Input checks done before anything is sent; failures raise ScValidationError."""

from __future__ import annotations

import re

from .errors import ScValidationError

MAX_VOLUME_NAME_LENGTH = 250
MAX_REPLAY_DESCRIPTION_LENGTH = 30
MAX_VOLUME_SIZE_GB = 500 * 1024  # a Storage Center volume is at most 500 TB (binary units)
MAX_MINUTES = 2**31 - 1  # the DSM's minute counters (expireTime) are Java ints
_INSTANCE_ID = re.compile(r"^[0-9]+(\.[0-9A-Za-z_-]+)*$")


def check_id(value: str, what: str = "instance id") -> str:
    """An instanceId safe to put in a URL path (`64702.101`), else ScValidationError."""
    if not isinstance(value, str) or not _INSTANCE_ID.match(value):
        raise ScValidationError(f"invalid {what} {value!r}: expected an id like '64702.101'")
    return value


def check_name(name: str, what: str = "volume name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ScValidationError(f"{what} must not be empty")
    if len(name) > MAX_VOLUME_NAME_LENGTH:
        raise ScValidationError(
            f"{what} is {len(name)} characters long; the limit is {MAX_VOLUME_NAME_LENGTH}"
        )
    return name


def check_size_gb(size_gb: int) -> int:
    if isinstance(size_gb, bool) or not isinstance(size_gb, int) or size_gb <= 0:
        raise ScValidationError(f"size_gb must be a positive whole number of GiB, got {size_gb!r}")
    if size_gb > MAX_VOLUME_SIZE_GB:
        raise ScValidationError(
            f"size_gb {size_gb} is larger than a volume can be ({MAX_VOLUME_SIZE_GB} GiB)"
        )
    return size_gb


def check_minutes(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES:
        raise ScValidationError(
            f"expire_minutes must be a whole number from 0 to {MAX_MINUTES}, got {minutes!r}"
        )
    return minutes


def replay_description(text: str) -> str:
    """The SC keeps about 30 characters of a replay description: truncate, don't reject."""
    return text[:MAX_REPLAY_DESCRIPTION_LENGTH]
