"""The in-memory form of a schema file (one resource, data source or the provider)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dellsc.tf.values import CtyType


@dataclass(frozen=True)
class Attribute:
    """One attribute of a schema, with the flags Terraform sees and the rules we enforce."""

    name: str
    type: CtyType
    description: str = ""
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    deprecated: bool = False
    default: Any = None
    env: tuple[str, ...] = ()
    validators: tuple[tuple[str, Any], ...] = ()
    plan_modifiers: tuple[str, ...] = ()
    nested: tuple[Attribute, ...] | None = None

    @property
    def implied_type(self) -> CtyType:
        if self.nested is None:
            return self.type
        return ["object", {a.name: a.implied_type for a in self.nested}]


@dataclass(frozen=True)
class IdentityAttribute:
    name: str
    type: CtyType
    description: str = ""
    required_for_import: bool = False
    optional_for_import: bool = False


@dataclass(frozen=True)
class Schema:
    """A resource, data source or provider schema, as declared in its JSON file."""

    type_name: str
    kind: str
    version: int
    description: str
    attributes: tuple[Attribute, ...]
    identity: tuple[IdentityAttribute, ...] = ()
    identity_version: int = 0
    import_help: str = ""
    by_name: dict[str, Attribute] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({a.name: a for a in self.attributes})

    # Built once per schema: the codec keeps its compiled functions per type object.
    @cached_property
    def object_type(self) -> CtyType:
        return ["object", {a.name: a.implied_type for a in self.attributes}]

    @cached_property
    def identity_type(self) -> CtyType:
        return ["object", {a.name: a.type for a in self.identity}]

    @cached_property
    def string_sets(self) -> tuple[str, ...]:
        """Attributes of type set of strings (kept in canonical, sorted order)."""
        return tuple(a.name for a in self.attributes if a.type == ["set", "string"])

    def attribute(self, name: str) -> Attribute:
        return self.by_name[name]


@dataclass(frozen=True)
class FunctionParameter:
    """One parameter of a provider-defined function."""

    name: str
    type: CtyType
    description: str
    allow_null: bool = False


@dataclass(frozen=True)
class FunctionSchema:
    """A provider-defined function (Terraform 1.8+), as declared in `schemas/functions/`."""

    name: str
    summary: str
    description: str
    parameters: tuple[FunctionParameter, ...]
    returns: CtyType
    variadic: FunctionParameter | None = None
    examples: tuple[tuple[str, str], ...] = ()  # (call, result), shown in the docs and tested

    def parameter(self, index: int) -> FunctionParameter | None:
        """The parameter argument `index` (0-based) binds to; None past the last one."""
        if index < len(self.parameters):
            return self.parameters[index]
        return self.variadic
