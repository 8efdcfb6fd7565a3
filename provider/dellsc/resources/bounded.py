"""Independent work over many objects, at most `parallelism` at a time (a DSM answers each
request in tens to hundreds of milliseconds; one at a time, a failover of hundreds of volumes
would be minutes of downtime)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_PARALLELISM = 8


@dataclass(frozen=True)
class Done(Generic[T, R]):
    """One item's outcome: its result, or the exception it raised."""

    item: T
    result: R | None
    error: Exception | None


def each(items: Iterable[T], work: Callable[[T], R], parallelism: int) -> list[Done[T, R]]:
    """`work` on every item, `parallelism` at a time; outcomes in the items' order. One
    item's failure does not stop the others."""
    todo = list(items)

    def run(item: T) -> Done[T, R]:
        try:
            return Done(item, work(item), None)
        except Exception as exc:  # reported per item by the caller
            return Done(item, None, exc)

    if len(todo) <= 1 or parallelism <= 1:
        return [run(item) for item in todo]
    with ThreadPoolExecutor(max_workers=min(parallelism, len(todo))) as pool:
        return list(pool.map(run, todo))


def together(*work: Callable[[], object]) -> None:
    """Run independent steps of one object at once (each one request, e.g. to two Storage
    Centers); once all have ended, raise the first one's error, if any."""
    for done in each(work, lambda step: step(), len(work)):
        if done.error is not None:
            raise done.error
