"""Value validators named in schema files: `{"length_between": [1, 250]}` and friends.

Each rule is a check and a description. The check takes the attribute's known, non-null value
and the argument from the schema file, and returns a message (a sentence fragment in words,
never a pattern: "must be ...") or None. The description (`describe`) is what the generated
docs print as the attribute's rules, so docs and checks cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from dellsc.tf.masks import display_url

Validator = Callable[[Any, Any], str | None]

# The largest value the DSM's integer fields hold (Java int): serial numbers, minutes.
MAX_INT32 = 2**31 - 1
MAX_NAME_LEVEL = 250  # longest name of one object (volume, server, folder level) on the array
# iSCSI names (RFC 3720 §3.2.6, RFC 3721, RFC 3722): the stringprep profile folds case and
# leaves only letters, digits, '-', '.' and ':' of ASCII; at most 223 bytes.
MAX_ISCSI_NAME_BYTES = 223
_IQN = re.compile(r"iqn\.(\d{4})-(\d{2})\.([a-z0-9][a-z0-9.-]*)(:.*)?", re.I | re.S)
_EUI = re.compile(r"eui\.[0-9a-f]{16}", re.I)
_ISCSI_CHARS = re.compile(r"[a-z0-9.:-]", re.I)
_WWN = re.compile(r"[0-9a-f]{16}", re.I)
_CHAR_NAMES = {
    "\n": "a newline", "\r": "a carriage return", "\t": "a tab", "\x00": "NUL", " ": "a space",
}  # fmt: skip
# instance IDs: <serial number>.<index>[.<index>]
INSTANCE_IDS = {
    "volume": (re.compile(r"\d+\.\d+"), "64702.101"),
    "server": (re.compile(r"\d+\.\d+"), "64702.47"),
    "server cluster": (re.compile(r"\d+\.\d+"), "64702.12"),
    "consistency group": (re.compile(r"\d+\.\d+"), "64702.11"),
    "snapshot": (re.compile(r"\d+\.\d+\.\d+"), "64702.101.3"),
}


def _show(value: Any) -> str:
    """A value as a message quotes it (control characters visible, long values cut)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + "…" + text[-12:]


def _char(ch: str) -> str:
    name = _CHAR_NAMES.get(ch) or unicodedata.name(ch, "").lower()
    return f"{name} (U+{ord(ch):04X})".lstrip()


def hidden_character(text: str, allowed: str = "") -> str | None:
    """A message about the first control or invisible formatting character in `text`
    (newline, tab, NUL, line separator, zero-width space, bidi override ...), or None."""
    for index, ch in enumerate(text):
        if ch in allowed:
            continue
        category = unicodedata.category(ch)
        where = f"found {_char(ch)} at character {index + 1}"
        if category in ("Cc", "Zl", "Zp"):
            return f"must not contain control characters such as a newline, tab or NUL; {where}"
        if category == "Cf":
            return f"must not contain invisible formatting characters; {where}"
    return None


# -- checks ---------------------------------------------------------------------------------


def _length_between(value: Any, bounds: list[int]) -> str | None:
    low, high = bounds
    if not low <= len(value) <= high:
        return f"must be between {low} and {high} characters long, got {len(value)}"
    return None


def _name(value: Any, bounds: list[int]) -> str | None:
    """The name of an array object: length, not blank, no hidden characters, no edge spaces."""
    if not value.strip():
        return "must not be empty or only whitespace"
    return (
        _length_between(value, bounds)
        or hidden_character(value)
        or (
            "must not start or end with a space (the array shows names as typed, so "
            f"{_show(value)} and {_show(value.strip())} would look alike)"
            if value != value.strip()
            else None
        )
    )


def _printable(value: Any, _: Any) -> str | None:
    return hidden_character(value)


def _notes(value: Any, _: Any) -> str | None:
    """Free text: tabs and line breaks are fine, other control characters are not."""
    return hidden_character(value, allowed="\t\n\r")


def _one_of(value: Any, choices: list[str]) -> str | None:
    if value not in choices:
        return f"must be one of {', '.join(repr(c) for c in choices)}, got {_show(value)}"
    return None


def _at_least(value: Any, low: int) -> str | None:
    return None if value >= Decimal(low) else f"must be at least {low}, got {value}"


def _at_most(value: Any, high: int) -> str | None:
    return None if value <= Decimal(high) else f"must be at most {high}, got {value}"


def _whole_number(value: Any, _: Any) -> str | None:
    return None if value == value.to_integral_value() else f"must be a whole number, got {value}"


def _regex(value: Any, rule: list[str]) -> str | None:
    pattern, meaning = rule
    return None if re.fullmatch(pattern, value) else f"must be {meaning}, got {_show(value)}"


def _instance_id(value: Any, kind: str) -> str | None:
    pattern, example = INSTANCE_IDS[kind]
    if pattern.fullmatch(value):
        return None
    return f"must be a {kind} instance ID such as {example}, got {_show(value)}"


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
        return f"must be a duration like 90s, 10m or 1h, got {_show(value)}"
    if isinstance(bounds, list):
        low, high = bounds
        if not low <= seconds <= high:
            return (
                f"must be between {_seconds_text(low)} and {_seconds_text(high)}, "
                f"got {_show(value)}"
            )
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
    """`a/b` (a leading or trailing `/` is ignored), or `/` for the root folder. Every level
    is a folder name: not empty, not `.` or `..`, no `\\`, no hidden characters."""
    if value == "/":
        return None
    inner = value.removeprefix("/").removesuffix("/")
    if not inner:
        return f"must name a folder, such as prod/db, or be / for the root, got {_show(value)}"
    for level in inner.split("/"):
        problem = _folder_level(level)
        if problem:
            return f"{problem} (in {_show(value)})"
    return None


def _folder_level(level: str) -> str | None:
    if not level:
        return "must not have an empty folder name between two slashes"
    if not level.strip():
        return "must not have a folder name that is only whitespace"
    if level in (".", ".."):
        return (
            f"must not contain a {level!r} level: folders are names on the array, not "
            "directories, so '.' and '..' would create folders of that name"
        )
    if "\\" in level:
        return "must separate folders with '/', not '\\'"
    if len(level) > MAX_NAME_LEVEL:
        return f"must not have a folder name longer than {MAX_NAME_LEVEL} characters"
    hidden = hidden_character(level)
    if hidden:
        return hidden
    if level != level.strip():
        return f"must not have a folder name that starts or ends with a space ({level!r})"
    return None


def _iscsi_name(value: Any, _: Any) -> str | None:
    """An iSCSI initiator name (RFC 3720 §3.2.6.3): `iqn.` or `eui.` form."""
    shown = _show(value)
    hidden = hidden_character(value)
    if hidden:
        return hidden
    if len(value.encode()) > MAX_ISCSI_NAME_BYTES:
        return (
            f"must be at most {MAX_ISCSI_NAME_BYTES} bytes long (RFC 3720), "
            f"got {len(value.encode())}: {shown}"
        )
    lowered = value.lower()
    if lowered.startswith("eui."):
        if _EUI.fullmatch(value):
            return None
        return f"must be eui. followed by 16 hex digits, such as eui.02004567A425678D, got {shown}"
    if not lowered.startswith("iqn."):
        return (
            "must be an iSCSI name: iqn.<yyyy-mm>.<reversed domain>[:<unique part>], such as "
            f"iqn.1993-08.org.debian:01:abc, or eui.<16 hex digits>; got {shown}"
        )
    bad = next((ch for ch in value if not _ISCSI_CHARS.fullmatch(ch)), None)
    if bad is not None:
        return (
            f"must hold only letters, digits, '-', '.' and ':' (RFC 3722), but {shown} "
            f"contains {_char(bad) if bad.isspace() or not bad.isprintable() else repr(bad)}"
        )
    match = _IQN.fullmatch(value)
    if match is None:
        return (
            "must be iqn.<yyyy-mm>.<reversed domain>[:<unique part>], such as "
            f"iqn.1993-08.org.debian:01:abc, got {shown}"
        )
    if not 1 <= int(match.group(2)) <= 12:
        return f"must have a date yyyy-mm with a month from 01 to 12, got {shown}"
    return None


def _wwpn(value: Any, _: Any) -> str | None:
    if _WWN.fullmatch(value):
        return None
    if _WWN.fullmatch(value.replace(":", "").replace("-", "")):
        return (
            "must be written as 16 hex digits without separators, such as "
            f"{value.replace(':', '').replace('-', '').lower()}, got {_show(value)}"
        )
    return f"must be 16 hex digits, such as 21000024ff30441d, got {_show(value)}"


def _distinct_ignoring_case(values: Any, what: str) -> str | None:
    seen: dict[str, str] = {}
    for value in values:
        key = str(value).casefold()
        if key in seen:
            return (
                f"lists {_show(seen[key])} and {_show(value)}, which are the same: {what} "
                "are compared ignoring case"
            )
        seen[key] = str(value)
    return None


def _each(check: Validator, *, echo: bool = True) -> Validator:
    """`check` on every element; `echo=False` names the element by position, not value."""

    def run(values: Any, arg: Any) -> str | None:
        for index, v in enumerate(values):
            msg = check(v, arg)
            if msg:  # name the element unless the message already quotes it
                if not echo:
                    return f"element {index + 1} {msg}"
                return msg if _show(v) in msg else f"element {_show(v)} {msg}"
        return None

    return run


def parse_duration(text: str) -> float | None:
    """Seconds in a Terraform-style duration (`90s`, `10m`, `1h30m`), or None if malformed."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", text.strip())
    if not text.strip() or not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


# -- descriptions (for the docs) -------------------------------------------------------------


def _number(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


@dataclass(frozen=True)
class Rule:
    check: Validator
    describe: Callable[[Any], str]


_NAME_TEXT = "no control characters (newline, tab, NUL ...) or invisible formatting characters"
_ISCSI_TEXT = (
    "an iSCSI name (RFC 3720): `iqn.<yyyy-mm>.<reversed domain>[:<unique part>]` of letters, "
    "digits, `-`, `.` and `:`, or `eui.` and 16 hex digits; at most 223 bytes"
)
RULES: dict[str, Rule] = {
    "length_between": Rule(_length_between, lambda a: f"{a[0]} to {a[1]} characters"),
    "name": Rule(
        _name,
        lambda a: (
            f"{a[0]} to {a[1]} characters, not blank, {_NAME_TEXT}, no leading or trailing space"
        ),
    ),
    "printable": Rule(_printable, lambda _: _NAME_TEXT),
    "notes": Rule(_notes, lambda _: "no control characters other than tab and line breaks"),
    "one_of": Rule(_one_of, lambda a: "one of " + ", ".join(f"`{c}`" for c in a)),
    "at_least": Rule(_at_least, lambda a: f"at least {_number(a)}"),
    "at_most": Rule(_at_most, lambda a: f"at most {_number(a)}"),
    "whole_number": Rule(_whole_number, lambda _: "a whole number"),
    "regex": Rule(_regex, lambda a: str(a[1])),
    "instance_id": Rule(
        _instance_id, lambda k: f"a {k} instance ID such as `{INSTANCE_IDS[k][1]}`"
    ),
    "is_regex": Rule(_is_regex, lambda _: "a valid regular expression"),
    "url": Rule(_url, lambda a: f"a URL such as `{a[0]}://host:port`"),
    "duration": Rule(
        _duration,
        lambda a: (
            "a duration such as `90s`, `10m` or `1h`"
            + (
                f", from {_seconds_text(a[0])} to {_seconds_text(a[1])}"
                if isinstance(a, list)
                else ""
            )
        ),
    ),
    "not_blank": Rule(_not_blank, lambda _: "not blank"),
    "folder_path": Rule(
        _folder_path,
        lambda _: (
            "a folder path such as `prod/db` (or `/` for the root): folder names "
            "separated by `/`, none empty, `.`, `..` or longer than 250 characters, no `\\`, "
            f"{_NAME_TEXT}"
        ),
    ),
    "distinct_ignoring_case": Rule(
        _distinct_ignoring_case, lambda w: f"no two {w} that differ only in case"
    ),
    "each_length_between": Rule(
        _each(_length_between), lambda a: f"each {a[0]} to {a[1]} characters"
    ),
    "each_name": Rule(
        _each(_name),
        lambda a: (
            f"each {a[0]} to {a[1]} characters, not blank, {_NAME_TEXT}, no leading or "
            "trailing space"
        ),
    ),
    "each_url": Rule(_each(_url, echo=False), lambda a: f"each a URL such as `{a[0]}://host:port`"),
    "each_instance_id": Rule(
        _each(_instance_id), lambda k: f"each a {k} instance ID such as `{INSTANCE_IDS[k][1]}`"
    ),
    "each_iscsi_name": Rule(_each(_iscsi_name), lambda _: f"each {_ISCSI_TEXT}"),
    "each_wwpn": Rule(
        _each(_wwpn), lambda _: "each 16 hex digits without separators (`21000024ff30441d`)"
    ),
}
VALIDATORS: dict[str, Validator] = {name: rule.check for name, rule in RULES.items()}


def describe(validators: tuple[tuple[str, Any], ...]) -> str:
    """The rules of one attribute in words, for its docs line ('' when it has none)."""
    return "; ".join(RULES[name].describe(arg) for name, arg in validators)
