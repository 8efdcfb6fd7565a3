"""The small base every action module builds on (Terraform 1.14+ `action` blocks).

An action is configured with `action "<type>" "<name>" { config { ... } }` and run by
`terraform apply -invoke=action.<type>.<name>` or by a resource's `lifecycle { action_trigger
{ ... } }`. It has no state: `plan` checks the configuration (reads only), `invoke` does the
work and reports progress as it goes. Terraform versions without actions never call them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from dellsc.schema.loader import schema
from dellsc.schema.model import Schema
from dellsc.tf.diagnostics import Diagnostics

if TYPE_CHECKING:
    from dellsc.host import ProviderHost

Values = dict[str, Any]


class Action:
    """One Terraform action type. Diagnostic paths are relative to the `config` block."""

    type_name: ClassVar[str]

    def __init__(self, provider: ProviderHost) -> None:
        self.provider = provider

    @classmethod
    def schema(cls) -> Schema:
        return schema("actions", cls.type_name)

    def validate(self, config: Values, diags: Diagnostics) -> None:
        """Checks across attributes, beyond the schema's validators. Pure: no array calls."""

    def plan(self, config: Values, diags: Diagnostics) -> None:
        """Plan-time checks of a configuration that may hold unknowns. Reads only."""

    def invoke(self, config: Values, diags: Diagnostics) -> Iterator[str]:
        """Do the work; yields progress messages, reports failures in diags."""
        raise NotImplementedError
