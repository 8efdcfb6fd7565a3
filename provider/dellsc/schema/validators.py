"""Value validators named in schema files: `{"length_between": [1, 250]}` and friends.

Each takes the attribute's known, non-null value and the argument from the schema file, and
returns a message (naming the rule the value broke) or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from dellsc.tf.masks import display_url

Validator = Callable[[Any, Any], str | None]


def _length_between(value: Any, bounds: list[int]) -> str | None:
    low, high = bounds
    if not low <= len(value) <= high:
        return f"must be between {low} and {high} characters long, got {len(value)}"
    return None


def _one_of(value: Any, choices: list[str]) -> str | None:
    if value not in choices:
        return f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}"
    return None


def _at_least(value: Any, low: int) -> str | None:
    return None if value >= Decimal(low) else f"must be at least {low}, got {value}"


def _at_most(value: Any, high: int) -> str | None:
    return None if value <= Decimal(high) else f"must be at most {high}, got {value}"


def _whole_number(value: Any, _: Any) -> str | None:
    return None if value == value.to_integral_value() else f"must be a whole number, got {value}"


def _regex(value: Any, pattern: str) -> str | None:
    return None if re.fullmatch(pattern, value) else f"must match {pattern!r}, got {value!r}"


def _is_regex(value: Any, _: Any) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    return None


def _url(value: Any, schemes: list[str]) -> str | None:
    """A URL with one of `schemes` and a host; never with user info. Messages show the URL
    with anything that may be a secret masked."""
    shown = display_url(value)
    if "@" in value:
        return (
            "must not contain a user name or password (user info before '@'); set username "
            f"and password instead, got {shown!r}"
        )
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        return f"must be a URL like {schemes[0]}://host:port, got {shown!r}"
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return f"has an invalid port: {shown!r}"
    return None


def _duration(value: Any, bounds: Any) -> str | None:
    """A duration; with `[low, high]` (seconds) also within those bounds."""
    seconds = parse_duration(value)
    if seconds is None:
        return f"must be a duration like 90s, 10m or 1h, got {value!r}"
    if isinstance(bounds, list):
        low, high = bounds
        if not low <= seconds <= high:
            return f"must be between {_seconds_text(low)} and {_seconds_text(high)}, got {value!r}"
    return None


def _seconds_text(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


def _not_blank(value: Any, _: Any) -> str | None:
    return None if value.strip() else "must not be empty or only whitespace"


def _folder_path(value: Any, _: Any) -> str | None:
    """A folder path `a/b` (or `/`, the root): no blank, `.` or `..` level."""
    if value == "/":
        return None
    parts = [p for p in value.split("/") if p]
    if not parts:
        return f"must name a folder, such as prod/db, or be / for the root, got {value!r}"
    for part in parts:
        if not part.strip():
            return f"has a folder name that is only whitespace: {value!r}"
        if part.strip() in (".", ".."):
            return f"must not contain '.' or '..' levels (folders are not directories): {value!r}"
    return None


def _each(check: Validator, *, echo: bool = True) -> Validator:
    """`check` on every element; `echo=False` names the element by position, not value."""

    def run(values: Any, arg: Any) -> str | None:
        for index, v in enumerate(values):
            msg = check(v, arg)
            if msg:
                return f"element {v!r} {msg}" if echo else f"element {index + 1} {msg}"
        return None

    return run


def parse_duration(text: str) -> float | None:
    """Seconds in a Terraform-style duration (`90s`, `10m`, `1h30m`), or None if malformed."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", text.strip())
    if not text.strip() or not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


VALIDATORS: dict[str, Validator] = {
    "length_between": _length_between,
    "one_of": _one_of,
    "at_least": _at_least,
    "at_most": _at_most,
    "whole_number": _whole_number,
    "regex": _regex,
    "is_regex": _is_regex,
    "url": _url,
    "duration": _duration,
    "not_blank": _not_blank,
    "folder_path": _folder_path,
    "each_length_between": _each(_length_between),
    "each_regex": _each(_regex),
    "each_url": _each(_url, echo=False),
}
