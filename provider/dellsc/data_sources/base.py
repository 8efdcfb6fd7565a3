"""The small base every data source module builds on (see `resources.base` for resources)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from dellsc.resources import outage
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

    def home_ssn(self, config: Values) -> int | None:
        """The Storage Center the data source reads: that of a configured id, else the
        provider's."""
        ssn = outage.home_ssn(config.get("id")) or outage.home_ssn(config.get("volume_id"))
        if ssn is not None:
            return ssn
        return self.provider.client().ssn if self.provider.catalog is not None else None

    def answer(self, config: Values, diags: Diagnostics) -> Values:
        """`read`, except that a data source about an unreachable Storage Center answers what
        it can (`unreachable`) with one warning per type, instead of failing the plan."""
        ssn = self.home_ssn(config)
        if ssn is not None and outage.known_down(self.provider, ssn):
            outage.warn(self.provider, self.type_name, ssn, None, diags, data_source=True)
            return self.unreachable(config, ssn)
        try:
            return self.read(config, diags)
        except Exception as exc:
            if ssn is None or not outage.unreachable(self.provider, exc, ssn):
                raise
            outage.warn(self.provider, self.type_name, ssn, exc, diags, data_source=True)
            return self.unreachable(config, ssn)

    def unreachable(self, config: Values, ssn: int) -> Values:
        """What can be said while SC `ssn` is unreachable: the arguments, every computed
        attribute null (unknown is not an answer a data source can give)."""
        return {a.name: config.get(a.name) for a in self.schema().attributes}
