"""Limits that keep one client from hurting the emulator: body size and time, JSON depth,
sessions, the memory of the request log. (Connections: `listeners`.)

A DSM is a shared server: it refuses oversized bodies before reading them, reads no body
before the request is authenticated, answers malformed or absurdly nested JSON with a 400,
and ends sessions that sit idle. The emulator does the same, so the tools users test against
it see the same failures.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

MAX_BODY_BYTES = 8 * 1024 * 1024
BODY_TIMEOUT_S = 30.0
MAX_JSON_DEPTH = 64
SESSION_IDLE_S = 30 * 60.0
MAX_SESSIONS = 500
MAX_LOGGED_REQUESTS = 10000
MAX_LOG_BYTES = 8 * 1024 * 1024  # bodies kept by the request log, in all
MAX_LOGGED_BODY = 64 * 1024  # a larger body is logged by its size only

Receive = Callable[[], Awaitable[dict[str, Any]]]


class BodyTooLarge(Exception):
    """The request body is (or announces itself as) larger than the limit."""


class BodyTimeout(Exception):
    """The request body did not arrive within the time allowed."""


class BadJson(ValueError):
    """The body is not JSON, or nests deeper than MAX_JSON_DEPTH."""


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The `content-length` a request announces (None: none, or not a number)."""
    value = headers.get("content-length", "").strip()
    return int(value) if value.isdigit() and len(value) <= 20 else None


def has_body(headers: Mapping[str, str]) -> bool:
    """Whether a request announces a body."""
    return bool(declared_length(headers)) or "transfer-encoding" in headers


async def read_body(
    receive: Receive,
    limit: int = MAX_BODY_BYTES,
    timeout: float = BODY_TIMEOUT_S,
    announced: bool = True,
) -> bytes:
    """The request body; BodyTooLarge as soon as the received size passes `limit`,
    BodyTimeout when it is not all there after `timeout` seconds. A request that announces
    no body (`announced=False`: no content-length, no chunks) is complete already."""
    if not announced:
        return bytes((await receive()).get("body", b""))
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(size)
                chunks.append(chunk)
                if not message.get("more_body"):
                    return b"".join(chunks)
    except TimeoutError:
        raise BodyTimeout(size) from None


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
    except (ValueError, RecursionError):  # also a number with more digits than Python reads
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

    def end_where(self, prefix: str) -> None:
        """End every session whose token starts with `prefix`."""
        for token in [t for t in self._last if t.startswith(prefix)]:
            del self._last[token]

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


class RequestLog:
    """The recent DSM requests, for `GET /_emulator/requests`: at most `max_entries`, and at
    most `max_bytes` of bodies in all (the oldest go first). A body is kept as the bytes that
    arrived, up to `max_body` (a larger one only by its size), and decoded when listed."""

    def __init__(
        self,
        max_entries: int = MAX_LOGGED_REQUESTS,
        max_bytes: int = MAX_LOG_BYTES,
        max_body: int = MAX_LOGGED_BODY,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._entries: deque[tuple[dict[str, Any], bytes]] = deque(maxlen=max_entries)
        self._bytes = 0
        self._seq = itertools.count(1)

    @property
    def body_bytes(self) -> int:
        """Body bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: dict[str, Any], raw: bytes) -> None:
        """Record one request (`entry` holds what is listed besides the body)."""
        entry["seq"] = next(self._seq)
        if len(raw) > self.max_body:
            entry["body_bytes"] = len(raw)
            raw = b""
        if len(self._entries) == self._entries.maxlen:
            self._bytes -= len(self._entries[0][1])
        self._entries.append((entry, raw))
        self._bytes += len(raw)
        while self._bytes > self.max_bytes:
            self._bytes -= len(self._entries.popleft()[1])

    def listing(self) -> list[dict[str, Any]]:
        out = []
        for entry, raw in self._entries:
            try:
                body = loads(raw)
            except BadJson:
                body = None
            out.append({**entry, "body": body})
        return out

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
