"""One resource per array object within one configuration, checked while Terraform plans.

Terraform plans every resource of a configuration in one provider process (in any order),
but never tells a provider their addresses. Each plan registers what it claims here: a create
the *key* of the object it will make (kind, scope and name, e.g. a volume's SC, folder and
name) and the object it would adopt, if any; an existing resource the object it holds, under
its current and planned keys. A claim that collides with an earlier one gets an error, so
whichever of two colliding resources plans second fails the plan:

- two creates of one key (two resources with one name);
- a create of a key that an existing resource holds (a new resource with the name of an
  existing one, or an address renamed without a `moved` block);
- a create that would adopt an object an existing resource holds;
- the destroy of an object that another resource keeps (e.g. a mapping imported twice: its
  destroy would unmap the host the other one still presents it to).

A replacement is one resource: its create half names the object it replaces, which never
collides with it and is never adopted.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

Key = tuple[str, ...]


@dataclass(frozen=True)
class _Claim:
    what: str  # how messages name the object, e.g. "volume 'db01' in folder 'a'"
    object_id: str | None  # held or adopted object
    create: bool
    replaces: str | None = None
    destroy: bool = False


class Claims:
    """The claims of one plan (one provider process); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[Key, list[_Claim]] = {}
        self._by_id: dict[str, list[_Claim]] = {}

    def creating(
        self, key: Key, what: str, *, adopts: str | None = None, replaces: str | None = None
    ) -> str | None:
        """Register a create; a message when it collides with an earlier claim."""
        claim = _Claim(what, adopts, True, replaces)
        with self._lock:
            for other in self._by_key.get(key, []):
                if other.create:
                    return (
                        f"Two resources of this configuration create {what}. Give each its "
                        "own name."
                    )
                if other.object_id != replaces:
                    return _held_message(what, other.object_id)
            if adopts is not None:
                for other in self._by_id.get(adopts, []):
                    if not other.create and adopts != replaces:
                        return _held_message(what, adopts)
            self._by_key.setdefault(key, []).append(claim)
            if adopts is not None:
                self._by_id.setdefault(adopts, []).append(claim)
        return None

    def holding(
        self, keys: Sequence[Key], what: str, object_id: str, *, destroy: bool = False
    ) -> str | None:
        """Register an existing resource's object under its keys (prior and planned), or its
        destroy; a message when a claim registered earlier collides with it."""
        claim = _Claim(what, object_id, False, destroy=destroy)
        with self._lock:
            for key in dict.fromkeys(keys):
                for other in self._by_key.get(key, []):
                    if other.create and other.replaces != object_id:
                        return _new_message(what, object_id)
            for other in self._by_id.get(object_id, []):
                if other.create and other.replaces != object_id:
                    return _new_message(what, object_id)
                if not other.create and other.destroy != destroy:
                    return _destroy_message(what, object_id)
            for key in dict.fromkeys(keys):
                self._by_key.setdefault(key, []).append(claim)
            self._by_id.setdefault(object_id, []).append(claim)
        return None


def _held_message(what: str, object_id: str | None) -> str:
    return (
        f"Another resource of this configuration already manages {what} ({object_id}). Give "
        "this resource another name; if it takes over that object under a new address, use a "
        "`moved` block instead of a new resource."
    )


def _new_message(what: str, object_id: str) -> str:
    return (
        f"This resource manages {what} ({object_id}), and a new resource of this configuration "
        "declares the same object. Give the new resource another name; if it takes over this "
        "object under a new address, use a `moved` block instead."
    )


def _destroy_message(what: str, object_id: str) -> str:
    return (
        f"One resource of this configuration destroys {what} ({object_id}) while another one "
        "keeps it: the destroy would remove it for both. Remove the one being destroyed from "
        "the state without destroying it (a `removed` block with `destroy = false`, or "
        "`terraform state rm`)."
    )
