"""The schema files: they load, match the registered types, and drive planning correctly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dellsc.actions import ACTIONS
from dellsc.data_sources import DATA_SOURCES
from dellsc.list_resources import LIST_RESOURCES
from dellsc.resources import RESOURCES
from dellsc.schema import planning
from dellsc.schema.loader import SchemaError, parse_schema, provider_schema, schemas
from dellsc.schema.validators import VALIDATORS, parse_duration
from dellsc.tf.diagnostics import Diagnostics
from dellsc.tf.values import UNKNOWN, is_unknown


def test_registered_types_match_schema_files() -> None:
    assert set(RESOURCES) == set(schemas("resources"))
    assert set(DATA_SOURCES) == set(schemas("data_sources"))
    assert set(ACTIONS) == set(schemas("actions"))
    assert set(LIST_RESOURCES) == set(schemas("list_resources"))


def test_every_list_resource_lists_a_managed_type_with_an_identity() -> None:
    managed = schemas("resources")
    for name in schemas("list_resources"):
        assert managed[name].identity, f"{name} needs an identity schema to be listed"


def test_every_schema_converts_to_protocol_messages() -> None:
    from dellsc.server.servicer import schema_proto

    kinds = [
        *schemas("resources").values(),
        *schemas("data_sources").values(),
        *schemas("actions").values(),
        *schemas("list_resources").values(),
    ]
    for schema in [provider_schema(), *kinds]:
        message = schema_proto(schema)
        assert len(message.block.attributes) == len(schema.attributes)
        assert all(a.description for a in message.block.attributes)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"type_name": "x", "colour": 1}, "unknown keys", id="unknown-key"),
        pytest.param(
            {"type_name": "x", "attributes": {"a": {"type": "strng", "optional": True,
                                                    "description": "d"}}},
            "invalid type", id="bad-type"),
        pytest.param(
            {"type_name": "x", "attributes": {"a": {"type": "string", "description": "d"}}},
            "needs required", id="no-flags"),
        pytest.param(
            {"type_name": "x", "attributes": {"a": {"type": "string", "optional": True}}},
            "description is required", id="no-description"),
        pytest.param(
            {"type_name": "x", "attributes": {"a": {"type": "string", "optional": True,
                                                    "description": "d",
                                                    "validators": [{"nope": 1}]}}},
            "unknown validator", id="bad-validator"),
        pytest.param(
            {"type_name": "x", "attributes": {"a": {"type": "string", "required": True,
                                                    "description": "d", "default": "z"}}},
            "default needs optional", id="default-on-required"),
    ],
)  # fmt: skip
def test_malformed_schema_files_are_rejected(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_schema(raw, "resources", "x.json")


@pytest.mark.parametrize(
    ("name", "value", "arg", "ok"),
    [
        ("length_between", "abc", [1, 3], True),
        ("length_between", "", [1, 3], False),
        ("one_of", "DELETE", ["DELETE"], True),
        ("one_of", "KEEP", ["DELETE"], False),
        ("at_least", Decimal(1), 1, True),
        ("at_least", Decimal(0), 1, False),
        ("whole_number", Decimal("2.0"), True, True),
        ("whole_number", Decimal("2.5"), True, False),
        ("url", "https://dsm:3033", ["https"], True),
        ("url", "dsm:3033", ["https"], False),
        ("url", "https://dsm:99999", ["https"], False),
        ("duration", "1h30m", True, True),
        ("duration", "soon", True, False),
        ("each_length_between", ["a", ""], [1, 2], False),
    ],
)
def test_validators(name: str, value: Any, arg: Any, ok: bool) -> None:
    assert (VALIDATORS[name](value, arg) is None) is ok


def test_parse_duration() -> None:
    assert parse_duration("90s") == 90
    assert parse_duration("1h30m") == 5400
    assert parse_duration("") is None


def _volume_values(**overrides: Any) -> dict[str, Any]:
    schema = schemas("resources")["dellsc_volume"]
    values: dict[str, Any] = {a.name: None for a in schema.attributes}
    values.update(overrides)
    return values


def test_plan_create_marks_computed_unknown_and_applies_defaults() -> None:
    schema = schemas("resources")["dellsc_volume"]
    config = _volume_values(name="v", size_gb=Decimal(2))
    planned, replace = planning.plan(schema, None, dict(config), config)
    assert planned["deletion_policy"] == "DELETE"
    assert is_unknown(planned["id"]) and is_unknown(planned["storage_profile"])
    assert replace == []


def test_plan_without_change_keeps_prior_exactly() -> None:
    schema = schemas("resources")["dellsc_volume"]
    prior = _volume_values(
        id="64702.1", name="v", size_gb=Decimal(2), size_bytes=Decimal(2 << 30), wwn="w",
        ssn=Decimal(64702), folder="", folder_path="", storage_profile="Recommended",
        replay_profiles=["Daily"], deletion_policy="DELETE", migration_policy="never",
    )  # fmt: skip
    config = _volume_values(name="v", size_gb=Decimal(2))
    proposed = {**prior}
    planned, _ = planning.plan(schema, prior, proposed, config)
    assert planned == prior


def test_plan_with_change_keeps_stable_computed_values() -> None:
    schema = schemas("resources")["dellsc_volume"]
    prior = _volume_values(id="64702.1", name="v", size_gb=Decimal(2), wwn="w",
                           size_bytes=Decimal(2 << 30), deletion_policy="DELETE")  # fmt: skip
    config = _volume_values(name="v", size_gb=Decimal(3))
    planned, _ = planning.plan(schema, prior, {**prior, "size_gb": Decimal(3)}, config)
    assert planned["id"] == "64702.1" and planned["wwn"] == "w"
    assert planned["size_bytes"] is UNKNOWN


def test_validate_reports_the_attribute_path() -> None:
    diags = Diagnostics()
    schema = schemas("resources")["dellsc_volume"]
    planning.validate(schema, _volume_values(name="", size_gb=Decimal(0)), diags)
    paths = {str(d.path) for d in diags}
    assert paths == {"name", "size_gb"}


def test_validate_skips_unknown_values() -> None:
    diags = Diagnostics()
    schema = schemas("resources")["dellsc_volume"]
    planning.validate(schema, _volume_values(name=UNKNOWN, size_gb=UNKNOWN), diags)
    assert len(diags) == 0


def test_sets_are_normalized_for_comparison() -> None:
    schema = schemas("resources")["dellsc_volume"]
    values = planning.normalize(schema, _volume_values(replay_profiles=["Weekly", "Daily"]))
    assert values is not None and values["replay_profiles"] == ["Daily", "Weekly"]
