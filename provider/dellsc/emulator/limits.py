"""Limits that keep one client from hurting the emulator: body size, JSON depth, sessions.

A DSM is a shared server: it refuses oversized bodies before reading them, answers malformed
or absurdly nested JSON with a 400, and ends sessions that sit idle. The emulator does the
same, so the tools users test against it see the same failures.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_JSON_DEPTH = 64
SESSION_IDLE_S = 30 * 60.0
MAX_SESSIONS = 500

Receive = Callable[[], Awaitable[dict[str, Any]]]


class BodyTooLarge(Exception):
    """The request body is (or announces itself as) larger than the limit."""


class BadJson(ValueError):
    """The body is not JSON, or nests deeper than MAX_JSON_DEPTH."""


async def read_body(scope: dict[str, Any], receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body; BodyTooLarge as soon as the declared or received size passes `limit`
    (a declared `content-length` is checked before anything is read)."""
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = 0
            if declared > limit:
                raise BodyTooLarge(declared)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def loads(raw: bytes) -> Any:
    """Decoded JSON (None for an empty body); BadJson when malformed or nested too deep.

    The depth is measured on the raw text before parsing, so a 100,000-deep body costs one
    linear scan and never reaches the recursive parser.
    """
    if not raw.strip():
        return None
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _depth(raw) > MAX_JSON_DEPTH:
        raise BadJson(f"The request body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise BadJson("The request body is not valid JSON") from None


def _depth(raw: bytes) -> int:
    """The deepest nesting of `[`/`{` outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


class Sessions:
    """Live session cookies: idle ones expire, and past `cap` the least recently used ends.

    Supports what a set of tokens did (`add`, `discard`, `clear`, `in`, `len`); a membership
    test that finds a live session counts as its use.
    """

    def __init__(self, idle_s: float = SESSION_IDLE_S, cap: int = MAX_SESSIONS) -> None:
        self.idle_s = idle_s
        self.cap = cap
        self._last: OrderedDict[str, float] = OrderedDict()

    def add(self, token: str) -> None:
        self._expire()
        self._last[token] = time.monotonic()
        while len(self._last) > self.cap:
            self._last.popitem(last=False)

    def discard(self, token: str) -> None:
        self._last.pop(token, None)

    def clear(self) -> None:
        self._last.clear()

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str) or token not in self._last:
            return False
        now = time.monotonic()
        if now - self._last[token] > self.idle_s:
            del self._last[token]
            return False
        self._last[token] = now
        self._last.move_to_end(token)
        return True

    def __len__(self) -> int:
        self._expire()
        return len(self._last)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle_s
        while self._last:
            token, last = next(iter(self._last.items()))
            if last >= cutoff:
                return
            del self._last[token]
