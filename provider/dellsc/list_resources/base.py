"""The small base every list resource (`terraform query`, Terraform 1.14+) builds on.

A list resource enumerates the objects of one managed resource type. It yields import stubs
(`id` and whatever `read` needs); the server asks the managed resource for the identity and,
when Terraform wants resource objects, fills each stub through the resource's own `read`, so
a listed object and an imported one can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from dellsc.schema.loader import schemas
from dellsc.schema.model import Schema
from dellsc.tf.diagnostics import Diagnostics

if TYPE_CHECKING:
    from dellsc.provider import DellscProvider

Values = dict[str, Any]


@dataclass(frozen=True)
class Listed:
    """One object found: what `terraform query` shows, and the stub `read` fills in."""

    display_name: str
    stub: Values


class ListResource:
    """The list resource of the managed resource type with the same name."""

    type_name: ClassVar[str]

    def __init__(self, provider: DellscProvider) -> None:
        self.provider = provider

    @classmethod
    def schema(cls) -> Schema:
        return schemas("list_resources")[cls.type_name]

    def validate(self, config: Values, diags: Diagnostics) -> None:
        """Checks beyond the schema's validators. Pure: no array calls."""

    def list(self, config: Values, diags: Diagnostics) -> Iterator[Listed]:
        """The matching objects, in a stable order."""
        raise NotImplementedError
