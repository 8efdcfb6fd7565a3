"""Shared by the single-object data sources: pick one object by `id` or by `name`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics

T = TypeVar("T")


def one(
    kind: str,
    config: dict[str, object],
    by_id: Callable[[str], T],
    by_name: Callable[[str], Sequence[T]],
    describe: Callable[[T], str],
    diags: Diagnostics,
    where: str,
) -> T | None:
    """The object `config` designates (exactly one of `id`, `name`), else an error diagnostic
    on the attribute at fault."""
    object_id, name = config.get("id"), config.get("name")
    if (object_id is None) == (name is None):
        diags.error(
            f"{kind} Lookup Needs id Or name",
            f"Set exactly one of id and name to choose a {kind.lower()}.",
            AttrPath("name" if name is not None else "id"),
        )
        return None
    if object_id is not None:
        try:
            return by_id(str(object_id))
        except (errors.ScNotFound, errors.ScValidationError):
            diags.error(
                f"{kind} Not Found",
                f"No {kind.lower()} has ID {object_id!r} on {where}.",
                AttrPath("id"),
            )
            return None
    found = by_name(str(name))
    if len(found) != 1:
        listed = ", ".join(describe(f) for f in found)
        diags.error(
            f"{kind} Not Found" if not found else f"{kind} Name Not Unique",
            f"No {kind.lower()} is named {name!r} on {where}."
            if not found
            else f"{len(found)} {kind.lower()}s are named {name!r} ({listed}); use id instead.",
            AttrPath("name"),
        )
        return None
    return found[0]
