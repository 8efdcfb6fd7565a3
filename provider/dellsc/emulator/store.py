"""SQLite-backed object store with an in-memory working copy and undo-log transactions.

Every object is one JSON document in table `objects`, keyed by collection (the object's base
kind, e.g. `ScServer` for `ScPhysicalServer`) and `instanceId`. Counters for id allocation live
in table `meta`. At start the whole table is loaded into dictionaries; a `Txn` mutates those
dictionaries directly, keeps an undo log, and on success writes the touched rows to SQLite in
one SQLite transaction. On any exception the undo log restores memory and nothing is written,
so a failed request changes nothing.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Doc = dict[str, Any]
_MISSING: Any = object()


def id_order(oid: str) -> tuple[tuple[int, int, str], ...]:
    """Natural order of dotted ids (`64702.9` before `64702.10`)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in oid.split("."))


def _row_order(row: tuple[str, str, str]) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    return row[0], id_order(row[1])


class Store:
    """All emulated objects; use `transaction()` for every read or write."""

    def __init__(self, path: str) -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS objects (coll TEXT NOT NULL, id TEXT NOT NULL,"
            " doc TEXT NOT NULL, PRIMARY KEY (coll, id))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
        )
        self.objects: dict[str, dict[str, Doc]] = {}
        rows = sorted(self._db.execute("SELECT coll, id, doc FROM objects"), key=_row_order)
        for coll, oid, doc in rows:
            self.objects.setdefault(coll, {})[oid] = json.loads(doc)
        self.meta: dict[str, int] = dict(self._db.execute("SELECT key, value FROM meta"))

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Txn]:
        with self.lock:
            txn = Txn(self)
            try:
                yield txn
            except BaseException:
                txn.rollback()
                raise
            txn.commit()

    def dump(self) -> Doc:
        """A deterministic JSON-able copy of every object and counter."""
        with self.lock:
            return {
                "meta": dict(sorted(self.meta.items())),
                "objects": {
                    coll: {oid: self.objects[coll][oid] for oid in sorted(self.objects[coll])}
                    for coll in sorted(self.objects)
                    if self.objects[coll]
                },
            }


class Txn:
    """One unit of work over a `Store`; see the module docstring."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._undo: dict[tuple[str, str], Any] = {}
        self._meta_undo: dict[str, Any] = {}

    def get(self, coll: str, oid: str) -> Doc | None:
        """The stored document; treat it as read-only (use `edit` to change it)."""
        return self._store.objects.get(coll, {}).get(oid)

    def edit(self, coll: str, oid: str) -> Doc | None:
        """A private copy of the document to modify and `put` back."""
        doc = self.get(coll, oid)
        return None if doc is None else copy.deepcopy(doc)

    def all(self, coll: str) -> list[Doc]:
        return list(self._store.objects.get(coll, {}).values())

    def put(self, coll: str, doc: Doc) -> Doc:
        oid = doc["instanceId"]
        table = self._store.objects.setdefault(coll, {})
        self._undo.setdefault((coll, oid), table.get(oid, _MISSING))
        table[oid] = doc
        return doc

    def delete(self, coll: str, oid: str) -> None:
        table = self._store.objects.get(coll, {})
        if oid in table:
            self._undo.setdefault((coll, oid), table[oid])
            del table[oid]

    def next_id(self, key: str, start: int = 1) -> int:
        meta = self._store.meta
        self._meta_undo.setdefault(key, meta.get(key, _MISSING))
        value = meta.get(key, start - 1) + 1
        meta[key] = value
        return value

    def rollback(self) -> None:
        for (coll, oid), old in self._undo.items():
            table = self._store.objects.setdefault(coll, {})
            if old is _MISSING:
                table.pop(oid, None)
            else:
                table[oid] = old
        for key, old_value in self._meta_undo.items():
            if old_value is _MISSING:
                self._store.meta.pop(key, None)
            else:
                self._store.meta[key] = old_value

    def commit(self) -> None:
        if not self._undo and not self._meta_undo:
            return
        db = self._store._db
        objects = self._store.objects
        db.execute("BEGIN")
        try:
            for coll, oid in self._undo:
                doc = objects.get(coll, {}).get(oid)
                if doc is None:
                    db.execute("DELETE FROM objects WHERE coll = ? AND id = ?", (coll, oid))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO objects (coll, id, doc) VALUES (?, ?, ?)",
                        (coll, oid, json.dumps(doc, separators=(",", ":"))),
                    )
            for key in self._meta_undo:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (key, self._store.meta[key]),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            self.rollback()
            raise
