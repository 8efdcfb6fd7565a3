"""The small base every list resource (`terraform query`, Terraform 1.14+) builds on.

A list resource enumerates the objects of one managed resource type. It yields import stubs
(`id` and whatever `read` needs); the server asks the managed resource for the identity and,
when Terraform wants resource objects, fills each stub through the resource's own `read`, so
a listed object and an imported one can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from dellsc.schema.loader import schema
from dellsc.schema.model import Schema
from dellsc.tf.diagnostics import Diagnostics
from dellsc.tf.state_owner import describe

if TYPE_CHECKING:
    from dellsc.host import ProviderHost

Values = dict[str, Any]


@dataclass(frozen=True)
class Listed:
    """One object found: what `terraform query` shows, and the stub `read` fills in."""

    display_name: str
    stub: Values


class ListResource:
    """The list resource of the managed resource type with the same name."""

    type_name: ClassVar[str]

    def __init__(self, provider: ProviderHost) -> None:
        self.provider = provider

    @classmethod
    def schema(cls) -> Schema:
        return schema("list_resources", cls.type_name)

    def validate(self, config: Values, diags: Diagnostics) -> None:
        """Checks beyond the schema's validators. Pure: no array calls."""

    def list(self, config: Values, diags: Diagnostics) -> Iterator[Listed]:
        """The matching objects, in a stable order."""
        raise NotImplementedError


@dataclass(frozen=True)
class Found:
    """An object as the name and folder filters see it; `managed_by` the owner its Notes
    name (see `dellsc.resources.marks`), if any."""

    name: str
    folder_path: str
    instance_id: str
    managed_by: str | None = None


def managed(owner: str | None, config: Values) -> tuple[bool, str]:
    """Whether an object some configuration manages is left out (unless `include_managed`),
    and what its display name adds."""
    if owner is None:
        return False, ""
    return not config.get("include_managed"), f", managed by {describe(owner)}"


class NameFolderList(ListResource):
    """Objects filtered by `name_regex` (searched in the name; the schema checks it compiles)
    and `folder` (exact folder). Objects another configuration manages (an owner mark in
    their Notes) are left out unless `include_managed` is true: a bulk import would make two
    states manage them."""

    def found(self) -> Iterable[Found]:
        """Every candidate object; `folder_path` in the `a/b` form, `""` for the root."""
        raise NotImplementedError

    def list(self, config: Values, diags: Diagnostics) -> Iterator[Listed]:
        pattern = re.compile(config["name_regex"]) if config.get("name_regex") else None
        folder = config.get("folder")
        wanted = "/".join(p for p in folder.split("/") if p) if isinstance(folder, str) else None
        for item in sorted(self.found(), key=lambda f: (f.name, f.instance_id)):
            if pattern is not None and not pattern.search(item.name):
                continue
            if wanted is not None and item.folder_path != wanted:
                continue
            skip, note = managed(item.managed_by, config)
            if skip:
                continue
            where = f"{item.folder_path}/" if item.folder_path else ""
            yield Listed(f"{where}{item.name} ({item.instance_id}{note})", {"id": item.instance_id})
