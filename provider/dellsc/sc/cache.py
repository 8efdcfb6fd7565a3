"""Per-process reads whose cost follows the configuration, not the array.

A plan reads the K objects of its configuration on an array that holds M. Each kind of object
is read through one `Reader` per client, which answers a read by key

- with a single fetch (a GET by id, or a GetList filtered on the id) while few were asked
  for: O(K) requests and memory when K is much smaller than M;
- from one bulk GetList of the Storage Center's objects once the single fetches made so far
  cost as much as that list would (`OBJECTS_PER_READ` objects of a list cost about one single
  fetch), or at once (`prefetch`, while Terraform builds its graph) when the Storage Center
  holds so few that the first wave of a refresh would cost more. As when renting skis, the
  total never exceeds twice the cheaper of the two ways, and a refresh of nearly every object
  costs O(1) requests.

Terraform reads each resource in a call of its own, concurrently, so K is never known in
advance: the switch is made on what was read so far. A key the bulk list lacks is fetched
singly (a list says nothing about what is gone). After any write the readers of the process
fetch singly for good: an apply reads back each object it changed, and a bulk list reloaded
after each write would cost O(M) per object.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

log = logging.getLogger("dellsc.sc")

V = TypeVar("V")

OBJECTS_PER_READ = 200
"""Objects of a bulk list that cost the DSM about as much as one single read (an estimate:
listing 8,000 volumes takes a DSM seconds, a single GET tens of milliseconds)."""
PREFETCH_READS = 10
"""Reads a refresh makes at once when it reads many (Terraform's default parallelism)."""
UNKNOWN_SIZE_READS = 50
"""Single reads after which a kind whose total the array does not tell is listed in bulk."""


def reads_before_listing(size: int | None) -> float:
    """Single reads after which one bulk list of `size` objects costs less: none when the
    list is short enough that even a refresh's first wave of single reads costs more,
    `UNKNOWN_SIZE_READS` when the size is unknown."""
    if size is None:
        return UNKNOWN_SIZE_READS
    if size <= PREFETCH_READS * OBJECTS_PER_READ:
        return 0
    return size / OBJECTS_PER_READ


class BulkCache(Generic[V]):
    """Answers `get(key)` from one bulk load; concurrent misses wait for that single load.

    A load that overlaps an `invalidate()` is used by its caller but not kept, so a write can
    never be hidden by a list fetched before it finished. After the first `invalidate()`,
    `get` answers None (fetch it yourself) instead of loading again.
    """

    def __init__(self) -> None:
        self._load_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._items: Mapping[str, V] | None = None
        self._generation = 0

    @property
    def loaded(self) -> Mapping[str, V] | None:
        """What the last load found, or None (not loaded, or dropped by a write)."""
        return self._items

    @property
    def dropped(self) -> bool:
        """True once a write has dropped the cache: it never loads again."""
        return self._generation > 0

    def get(self, key: str, load: Callable[[], Mapping[str, V]]) -> V | None:
        items = self._items
        if items is None:
            if self._generation:
                return None
            with self._load_lock:
                items = self._items
                if items is None:
                    generation = self._generation
                    items = load()
                    with self._state_lock:
                        if generation == self._generation:
                            self._items = items
        return items.get(key)

    def invalidate(self) -> None:
        with self._state_lock:
            self._generation += 1
            self._items = None


class Reader(Generic[V]):
    """Reads of one kind by key, singly or from one bulk list, whichever costs less so far.

    `bulk()` maps every key of the Storage Center to its value (None: this kind is never
    listed in bulk); `size()` estimates how many objects that list holds (None: unknown).
    """

    def __init__(
        self,
        name: str,
        bulk: Callable[[], Mapping[str, V]] | None,
        size: Callable[[], int | None] | None = None,
    ) -> None:
        self.name = name
        self._bulk = bulk
        self._size = size
        self._cache: BulkCache[V] = BulkCache()
        self._lock = threading.Lock()
        self._singles = 0
        self._threshold: float | None = None
        self._failed = False

    def get(self, key: str, one: Callable[[str], V]) -> V:
        """The value for `key`: from the bulk list when it is loaded (or now worth loading)
        and holds the key, else from `one(key)`."""
        if self._bulk is not None and not self._cache.dropped:
            loaded = self._cache.loaded
            if loaded is None and not self._failed and self._worth_listing():
                try:
                    found = self._cache.get(key, self._bulk)
                except Exception:  # the single fetch below reports what is wrong
                    log.debug("bulk read of %s failed; reading singly", self.name, exc_info=True)
                    self._failed = True
                else:
                    if found is not None:
                        return found
            elif loaded is not None and key in loaded:
                return loaded[key]
        with self._lock:
            self._singles += 1
        return one(key)

    def prefetch(self) -> None:
        """Load the bulk list now if even the first wave of a refresh would cost more."""
        if self._bulk is None or self._cache.dropped or self._cache.loaded is not None:
            return
        if self._failed or self._reads_before_listing() > 0:
            return
        try:
            self._cache.get("", self._bulk)
        except Exception:  # the reads will fetch singly and report what is wrong
            log.debug("prefetch of %s failed", self.name, exc_info=True)
            self._failed = True

    def invalidate(self) -> None:
        """A write happened: drop the list and read singly from now on."""
        self._cache.invalidate()

    def _worth_listing(self) -> bool:
        with self._lock:
            singles = self._singles
        return singles >= self._reads_before_listing()

    def _reads_before_listing(self) -> float:
        """Single reads after which the bulk list is cheaper: none when even a refresh's
        first wave would cost more (reads then wait for the list, as after a prefetch)."""
        if self._threshold is None:
            size = None
            if self._size is not None:
                try:
                    size = self._size()
                except Exception:  # an estimate only: without it, reads are counted
                    log.debug("size of %s unknown", self.name, exc_info=True)
            self._threshold = reads_before_listing(size)
        return self._threshold


class Readers:
    """The readers of one client (one Storage Center), made on first use; after a write,
    new ones start reading singly too."""

    def __init__(self) -> None:
        self._readers: dict[str, Reader[Any]] = {}
        self._memo: dict[str, Any] = {}
        self._memo_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._written = False

    def reader(self, name: str, make: Callable[[], Reader[V]]) -> Reader[V]:
        with self._lock:
            found = self._readers.get(name)
            if found is None:
                found = self._readers[name] = make()
                if self._written:
                    found.invalidate()
            return found

    def memo(self, key: str, load: Callable[[], V]) -> V:
        """`load()`, kept until the next write (after one, always loaded afresh); concurrent
        first calls share one load."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]  # type: ignore[no-any-return]
            written = self._written
            key_lock = self._memo_locks.setdefault(key, threading.Lock())
        if written:
            return load()
        with key_lock:
            with self._lock:
                if key in self._memo:
                    return self._memo[key]  # type: ignore[no-any-return]
            value = load()
            with self._lock:
                if not self._written:
                    self._memo[key] = value
            return value

    def invalidate(self) -> None:
        with self._lock:
            self._written = True
            readers = list(self._readers.values())
            self._memo.clear()
        for reader in readers:
            reader.invalidate()
