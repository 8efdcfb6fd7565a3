"""The small base every data source module builds on (see `resources.base` for resources)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from dellsc.schema.loader import schema
from dellsc.schema.model import Schema
from dellsc.tf.diagnostics import Diagnostics

if TYPE_CHECKING:
    from dellsc.host import ProviderHost

Values = dict[str, Any]


class DataSource:
    """One Terraform data source type: reads the array, never writes."""

    type_name: ClassVar[str]

    def __init__(self, provider: ProviderHost) -> None:
        self.provider = provider

    @classmethod
    def schema(cls) -> Schema:
        return schema("data_sources", cls.type_name)

    def validate(self, config: Values, diags: Diagnostics) -> None:
        """Checks across attributes, beyond the schema's validators. Pure: no array calls."""

    def read(self, config: Values, diags: Diagnostics) -> Values:
        """The data source's value: the configured arguments plus every computed attribute."""
        raise NotImplementedError
