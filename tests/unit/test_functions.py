"""Provider-defined functions: each function's cases, and the CallFunction / schema plumbing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from dellsc.functions import FUNCTIONS
from dellsc.functions.base import FunctionError
from dellsc.functions.normalize_initiator import normalize
from dellsc.functions.parse_id import PLAN_ID, parse
from dellsc.functions.wwn_device_path import device_path
from dellsc.provider import DellscProvider
from dellsc.resources.disaster_recovery import PLAN_ID as PLAN_ID_OF_THE_RESOURCE
from dellsc.schema.loader import SchemaError, function_schemas, parse_function
from dellsc.server import codec
from dellsc.server._gen import tfplugin6_pb2 as pb
from dellsc.server.servicer import ProviderServicer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64702.101", {"object": "instance", "ssn": 64702, "index": 101}),
        ("64702.101.3", {"object": "snapshot", "ssn": 64702, "volume_id": "64702.101",
                         "index": 3}),
        ("64702.64702.11.1", {"object": "group_snapshot", "ssn": 64702, "group_id": "64702.11",
                              "index": 1}),
        ("64702.101/64702.47", {"object": "mapping", "ssn": 64702, "volume_id": "64702.101",
                                "server_id": "64702.47"}),
        ("64702.101/name:before upgrade", {"object": "snapshot_name", "ssn": 64702,
                                           "volume_id": "64702.101", "name": "before upgrade"}),
        ("name:db01", {"object": "name", "name": "db01"}),
        ("name:a/b", {"object": "name", "name": "a/b"}),
        ("64702:64703:dr-1", {"object": "replication_plan", "ssn": 64702,
                              "secondary_ssn": 64703, "name": "dr-1"}),
        ("064702.0101", {"object": "instance", "ssn": 64702, "index": 101}),
    ],
)  # fmt: skip
def test_parse_id_forms(text: str, expected: dict[str, Any]) -> None:
    parsed = parse(text)
    assert set(parsed) == {"object", "ssn", "index", "volume_id", "server_id", "group_id",
                           "name", "secondary_ssn"}  # fmt: skip
    assert {k: v for k, v in parsed.items() if v is not None} == expected


@pytest.mark.parametrize(
    "text", ["", "64702", "64702.", ".101", "64702.101.", "a.b", "64702.101/", "name:",
             "name: ", "64702.101/64702", "64702.101/name:", "1.2.3.4.5", " 64702.101",
             "64702:64703:", "64702:64703:-x", "64702.101/64702.47/1"],
)  # fmt: skip
def test_parse_id_rejects_what_no_resource_uses(text: str) -> None:
    with pytest.raises(FunctionError) as raised:
        parse(text)
    assert raised.value.argument == 0 and "64702.101" in raised.value.text


def test_parse_id_reads_replication_plan_ids_as_the_resource_writes_them() -> None:
    assert PLAN_ID.pattern == PLAN_ID_OF_THE_RESOURCE.pattern


@pytest.mark.parametrize(
    ("wwn", "partition", "path"),
    [
        ("6000d31000fcbe000000000000000da8", None, "wwn-0x6000d31000fcbe000000000000000da8"),
        ("6000D31000FCBE000000000000000DA8", 2, "wwn-0x6000d31000fcbe000000000000000da8-part2"),
        ("naa.6000d31000fcbe000000000000000da8", None, "wwn-0x6000d31000fcbe000000000000000da8"),
        ("0x5000c500a1b2c3d4", None, "wwn-0x5000c500a1b2c3d4"),
        ("50:00:C5:00:A1:B2:C3:D4", None, "wwn-0x5000c500a1b2c3d4"),
        (" 2000001b321e5a95 ", None, "wwn-0x2000001b321e5a95"),
    ],
)
def test_wwn_device_path(wwn: str, partition: int | None, path: str) -> None:
    assert device_path(wwn, partition) == "/dev/disk/by-id/" + path


@pytest.mark.parametrize(
    ("wwn", "why"),
    [
        ("", "not a WWN"),
        ("6000d31000fcbe00000000000000zzzz", "not a WWN"),
        ("6000d31000fcbe00", "has 16 hex digits; an NAA 6 WWN has 32"),
        ("5000c500a1b2c3d4aa", "an NAA 5 WWN has 16"),
        ("4000c500a1b2c3d4", "first digit"),
    ],
)
def test_wwn_device_path_errors(wwn: str, why: str) -> None:
    with pytest.raises(FunctionError, match=why) as raised:
        device_path(wwn)
    assert raised.value.argument == 0


@pytest.mark.parametrize(
    ("initiator", "normal"),
    [
        ("IQN.1998-01.com.VMware:esx01-4C1A2B3D", "iqn.1998-01.com.vmware:esx01-4c1a2b3d"),
        ("iqn.1991-05.com.microsoft:Host.Dom", "iqn.1991-05.com.microsoft:host.dom"),
        ("iqn.1994-05.com.redhat", "iqn.1994-05.com.redhat"),
        ("EUI.02004567A425678D", "eui.02004567a425678d"),
        ("naa.52004567BA64678D", "naa.52004567ba64678d"),
        ("21:00:00:24:FF:30:44:1D", "21000024ff30441d"),
        ("21-00-00-24-ff-30-44-1d", "21000024ff30441d"),
        ("0x21000024FF30441D", "21000024ff30441d"),
        ("  21000024ff30441d\n", "21000024ff30441d"),
    ],
)  # fmt: skip
def test_normalize_initiator(initiator: str, normal: str) -> None:
    assert normalize(initiator) == normal
    assert normalize(normal) == normal, "idempotent"


@pytest.mark.parametrize(
    "initiator",
    ["", "iqn.98-01.com.x", "iqn.1998-13.com.x", "iqn.1998-01", "iqn.1998-01.-com",
     "eui.0200", "naa.1234", "21:00:00:24:FF:30:44", "21:0000:24:FF:30:44:1D",
     "21000024ff30441dff", "0x0x21000024ff30441d", "host01"],
)  # fmt: skip
def test_normalize_initiator_errors(initiator: str) -> None:
    with pytest.raises(FunctionError, match="is not an initiator") as raised:
        normalize(initiator)
    assert raised.value.argument == 0


def test_registered_functions_match_schema_files_and_their_examples_hold() -> None:
    schemas = function_schemas()
    assert set(FUNCTIONS) == set(schemas)
    for name, schema in schemas.items():
        for call, expected in schema.examples:
            assert call.startswith(f"provider::dellsc::{name}("), call
            # the docs show results in HCL; these are JSON-compatible, checked for real by
            # tests/acceptance/test_functions.py through terraform console
            json.loads(expected)


def test_function_schema_needs_a_return_type() -> None:
    raw = {"name": "f", "summary": "s", "description": "d", "parameters": []}
    with pytest.raises(SchemaError, match="'return' is required"):
        parse_function(raw, "f.json")


def _call(name: str, *arguments: tuple[Any, Any]) -> Any:
    servicer = ProviderServicer(DellscProvider())  # unconfigured, as Terraform calls it
    request = pb.CallFunction.Request(
        name=name,
        arguments=[pb.DynamicValue(msgpack=codec.encode(v, ty)) for v, ty in arguments],
    )
    return servicer.CallFunction(request, None)


def test_call_function_decodes_variadic_arguments_one_by_one() -> None:
    wwn = ("6000d31000fcbe000000000000000da8", "string")
    answer = _call("wwn_device_path", wwn, (Decimal(1), "number"))
    assert not answer.HasField("error")
    assert codec.decode(answer.result.msgpack, "string").endswith("da8-part1")
    answer = _call("wwn_device_path", wwn, (Decimal(1), "number"), (Decimal(2), "number"))
    assert answer.error.function_argument == 2 and "at most one" in answer.error.text
    assert not answer.error.text.endswith("."), "Terraform adds the full stop"


def test_call_function_errors() -> None:
    assert _call("parse_id", (None, "string")).error.function_argument == 0
    answer = _call("parse_id", ("64702.101", "string"), ("x", "string"))
    assert answer.error.function_argument == 1 and "takes 1 argument" in answer.error.text
    answer = _call("no_such_function")
    assert answer.HasField("error") and not answer.error.HasField("function_argument")
    parsed = _call("parse_id", ("64702.101.3", "string"))
    value = codec.decode(parsed.result.msgpack, function_schemas()["parse_id"].returns)
    assert value["volume_id"] == "64702.101" and value["server_id"] is None


def test_schema_declares_functions_with_a_return() -> None:
    servicer = ProviderServicer(DellscProvider())
    declared = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None).functions
    assert set(declared) == set(FUNCTIONS)
    assert all(f.HasField("return") and f.summary for f in declared.values())
    assert declared["wwn_device_path"].variadic_parameter.name == "partition"
    listed = servicer.GetFunctions(pb.GetFunctions.Request(), None).functions
    assert set(listed) == set(FUNCTIONS)
    meta = servicer.GetMetadata(pb.GetMetadata.Request(), None).functions
    assert {f.name for f in meta} == set(FUNCTIONS)
