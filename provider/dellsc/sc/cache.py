"""Per-process read cache: objects by instanceId, filled by one bulk GetList, dropped on writes.

Bulk loading pays off for a refresh of many objects (a plan), not after writes (an apply,
where each answer would be a whole list fetched to read one object back): once a write has
dropped the cache, it stays empty and callers fetch single objects directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from .models import ScObject

T = TypeVar("T", bound=ScObject)


class BulkCache(Generic[T]):
    """Answers `get(id)` from one bulk load; concurrent misses wait for that single load.

    A load that overlaps an `invalidate()` is used by its caller but not kept, so a write can
    never be hidden by a list fetched before it finished. After the first `invalidate()`,
    `get` answers None (fetch it yourself) instead of loading again.
    """

    def __init__(self) -> None:
        self._load_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._items: dict[str, T] | None = None
        self._generation = 0

    def get(self, instance_id: str, load: Callable[[], list[T]]) -> T | None:
        items = self._items
        if items is None:
            if self._generation:
                return None
            with self._load_lock:
                items = self._items
                if items is None:
                    generation = self._generation
                    items = {item.instance_id: item for item in load()}
                    with self._state_lock:
                        if generation == self._generation:
                            self._items = items
        return items.get(instance_id)

    def invalidate(self) -> None:
        with self._state_lock:
            self._generation += 1
            self._items = None
