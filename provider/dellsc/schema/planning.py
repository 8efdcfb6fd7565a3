"""Schema-driven validation and planning, the generic half of every resource.

`validate` runs the validators named in a schema on known config values. `plan` is the
terraform-plugin-framework algorithm (protocol reference §6.7): start from the proposed state,
apply defaults, mark computed values unknown only when something really changes, keep the
prior value where a `use_state_for_unknown` modifier says it cannot change, and collect the
attributes whose change `requires_replace`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dellsc.schema.model import Attribute, Schema
from dellsc.schema.validators import VALIDATORS
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import UNKNOWN, contains_unknown, is_unknown

Values = dict[str, Any]


def _validate_attrs(
    attrs: tuple[Attribute, ...], config: Values, prefix: AttrPath | None, diags: Diagnostics
) -> None:
    for attr in attrs:
        value = config.get(attr.name)
        if value is None or (not attr.validators and attr.nested is None):
            continue
        if contains_unknown(value):
            continue
        path = prefix.child(attr.name) if prefix else AttrPath(attr.name)
        if attr.nested is not None:
            _validate_attrs(attr.nested, value, path, diags)
            continue
        for name, arg in attr.validators:
            message = VALIDATORS[name](value, arg)
            if message:
                # Terraform can place a diagnostic on a top-level argument but not inside an
                # object value (`timeouts = { request = ... }`): anchor there, name it in full
                diags.error(f"Invalid {path}", f"{path} {message}.", AttrPath(path.steps[0]))


def validate(schema: Schema, config: Values, diags: Diagnostics) -> None:
    """Check every known config value against its schema validators."""
    _validate_attrs(schema.attributes, config, None, diags)


def normalize(schema: Schema, values: Values | None) -> Values | None:
    """Sort known sets of strings, so that equal sets compare equal as lists."""
    if values is None:
        return None
    for name in schema.string_sets:
        value = values.get(name)
        if isinstance(value, list) and not any(is_unknown(v) for v in value):
            values[name] = sorted(value)
    return values


def typed_default(attr: Attribute) -> Any:
    """The schema default in the codec's value model (numbers as Decimal)."""
    if attr.type == "number" and attr.default is not None:
        return Decimal(str(attr.default))
    return attr.default


def plan(
    schema: Schema, prior: Values | None, proposed: Values, config: Values
) -> tuple[Values, list[AttrPath]]:
    """The planned new state and the paths whose change forces a replacement."""
    planned = dict(proposed)
    for attr in schema.attributes:
        if attr.default is not None and config.get(attr.name) is None:
            planned[attr.name] = typed_default(attr)
    if prior is None or planned != prior:
        for attr in schema.attributes:
            if attr.computed and config.get(attr.name) is None and attr.default is None:
                keep = prior is not None and "use_state_for_unknown" in attr.plan_modifiers
                planned[attr.name] = prior[attr.name] if keep and prior else UNKNOWN
    replace: list[AttrPath] = []
    if prior is not None:
        for attr in schema.attributes:
            forced = "requires_replace" in attr.plan_modifiers or (
                "requires_replace_if_configured" in attr.plan_modifiers
                and config.get(attr.name) is not None
            )
            if forced and (
                is_unknown(planned[attr.name]) or planned[attr.name] != prior[attr.name]
            ):
                replace.append(AttrPath(attr.name))
    return planned, replace
