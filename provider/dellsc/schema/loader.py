"""Read and check the schema files shipped in `schemas/` (resources, data sources, provider).

Layout: `schemas/provider.json`, `schemas/resources/<type>.json`,
`schemas/data_sources/<type>.json`, `schemas/actions/<type>.json`,
`schemas/functions/<name>.json`. Every file is checked strictly so a typo fails at load time
(and in the unit tests), never as a Terraform crash.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from dellsc.schema.model import (
    Attribute,
    FunctionParameter,
    FunctionSchema,
    IdentityAttribute,
    Schema,
)
from dellsc.schema.validators import RULES
from dellsc.tf.values import CtyType

PLAN_MODIFIERS = frozenset(
    {"use_state_for_unknown", "requires_replace", "requires_replace_if_configured"}
)
_ATTRIBUTE_KEYS = frozenset(
    {
        "type", "description", "required", "optional", "computed", "sensitive", "deprecated",
        "default", "env", "validators", "plan_modifiers", "attributes",
    }
)  # fmt: skip
_SCHEMA_KEYS = frozenset(
    {"type_name", "version", "description", "attributes", "identity", "import"}
)


class SchemaError(ValueError):
    """A schema file is malformed."""


_FUNCTION_KEYS = frozenset(
    {"name", "summary", "description", "parameters", "variadic_parameter", "return", "examples"}
)
_PARAMETER_KEYS = frozenset({"name", "type", "description", "allow_null_value"})


def _check_type(t: Any, where: str) -> CtyType:
    if t in ("string", "number", "bool", "dynamic"):
        return str(t)
    if isinstance(t, list) and len(t) == 2 and t[0] in ("list", "set", "map"):
        return [t[0], _check_type(t[1], where)]
    if isinstance(t, list) and len(t) == 2 and t[0] == "object" and isinstance(t[1], dict):
        return ["object", {k: _check_type(v, where) for k, v in t[1].items()}]
    raise SchemaError(f"{where}: invalid type {t!r}")


def _attribute(name: str, raw: dict[str, Any], where: str) -> Attribute:
    where = f"{where}.{name}"
    unknown = set(raw) - _ATTRIBUTE_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
    if not raw.get("description"):
        raise SchemaError(f"{where}: a description is required")
    flags = [raw.get(k, False) for k in ("required", "optional", "computed")]
    if not any(flags) or (flags[0] and (flags[1] or flags[2])):
        raise SchemaError(f"{where}: needs required, optional, computed or optional+computed")
    if "default" in raw and not (flags[1] and flags[2]):
        raise SchemaError(f"{where}: a default needs optional + computed")
    nested = None
    if "attributes" in raw:
        nested = tuple(_attribute(k, v, where) for k, v in sorted(raw["attributes"].items()))
        ty: CtyType = "dynamic"
    else:
        ty = _check_type(raw.get("type"), where)
    validators = []
    for spec in raw.get("validators", []):
        if not isinstance(spec, dict) or len(spec) != 1:
            raise SchemaError(f"{where}: a validator is a one-key object, got {spec!r}")
        ((vname, arg),) = spec.items()
        if vname not in RULES:
            raise SchemaError(f"{where}: unknown validator {vname!r}")
        try:  # a malformed argument fails here, not in a user's plan
            RULES[vname].describe(arg)
        except (TypeError, KeyError, ValueError, IndexError) as exc:
            raise SchemaError(f"{where}: bad argument {arg!r} for {vname}: {exc}") from exc
        validators.append((vname, arg))
    modifiers = tuple(raw.get("plan_modifiers", []))
    if not set(modifiers) <= PLAN_MODIFIERS:
        raise SchemaError(
            f"{where}: unknown plan modifiers {sorted(set(modifiers) - PLAN_MODIFIERS)}"
        )
    return Attribute(
        name=name,
        type=ty,
        description=raw["description"],
        required=bool(flags[0]),
        optional=bool(flags[1]),
        computed=bool(flags[2]),
        sensitive=bool(raw.get("sensitive", False)),
        deprecated=bool(raw.get("deprecated", False)),
        default=raw.get("default"),
        env=tuple(raw.get("env", ())),
        validators=tuple(validators),
        plan_modifiers=modifiers,
        nested=nested,
    )


def parse_schema(raw: dict[str, Any], kind: str, where: str) -> Schema:
    """Build a Schema from the decoded JSON of one schema file."""
    unknown = set(raw) - _SCHEMA_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
    identity_raw = raw.get("identity", {})
    identity = tuple(
        IdentityAttribute(
            name=k,
            type=_check_type(v["type"], f"{where}.identity.{k}"),
            description=v.get("description", ""),
            required_for_import=bool(v.get("required_for_import", False)),
            optional_for_import=bool(v.get("optional_for_import", False)),
        )
        for k, v in sorted(identity_raw.get("attributes", {}).items())
    )
    return Schema(
        type_name=raw["type_name"],
        kind=kind,
        version=int(raw.get("version", 0)),
        description=raw.get("description", ""),
        attributes=tuple(
            _attribute(k, v, where) for k, v in sorted(raw.get("attributes", {}).items())
        ),
        identity=identity,
        identity_version=int(identity_raw.get("version", 0)),
        import_help=raw.get("import", ""),
    )


def _parameter(raw: Any, where: str) -> FunctionParameter:
    if not isinstance(raw, dict) or set(raw) - _PARAMETER_KEYS:
        raise SchemaError(f"{where}: a parameter is an object with keys {sorted(_PARAMETER_KEYS)}")
    if not raw.get("name") or not raw.get("description"):
        raise SchemaError(f"{where}: a parameter needs a name and a description")
    return FunctionParameter(
        name=raw["name"],
        type=_check_type(raw.get("type"), f"{where}.{raw['name']}"),
        description=raw["description"],
        allow_null=bool(raw.get("allow_null_value", False)),
    )


def parse_function(raw: dict[str, Any], where: str) -> FunctionSchema:
    """Build a FunctionSchema from the decoded JSON of one `schemas/functions/` file."""
    unknown = set(raw) - _FUNCTION_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("name", "summary", "description", "return"):
        if not raw.get(key):
            raise SchemaError(f"{where}: {key!r} is required")  # no `return`: Terraform panics
    variadic = raw.get("variadic_parameter")
    examples = raw.get("examples", [])
    if not all(isinstance(e, list) and len(e) == 2 for e in examples):
        raise SchemaError(f"{where}: examples are [call, result] pairs")
    return FunctionSchema(
        name=raw["name"],
        summary=raw["summary"],
        description=raw["description"],
        parameters=tuple(_parameter(p, where) for p in raw.get("parameters", [])),
        returns=_check_type(raw["return"].get("type"), f"{where}.return"),
        variadic=_parameter(variadic, where) if variadic is not None else None,
        examples=tuple((str(call), str(result)) for call, result in examples),
    )


def _schema_root() -> Traversable:
    return resources.files("dellsc") / "schemas"


def _read(path: Traversable, kind: str) -> Schema:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path.name}: {exc}") from exc
    schema = parse_schema(raw, kind, path.name)
    if kind != "provider" and path.name != f"{schema.type_name}.json":
        raise SchemaError(f"{path.name}: file name must be {schema.type_name}.json")
    return schema


@cache
def provider_schema() -> Schema:
    return _read(_schema_root() / "provider.json", "provider")


@cache
def type_names(kind: str) -> tuple[str, ...]:
    """The type names of one kind ("resources", "data_sources", ...), from the file names."""
    folder = _schema_root() / kind
    if not folder.is_dir():  # git keeps no empty folders: a kind may have no files yet
        return ()
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


@cache
def schema(kind: str, type_name: str) -> Schema:
    """One schema, read on first use: a process that plans volumes reads one file."""
    path = _schema_root() / kind / f"{type_name}.json"
    if not path.is_file():
        raise KeyError(f"no {kind} schema named {type_name!r}")
    return _read(path, kind)


def schemas(kind: str) -> dict[str, Schema]:
    """All schemas of one kind ("resources", "data_sources" or "actions"), by type name."""
    return {name: schema(kind, name) for name in type_names(kind)}


@cache
def function_schema(name: str) -> FunctionSchema:
    """One function's schema, read on first use."""
    path = _schema_root() / "functions" / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no function schema named {name!r}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path.name}: {exc}") from exc
    parsed = parse_function(raw, path.name)
    if path.name != f"{parsed.name}.json":
        raise SchemaError(f"{path.name}: file name must be {parsed.name}.json")
    return parsed


def function_schemas() -> dict[str, FunctionSchema]:
    """Every provider-defined function's schema, by name."""
    return {name: function_schema(name) for name in type_names("functions")}
