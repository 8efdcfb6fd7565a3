"""Fault injection: rules matched against DSM requests (admin `/_emulator/faults`, `--fault`)."""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterable, Mapping
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
# an instance id in a path or body: `64702.101`, `64702.101.3`
INSTANCE_ID = re.compile(r"(?<![\w.])\d+(?:\.\d+)+(?![\w.])")
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


def subject_names(objects: Mapping[str, Mapping[str, Any]], path: str, body: str) -> list[str]:
    """The names of the objects a request refers to by instance id (in its path or body):
    each object's own name and those of the objects it refers to (its volume, server, ...).

    `objects` maps a collection to its documents by instance id."""
    names: dict[str, None] = {}
    for instance_id in dict.fromkeys(INSTANCE_ID.findall(f"{path} {body}")):
        for docs in objects.values():
            doc = docs.get(instance_id)
            if doc is not None:
                names.update(dict.fromkeys(_names_in(doc)))
    return list(names)


def _names_in(doc: Mapping[str, Any]) -> Iterable[str]:
    for key in ("name", "instanceName"):
        if isinstance(doc.get(key), str):
            yield doc[key]
    for value in doc.values():
        if isinstance(value, dict) and isinstance(value.get("instanceName"), str):
            yield value["instanceName"]


@dataclass
class Fault:
    """Fire on the `nth` matching request and then on `count` matching requests in all
    (each with `probability`)."""

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
    subject: re.Pattern[str] | None = None  # searched in the body and the names it refers to
    probability: float = 1.0
    rng: random.Random = field(default_factory=random.Random, repr=False)
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
            **({"subject": self.subject.pattern} if self.subject is not None else {}),
            **({"probability": self.probability} if self.probability < 1 else {}),
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
            text = body.get("subject")
            subject = re.compile(str(text)) if text is not None else None
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
        try:
            probability = float(body.get("probability", 1.0))
        except (TypeError, ValueError):
            raise bad_request("probability must be a number from 0 to 1") from None
        if not 0 <= probability <= 1:
            raise bad_request("probability must be a number from 0 to 1")
        seed = parse_int(body.get("seed", 0), "seed")
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
                subject=subject,
                probability=probability,
                rng=random.Random(seed),  # noqa: S311 - a fault pattern, not a secret
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

    def fire(
        self,
        method: str,
        path: str,
        body: str = "",
        endpoint: int = 0,
        names: Iterable[str] = (),
    ) -> list[Fault]:
        """Count a request against every rule; the rules that fire for it. `names` are those
        of the objects the request refers to (`subject_names`).

        A rule with target "poll" fires once, on its nth matching request; `count` then says
        how many polls of that request's task it acts on. A rule with a `probability` below 1
        fires on each request it could fire on with that probability (seeded: the same
        requests in the same order meet the same decisions).
        """
        subject = body + "\n" + "\n".join(names)
        fired = []
        with self._lock:
            for fault in self.faults:
                if fault.method not in (None, method) or not fault.path.search(path):
                    continue
                if fault.endpoint not in (None, endpoint):
                    continue
                if fault.body is not None and not fault.body.search(body):
                    continue
                if fault.subject is not None and not fault.subject.search(subject):
                    continue
                fault.hits += 1
                limit = 1 if fault.target == "poll" else fault.count
                if fault.hits < fault.nth or fault.fired >= limit:
                    continue
                if fault.probability >= 1 or fault.rng.random() < fault.probability:
                    fault.fired += 1
                    fired.append(fault)
        return fired
