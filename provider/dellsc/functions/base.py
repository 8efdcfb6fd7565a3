"""The small base every provider-defined function builds on (Terraform 1.8+).

Functions are pure: Terraform calls them on an unconfigured provider, in every phase, and
checks that plan and apply get the same results. So a function sees no provider, no client and
no clock; it maps its decoded arguments to a result, or raises `FunctionError` naming the
argument at fault. The server layer decodes arguments by the schema file's parameter types
(variadic arguments one by one) and encodes the result by its return type.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dellsc.schema.loader import function_schema
from dellsc.schema.model import FunctionSchema


class FunctionError(ValueError):
    """Bad input: `text` for the user, `argument` the 0-based index of the argument at fault."""

    def __init__(self, text: str, argument: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.argument = argument


class Function:
    """One provider-defined function; its signature comes from `schemas/functions/`."""

    name: ClassVar[str]

    @classmethod
    def schema(cls) -> FunctionSchema:
        return function_schema(cls.name)

    def call(self, arguments: list[Any]) -> Any:
        """The result for these arguments (decoded, one per argument as Terraform sent them:
        the parameters', then the variadic ones)."""
        raise NotImplementedError
