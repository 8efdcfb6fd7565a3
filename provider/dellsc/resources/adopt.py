"""Idempotent creates: a pending mark in the object's Notes makes what a create made findable.

A create writes `[dellsc:pending <token>]` into the new object's Notes with the create request
itself, and clears it (keeping the notes around it) once the object is made. So:

- after a failure whose outcome is unknown (lost reply, failed poll, timeout), the same create
  looks for an object with its name and its token, and carries on with it if it exists;
- after the process died mid-create (kill -9, crash, Ctrl-C twice), the next apply finds an
  object with the planned name that still carries a pending mark and adopts it rather than
  making a second one. A plugin whose Terraform died leaves the marks of the creates it was
  running in place, since nothing will record those objects in the state.

Objects whose mark belongs to a create still running in this process are never adopted, so
two resources with one name in one apply each get their own object. A resource type uses this
by describing its object kind in a `Creation` and calling `create_once` (see
docs/guides/reliability.md); the cost is one notes update after the create, and one lookup by
name before it. A kind with a `survey` pays that lookup only for names that carried a pending
mark when the process first created one (one list request per process), since only an earlier
process can have left an unfinished object behind: this process's own creates look for theirs
by token.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from dellsc.sc import errors
from dellsc.tf.diagnostics import Diagnostics

T = TypeVar("T")

_MARK = re.compile(r"\s*\[dellsc:pending ([0-9a-f]{16})\]")
# waits before each lookup after an unknown outcome: a task may still be finishing
_LOOKUP_DELAYS = (0.0, 0.5, 2.0)
_live: set[str] = set()
_claimed: set[str] = set()  # tokens of unfinished objects this process has adopted
_live_lock = threading.Lock()
# Terraform starts the plugin; when Terraform dies (kill -9) the plugin is re-parented
_PARENT = os.getppid()


def abandoned() -> bool:
    """True once the process that started us is gone: no one will record what we made."""
    return os.getppid() != _PARENT


def new_token() -> str:
    """A fresh create token (64 random bits, hex)."""
    return secrets.token_hex(8)


def marked(notes: str, token: str) -> str:
    """`notes` with the pending mark of `token` appended (any older mark removed)."""
    base = unmarked(notes)
    return f"{base} [dellsc:pending {token}]" if base else f"[dellsc:pending {token}]"


def unmarked(notes: str) -> str:
    """`notes` without any pending mark: what the user (or the provider's default) wrote."""
    return _MARK.sub("", notes).strip()


def pending_token(notes: str) -> str | None:
    """The token of the pending mark in `notes`, or None."""
    match = _MARK.search(notes)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Creation(Generic[T]):
    """How to create, find and re-note one object of a kind, for `create_once`.

    `find` lists the objects of this kind named `name` (a fresh read, not a cache);
    `create` sends the create request with the given notes and returns the object;
    `set_notes` replaces the object's notes and returns it. With a `survey`, `find` is
    called only for names the survey saw pending.
    """

    kind: str
    name: str
    notes: str
    find: Callable[[], Sequence[T]]
    create: Callable[[str], T]
    set_notes: Callable[[T, str], T]
    notes_of: Callable[[T], str]
    id_of: Callable[[T], str]
    survey: Survey[T] | None = None


class Survey(Generic[T]):
    """Which objects of a kind in one scope (e.g. the volumes of one SC) carried a pending mark
    when a create first asked: one list request, then kept, since only an earlier process
    can have left an unfinished object behind. Names are casefolded, as the array's name
    filter compares them."""

    def __init__(
        self, list_all: Callable[[], Sequence[T]], name_of: Callable[[T], str],
        notes_of: Callable[[T], str],
    ) -> None:  # fmt: skip
        self._list_all, self._name_of, self._notes_of = list_all, name_of, notes_of
        self._lock = threading.Lock()
        self._names: frozenset[str] | None = None

    def pending(self, name: str) -> bool:
        """True if an object named `name` carried a pending mark when first asked."""
        with self._lock:
            if self._names is None:
                self._names = frozenset(
                    self._name_of(o).casefold()
                    for o in self._list_all()
                    if pending_token(self._notes_of(o)) is not None
                )
            return name.casefold() in self._names


def create_once(spec: Creation[T], diags: Diagnostics) -> T | None:
    """Create the object at most once, adopting what an interrupted create left behind.

    Returns the object (its pending mark cleared), or None with an error diagnostic when
    nothing could be made. When the object was made but its mark could not be cleared, the
    object comes back with an error diagnostic, so Terraform saves it (tainted).
    """
    adopted = _adopt(spec, diags)
    if adopted is not None:
        return _finish(spec, adopted, diags)
    token = new_token()
    with _live_lock:
        _live.add(token)
    try:
        made = _create(spec, token, diags)
    finally:
        with _live_lock:
            _live.discard(token)
    return None if made is None else _finish(spec, made, diags)


def _adopt(spec: Creation[T], diags: Diagnostics) -> T | None:
    """An object named like ours whose pending mark no create of this process holds (nor
    has adopted already)."""
    if spec.survey is not None and not spec.survey.pending(spec.name):
        return None
    found = spec.find()
    with _live_lock:
        pending = [
            o
            for o in found
            if (token := pending_token(spec.notes_of(o))) is not None
            and token not in _live
            and token not in _claimed
        ]
        if not pending:
            return None
        pending.sort(key=lambda o: _id_key(spec.id_of(o)))
        chosen, others = pending[0], pending[1:]
        _claimed.add(str(pending_token(spec.notes_of(chosen))))
    detail = (
        f"{spec.kind.capitalize()} {spec.name!r} ({spec.id_of(chosen)}) was made by an earlier "
        "create that did not finish (the process stopped or the reply was lost); it is "
        "adopted instead of making a second one."
    )
    if others:
        detail += (
            f" Other unfinished {spec.kind}s with this name were left alone: "
            + ", ".join(spec.id_of(o) for o in others)
            + "; delete or import them."
        )
    diags.warning(f"Adopted An Unfinished {spec.kind.title()}", detail)
    return chosen


def _create(spec: Creation[T], token: str, diags: Diagnostics) -> T | None:
    try:
        return spec.create(marked(spec.notes, token))
    except errors.ScError as exc:
        if not errors.outcome_unknown(exc):
            raise
        cause = exc
    # the array may have made it (or be making it): look for our token before saying anything
    found, lookup_error = find_again(
        lambda: [o for o in spec.find() if pending_token(spec.notes_of(o)) == token]
    )
    if found is None:
        report_unknown(
            spec.kind, spec.name, cause, lookup_error, "it carries this provider's pending mark",
            diags,
        )  # fmt: skip
    return found


def find_again(find: Callable[[], Sequence[T]]) -> tuple[T | None, errors.ScError | None]:
    """After a create whose outcome is unknown: the first object `find` lists, looked for
    right away, then after 0.5 s and 2 s (a task may still be finishing). None and the last
    lookup's error (if it failed) when there is none."""
    lookup_error: errors.ScError | None = None
    for delay in _LOOKUP_DELAYS:
        time.sleep(delay)
        try:
            found = find()
        except errors.ScError as exc:
            lookup_error = exc
            continue
        if found:
            return found[0], None
        lookup_error = None
    return None, lookup_error


def report_unknown(
    kind: str,
    name: str,
    cause: errors.ScError,
    lookup_error: errors.ScError | None,
    findable: str,
    diags: Diagnostics,
) -> None:
    """The error of a create that may have happened and was not found (yet): the next apply
    adopts what it made, since `findable` says how it is found."""
    task = f" (task {cause.task_id})" if cause.task_id else ""
    looked = f"looking for it failed too ({lookup_error})" if lookup_error else "it was not found"
    diags.error(
        f"{kind.title()} Create Outcome Unknown",
        f"The array may have created {kind} {name!r}{task}: {cause}. So far {looked}; if the "
        f"array made it, the next apply will adopt it ({findable}) instead of creating a "
        "second one.",
    )


def _finish(spec: Creation[T], obj: T, diags: Diagnostics) -> T:
    """Clear the pending mark, keeping the notes around it."""
    notes = spec.notes_of(obj)
    if pending_token(notes) is None:
        return obj
    if abandoned():
        # Terraform is gone and cannot save this object: keep the mark so the next apply
        # adopts it rather than making a second one
        diags.error(
            f"{spec.kind.title()} Left Pending",
            f"Terraform stopped while {spec.kind} {spec.name!r} ({spec.id_of(obj)}) was being "
            "created; it keeps its pending mark and the next apply adopts it.",
        )
        return obj
    try:
        return spec.set_notes(obj, unmarked(notes))
    except errors.ScError as exc:
        diags.error(
            f"{spec.kind.title()} Created But Not Finished",
            f"{spec.kind.capitalize()} {spec.name!r} ({spec.id_of(obj)}) was created, but "
            f"clearing its pending mark failed: {exc}. It is saved in the state as tainted; "
            "the next apply replaces it.",
        )
        return obj


def _id_key(instance_id: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in instance_id.split("."))
