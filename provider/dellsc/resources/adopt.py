"""Idempotent creates: the owner mark in an object's Notes makes what a create made findable.

A create writes `[dellsc:owner <owner>]` (see `dellsc.resources.marks`) into the new object's
Notes with the create request itself and never clears it. Before it creates, it looks up the
objects with its key (a fresh GetList by name, filtered to the kind's scope):

- one that carries this configuration's owner and that no resource of this run holds was made
  by an earlier create of this resource that did not finish (whenever the process died, or
  the reply was lost): it is adopted, never made twice;
- one that carries another owner belongs to another configuration or workspace: the create
  is refused, with an error that names that owner and says to import it instead;
- one without a mark (made outside Terraform, or by an earlier version) is never adopted.

A create whose outcome is unknown (lost reply, failed poll, timeout) looks again in the same
apply, right away, after 0.5 s and 2 s. Which creates may adopt what is decided without any
timing: the plan (`dellsc.resources.claims`) rejects two resources with one key, and within
an apply an object is adopted at most once, never when another resource of the run holds it
(`hold`), and never by the create that replaces it (`replacing`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dellsc.resources.marks import Notes
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.state_owner import describe

if TYPE_CHECKING:
    from dellsc.host import ProviderHost

T = TypeVar("T")
R = TypeVar("R")

# waits before each lookup after an unknown outcome: a task may still be finishing
_LOOKUP_DELAYS = (0.0, 0.5, 2.0)
_lock = threading.Lock()
_taken: set[str] = set()  # objects this process created or adopted
_held: set[str] = set()  # objects that resources updated or destroyed in this process hold
_keys: set[tuple[str, ...]] = set()  # keys this process created, is creating or adopted
_looked: dict[tuple[str, ...], list[object]] = {}  # see `remember`
_REPLACING: ContextVar[str | None] = ContextVar("dellsc_replacing", default=None)


@contextmanager
def replacing(object_id: str | None) -> Iterator[None]:
    """Run a create that replaces `object_id` (never adopted by it)."""
    token = _REPLACING.set(object_id)
    try:
        yield
    finally:
        _REPLACING.reset(token)


def hold(object_id: str) -> None:
    """A resource of this run holds `object_id` (it is updating or destroying it)."""
    with _lock:
        _held.add(object_id)


def replaced() -> str | None:
    """The object the running create replaces, if any."""
    return _REPLACING.get()


@dataclass(frozen=True)
class Creation(Generic[T]):
    """How to create and find one object, for `create_once`.

    `what` names it in messages ("volume 'db01' in folder 'a'"); `key` identifies it in this
    run (kind, scope, name); `find` lists the objects with that key (a fresh read, not a
    cache); `create` sends the create request with the given Notes; `restamp` rewrites the
    Notes of an object adopted from an earlier version's pending mark.
    """

    kind: str
    what: str
    key: tuple[str, ...]
    owner: str
    notes: str
    find: Callable[[], Sequence[T]]
    create: Callable[[str], T]
    notes_of: Callable[[T], str]
    id_of: Callable[[T], str]
    restamp: Callable[[T, str], T] | None = None
    unique: bool = False  # the array keeps the key unique: an unmarked object blocks it
    accept: Callable[[T], bool] | None = None  # leaves out objects that do not count


@dataclass(frozen=True)
class Sorted(Generic[T]):
    """The objects with a create's key, by whose they are."""

    ours: list[T]  # this owner's, held by no resource of this run
    theirs: list[tuple[T, str]]  # with another owner's mark, and that owner
    legacy: list[T]  # an earlier version's pending mark, no owner
    unmarked: list[T]


def skipped(extra: set[str] | None = None) -> set[str]:
    """Objects no create of this run may adopt: taken by another create, held by another
    resource, replaced by the running create (and `extra`)."""
    with _lock:
        return set(extra or ()) | {replaced() or ""} | _taken | _held


def take(object_id: str) -> None:
    """A create of this run took (made or adopted) this object."""
    with _lock:
        _taken.add(object_id)


def sort_found(
    found: Sequence[T],
    owner: str,
    notes_of: Callable[[T], str],
    id_of: Callable[[T], str],
    excluded: set[str] | None = None,
) -> Sorted[T]:
    """Sort the objects with a create's key; `excluded` ones (held, replaced) are left out."""
    skip = skipped(excluded)
    ours, theirs, legacy, unmarked = [], [], [], []
    for obj in sorted(found, key=lambda o: _id_key(id_of(o))):
        notes = Notes.parse(notes_of(obj))
        if id_of(obj) in skip:
            continue
        if notes.owner == owner:
            ours.append(obj)
        elif notes.owner is not None:
            theirs.append((obj, notes.owner))
        elif notes.legacy_pending:
            legacy.append(obj)
        else:
            unmarked.append(obj)
    return Sorted(ours, theirs, legacy, unmarked)


def refuse(
    kind: str, what: str, object_id: str, other: str, owner: str, diags: Diagnostics,
    path: AttrPath | None = None, import_id: str | None = None,
) -> None:  # fmt: skip
    """The error of a create whose object another configuration already owns."""
    instead = "" if import_id else "Choose another name, or, "
    diags.error(
        f"{kind.title()} Owned By Another Configuration",
        f"{what[0].upper()}{what[1:]} already exists ({object_id}) and belongs to another "
        f"Terraform configuration or workspace ({describe(other)}; this one is "
        f"{describe(owner)}). Nothing was created. {instead}{'I' if not instead else 'i'}f "
        "that configuration no longer manages it, import it: terraform import <address> "
        f"{import_id or object_id}.",
        path,
    )


def plan_create(
    host: ProviderHost,
    kind: str,
    what: str,
    key: tuple[str, ...],
    found: Sorted[T] | None,
    id_of: Callable[[T], str],
    replaces: str | None,
    diags: Diagnostics,
    path: AttrPath,
    import_id: str | None = None,
) -> None:
    """The plan-time half of `create_once`: refuse (at `path`) an object another owner holds,
    announce an adoption, and claim the key (see `dellsc.resources.claims`). `found` is what
    a lookup by key found (None when it could not be made, e.g. a name still unknown)."""
    adopts = None
    if found is not None:
        mine = found.ours or found.legacy
        if mine:
            adopts = id_of(mine[0])
            diags.warning(
                f"Unfinished {kind.title()} Will Be Adopted",
                f"{what[0].upper()}{what[1:]} ({adopts}) was made by an earlier create of this "
                "configuration that did not finish; apply adopts it instead of making a "
                "second one.",
                path,
            )
        elif found.theirs:
            other, owner = found.theirs[0]
            refuse(kind, what, id_of(other), owner, host.owner, diags, path, import_id)
            return
    conflict = host.claims.creating(key, what, adopts=adopts, replaces=replaces)
    if conflict is not None:
        diags.error(f"{kind.title()} Declared Twice", conflict, path)


def plan_hold(
    host: ProviderHost,
    kind: str,
    what: str,
    keys: Sequence[tuple[str, ...]],
    object_id: str,
    diags: Diagnostics,
    path: AttrPath,
    *,
    destroy: bool = False,
) -> None:
    """Claim, at plan time, the object an existing resource holds (or destroys)."""
    conflict = host.claims.holding(keys, what, object_id, destroy=destroy)
    if conflict is not None:
        diags.error(f"{kind.title()} Declared Twice", conflict, path)


def remember(key: tuple[str, ...], objects: Sequence[object]) -> None:
    """What a plan's lookup of `key` found: Terraform plans a resource again in the apply's
    process right before creating it, so the create need not look it up a second time."""
    with _lock:
        _looked[key] = list(objects)


def recall(key: tuple[str, ...]) -> Any:
    """The objects a plan of this process found for `key` (once), or None."""
    with _lock:
        return _looked.pop(key, None)


def plan_lookup(
    kind: str, what: str, lookup: Callable[[], R], diags: Diagnostics, path: AttrPath
) -> R | None:
    """A plan-time lookup of a create's key; a failure (e.g. the SC cannot be reached) is a
    warning, not an error: the apply looks again before it creates anything."""
    try:
        return lookup()
    except errors.ScError as exc:
        diags.warning(
            f"{kind.title()} Not Checked",
            f"Looking for an existing {what} failed ({exc}). The apply looks again before it "
            "creates anything.",
            path,
        )
        return None


def claim_key(kind: str, what: str, key: tuple[str, ...], diags: Diagnostics) -> bool:
    """Claim a create's key for this run; False, with an error, when another create of this
    run has it (two resources whose names the plan could not know yet)."""
    with _lock:
        if key not in _keys:
            _keys.add(key)
            return True
    diags.error(
        f"Two Resources Create One {kind.title()}",
        f"Two resources of this configuration create {what}. Give each its own name.",
    )
    return False


def release_key(key: tuple[str, ...]) -> None:
    """A create that made nothing gives its key back."""
    with _lock:
        _keys.discard(key)


def keyed(
    kind: str, what: str, key: tuple[str, ...], diags: Diagnostics, make: Callable[[], T | None]
) -> T | None:
    """`make()` under the claim of `key` for this run (see `claim_key`)."""
    if not claim_key(kind, what, key, diags):
        return None
    made = None
    try:
        made = make()
        return made
    finally:
        if made is None:
            release_key(key)


def warn_imported(
    what: str, object_id: str, other: str | None, owner: str, diags: Diagnostics, undo: str
) -> None:
    """The warning of an import of an object that another configuration's mark claims;
    `undo` says what destroying it here does."""
    if other is None or other == owner:
        return
    diags.warning(
        "Object Managed By Two Resources",
        f"{what[0].upper()}{what[1:]} ({object_id}) was made by another Terraform "
        f"configuration or workspace ({describe(other)}; this one is {describe(owner)}). If "
        f"that one still manages it, each apply would undo the other's changes and {undo}: "
        "keep it in one state only.",
    )


def create_once(spec: Creation[T], diags: Diagnostics) -> T | None:
    """Create the object at most once, adopting what an interrupted create of this
    configuration left behind. None, with an error, when nothing was made."""
    return keyed(spec.kind, spec.what, spec.key, diags, lambda: _create_once(spec, diags))


def _create_once(spec: Creation[T], diags: Diagnostics) -> T | None:
    looked = recall(spec.key)
    found = sort_found(_accepted(spec, spec.find() if looked is None else looked), spec.owner,
                       spec.notes_of, spec.id_of)  # fmt: skip
    adopted = found.ours[0] if found.ours else found.legacy[0] if found.legacy else None
    if adopted is not None:
        take(spec.id_of(adopted))
        diags.warning(
            f"Adopted An Unfinished {spec.kind.title()}",
            f"{spec.what[0].upper()}{spec.what[1:]} ({spec.id_of(adopted)}) was made by an "
            "earlier create of this configuration that did not finish (the process stopped "
            "or the reply was lost); it is adopted instead of making a second one.",
        )
        if adopted in found.legacy and spec.restamp is not None:
            adopted = spec.restamp(adopted, spec.notes)
        return adopted
    if found.theirs:
        other, owner = found.theirs[0]
        refuse(spec.kind, spec.what, spec.id_of(other), owner, spec.owner, diags)
        return None
    if spec.unique and found.unmarked:
        taken_by = spec.id_of(found.unmarked[0])
        diags.error(
            f"{spec.kind.title()} Name Already Taken",
            f"{spec.what[0].upper()}{spec.what[1:]} already exists ({taken_by}), made outside "
            "this configuration. Nothing was created. Choose another name, or import it: "
            f"terraform import <address> {taken_by}.",
        )
        return None
    try:
        made = spec.create(spec.notes)
    except errors.ScError as exc:
        if not errors.outcome_unknown(exc):
            raise
        cause = exc
    else:
        take(spec.id_of(made))
        return made
    # the array may have made it (or be making it): look for it before saying anything
    again, lookup_error = find_again(
        lambda: sort_found(_accepted(spec, spec.find()), spec.owner, spec.notes_of,
                           spec.id_of).ours
    )  # fmt: skip
    if again is None:
        report_unknown(
            spec.kind, spec.what, cause, lookup_error, "it carries this configuration's owner "
            "mark", diags,
        )  # fmt: skip
        return None
    take(spec.id_of(again))
    return again


def _accepted(spec: Creation[T], objects: Sequence[T]) -> list[T]:
    accept = spec.accept
    return [o for o in objects if accept is None or accept(o)]


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
    what: str,
    cause: errors.ScError,
    lookup_error: errors.ScError | None,
    findable: str,
    diags: Diagnostics,
) -> None:
    """The error of a create that may have happened and was not found (yet): the next apply
    adopts what it made, since `findable` says how it is found. `what` names the object
    ("volume 'db01' in folder 'a'")."""
    task = f" (task {cause.task_id})" if cause.task_id else ""
    looked = f"looking for it failed too ({lookup_error})" if lookup_error else "it was not found"
    diags.error(
        f"{kind.title()} Create Outcome Unknown",
        f"The array may have created {what}{task}: {cause}. So far {looked}; if the "
        f"array made it, the next apply will adopt it ({findable}) instead of creating a "
        "second one.",
    )


def _id_key(instance_id: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in instance_id.split("."))
