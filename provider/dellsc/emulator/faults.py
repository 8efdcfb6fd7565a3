"""Fault injection: rules matched against DSM requests (admin `/_emulator/faults`, `--fault`)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from .wire import Body, bad_request, parse_int

ACTIONS = (
    "status",
    "delay",
    "drop",
    "task_fail",
    "expire_session",
    "lost_reply",
    "lose_reply",
    "delay_reply",
)
# actions a rule with target "poll" can take on the polls of the task its request started
POLL_ACTIONS = ("status", "delay", "drop")
# actions that let the request run (and commit) first, then act on its reply
AFTER_ACTIONS = frozenset({"lost_reply", "lose_reply", "delay_reply"})
# the optional fields each action reads; a listing shows only these
_USES: dict[str, tuple[str, ...]] = {
    "status": ("status", "message"),
    "delay": ("delay_s",),
    "drop": (),
    "task_fail": ("status", "message"),
    "expire_session": (),
    "lost_reply": (),
    "lose_reply": (),  # another name of lost_reply
    "delay_reply": ("delay_s",),
}


@dataclass
class Fault:
    """Fire on the `nth` matching request and then on `count` matching requests in all."""

    id: int
    method: str | None
    path: re.Pattern[str]
    action: str
    status: int = 503
    message: str = "Injected fault"
    nth: int = 1
    count: int = 1
    delay_s: float = 0.5
    body: re.Pattern[str] | None = None
    target: str = "request"
    endpoint: int | None = None  # only requests that came in on this endpoint
    hits: int = 0
    fired: int = 0

    def describe(self) -> dict[str, Any]:
        """The rule as listed: the fields its action uses, never the unused defaults."""
        used = {name: getattr(self, name) for name in _USES[self.action]}
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path.pattern,
            "action": self.action,
            **used,
            **({"body": self.body.pattern} if self.body is not None else {}),
            **({"target": self.target} if self.target != "request" else {}),
            **({"endpoint": self.endpoint} if self.endpoint is not None else {}),
            "nth": self.nth,
            "count": self.count,
            "hits": self.hits,
            "fired": self.fired,
        }


@dataclass
class FaultBook:
    """All active fault rules; thread-safe."""

    faults: list[Fault] = field(default_factory=list)
    _next: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, spec: Any) -> Fault:
        body = Body(spec)
        action = str(body.get("action", "status"))
        if action not in ACTIONS:
            raise bad_request(f"action must be one of {', '.join(ACTIONS)}")
        method = body.get("method")
        try:
            path = re.compile(str(body.get("path", ".*")))
            text = body.get("body")
            body_re = re.compile(str(text)) if text is not None else None
        except re.error as exc:
            raise bad_request(f"path or body is not a valid regular expression: {exc}") from None
        target = str(body.get("target", "request"))
        if target not in ("request", "poll"):
            raise bad_request("target must be 'request' or 'poll'")
        if target == "poll" and action not in POLL_ACTIONS:
            raise bad_request(f"a poll fault's action must be one of {', '.join(POLL_ACTIONS)}")
        endpoint = body.get("endpoint")
        endpoint = None if endpoint is None else parse_int(endpoint, "endpoint")
        status = parse_int(body.get("status", 503), "status")
        nth = parse_int(body.get("nth", 1), "nth")
        count = parse_int(body.get("count", 1), "count")
        try:
            delay = float(body.get("delay_s", 0.5))
        except (TypeError, ValueError):
            raise bad_request("delay_s must be a number of seconds") from None
        if not 100 <= status <= 599 or nth < 1 or count < 1 or not 0 <= delay <= 300:
            raise bad_request("status must be 100-599, nth and count >= 1, delay_s 0-300")
        with self._lock:
            fault = Fault(
                id=self._next,
                method=str(method).upper() if method else None,
                path=path,
                action=action,
                status=status,
                message=str(body.get("message") or f"Injected fault ({action})"),
                nth=nth,
                count=count,
                delay_s=delay,
                body=body_re,
                target=target,
                endpoint=endpoint,
            )
            self._next += 1
            self.faults.append(fault)
        return fault

    def add_text(self, text: str) -> Fault:
        """A `--fault` option: a JSON object."""
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--fault must be a JSON object: {exc}") from None
        return self.add(spec)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self.faults]

    def fire(self, method: str, path: str, body: str = "", endpoint: int = 0) -> list[Fault]:
        """Count a request against every rule; the rules that fire for it.

        A rule with target "poll" fires once, on its nth matching request; `count` then says
        how many polls of that request's task it acts on.
        """
        fired = []
        with self._lock:
            for fault in self.faults:
                if fault.method not in (None, method) or not fault.path.search(path):
                    continue
                if fault.endpoint not in (None, endpoint):
                    continue
                if fault.body is not None and not fault.body.search(body):
                    continue
                fault.hits += 1
                limit = 1 if fault.target == "poll" else fault.count
                if fault.hits >= fault.nth and fault.fired < limit:
                    fault.fired += 1
                    fired.append(fault)
        return fired
