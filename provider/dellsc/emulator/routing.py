"""Route declarations: method + path template -> handler, with the success status (§3.9)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .model import Ctx
from .wire import Body

Handler = Callable[[Ctx, dict[str, str], Body], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    status: int = 200
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(regex + "$"))

    @property
    def mutating(self) -> bool:
        """Changes state, so it may run async (§2.1)."""
        return is_mutation(self.method, self.template)


def is_mutation(method: str, path: str) -> bool:
    """Whether a request may change state: not a GET, a GetList, Login or Logout (§2.1)."""
    if method == "GET" or path.endswith("/GetList"):
        return False
    return path not in ("ApiConnection/Login", "ApiConnection/Logout")


def route(method: str, template: str, status: int = 200) -> Callable[[Handler], Handler]:
    """Decorator collecting routes into `ROUTES` in declaration order."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, template, handler, status))
        ROUTES.sort(key=lambda r: "{kind}" in r.template)  # generic routes last (stable)
        return handler

    return register


ROUTES: list[Route] = []


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first specific route matching, else the first generic (`{kind}`) one."""
    for candidate in ROUTES:
        if candidate.method != method:
            continue
        found = candidate.pattern.match(path)
        if found is not None:
            return candidate, found.groupdict()
    return None
