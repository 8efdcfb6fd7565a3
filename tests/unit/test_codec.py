"""The msgpack/JSON value codec against Terraform's observed bytes and generated values."""

from __future__ import annotations

import json
import struct
from decimal import Decimal
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dellsc.server.codec import CodecError, decode, decode_json, encode, parse_type, type_json
from dellsc.tf.values import UNKNOWN, CtyType, Dynamic, Unknown, contains_unknown, is_unknown

# Terraform 1.11.4 -> provider, config {name="alpha", value=0.1, rule {port=80}} (reference §4.1).
SAMPLE_TYPE = parse_type(
    '["object",{"created":"string","id":"string","name":"string",'
    '"rule":["list",["object",{"port":"number"}]],"secret":"string",'
    '"tags":["map","string"],"value":"number"}]'
)
SAMPLE_BYTES = (
    b"\x87\xa7created\xc0\xa2id\xc0\xa4name\xa5alpha\xa4rule\x91\x81\xa4port\x50"
    b"\xa6secret\xc0\xa4tags\xc0\xa5value\xa30.1"
)
SAMPLE_VALUE = {
    "created": None,
    "id": None,
    "name": "alpha",
    "rule": [{"port": Decimal(80)}],
    "secret": None,
    "tags": None,
    "value": Decimal("0.1"),
}
# A 512-bit `1 - 0.99` as Terraform writes it: too long for float64, so a decimal string.
LONG_DECIMAL = Decimal("0.01" + "0" * 150 + "3")


# --- observed bytes ----------------------------------------------------------------------------


def test_observed_object_decodes_and_reencodes_to_the_same_bytes() -> None:
    assert decode(SAMPLE_BYTES, SAMPLE_TYPE) == SAMPLE_VALUE
    assert encode(SAMPLE_VALUE, SAMPLE_TYPE) == SAMPLE_BYTES


def test_missing_dict_keys_encode_as_null_attributes() -> None:
    sparse = {"name": "alpha", "value": Decimal("0.1"), "rule": [{"port": Decimal(80)}]}
    assert encode(sparse, SAMPLE_TYPE) == SAMPLE_BYTES


def test_observed_refined_unknown() -> None:
    value = decode(bytes.fromhex("c7 09 0c 82 01 c2 02 a4") + b"pre-", "string")
    assert isinstance(value, Unknown)
    assert value.not_null and value.prefix == "pre-"
    assert value == UNKNOWN  # refinements do not take part in equality


@pytest.mark.parametrize(
    ("number", "wire"),
    [
        pytest.param(Decimal("0.1"), b"\xa30.1", id="0.1-as-string"),
        pytest.param(Decimal("1.5"), b"\xcb\x3f\xf8" + b"\x00" * 6, id="1.5-as-float64"),
        pytest.param(Decimal(80), b"\x50", id="fixint"),
        pytest.param(Decimal("-1.000"), b"\xff", id="integral-decimal"),
        pytest.param(Decimal(2**64 - 1), b"\xcf" + b"\xff" * 8, id="uint64-max"),
        pytest.param(Decimal(-(2**63)), b"\xd3\x80" + b"\x00" * 7, id="int64-min"),
        pytest.param(Decimal(2**64), b"\xb4" + str(2**64).encode(), id="beyond-uint64"),
        pytest.param(Decimal("1E+30"), b"\xbf1" + b"0" * 30, id="no-exponent"),
        pytest.param(Decimal("2.50"), b"\xcb" + struct.pack(">d", 2.5), id="exact-float"),
        pytest.param(Decimal("0.10"), b"\xa30.1", id="trailing-zeros-dropped"),
        pytest.param(Decimal("Infinity"), b"\xcb" + struct.pack(">d", float("inf")), id="inf"),
        pytest.param(7, b"\x07", id="python-int"),
    ],
)
def test_number_encoding_follows_terraform(number: Decimal | int, wire: bytes) -> None:
    assert encode(number, "number") == wire
    assert decode(wire, "number") == number


def test_long_decimal_round_trips_exactly() -> None:
    wire = encode(LONG_DECIMAL, "number")
    assert wire[0] == 0xD9  # str8: the decimal text, not a float
    assert decode(wire, "number") == LONG_DECIMAL
    assert str(decode(wire, "number")) == str(LONG_DECIMAL)


@pytest.mark.parametrize(
    ("wire", "number"),
    [
        (msgpack.packb(3), Decimal(3)),
        (msgpack.packb(2**64 - 1), Decimal(2**64 - 1)),
        (msgpack.packb(0.1), Decimal(0.1)),  # the exact binary value of the float
        (b"\xca" + struct.pack(">f", 0.5), Decimal("0.5")),  # float32
        (msgpack.packb("12.5e2"), Decimal("1250")),
    ],
)
def test_numbers_decode_from_every_msgpack_family(wire: bytes, number: Decimal) -> None:
    result = decode(wire, "number")
    assert isinstance(result, Decimal) and result == number


def test_plain_unknown_is_fixext1_type0() -> None:
    assert encode(UNKNOWN, "string") == b"\xd4\x00\x00"
    assert encode(Unknown(not_null=True, prefix="x"), ["list", "string"]) == b"\xd4\x00\x00"


REFINEMENT = b"\x82\x01\xc2\x02\xa4pre-"


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(b"\xd4\x00\x00", id="fixext1"),
        pytest.param(b"\xd5\x05\x00\x00", id="fixext2-other-type"),
        pytest.param(b"\xd6\x0c\x81\x02\xa1a", id="fixext4-refined"),
        pytest.param(b"\xd7\x0c\x81\x02\xa5abcde", id="fixext8-refined"),
        pytest.param(b"\xd8\x0c\x81\x02\xad" + b"a" * 13, id="fixext16-refined"),
        pytest.param(b"\xc7\x09\x0c" + REFINEMENT, id="ext8"),
        pytest.param(b"\xc8\x00\x09\x0c" + REFINEMENT, id="ext16"),
        pytest.param(b"\xc9\x00\x00\x00\x09\x0c" + REFINEMENT, id="ext32"),
        pytest.param(b"\xc7\x03\x0c\xff\xff\xff", id="garbage-refinement"),
        pytest.param(b"\xc7\x02\x0c\x81\x01", id="truncated-refinement"),
        pytest.param(b"\xc7\x03\x0c\x93\x01\x02", id="refinement-not-a-map"),
    ],
)
def test_every_ext_format_is_unknown(wire: bytes) -> None:
    assert is_unknown(decode(wire, "string"))


def test_refinements_are_parsed_defensively() -> None:
    payload = msgpack.packb({1: False, 3: [1, True], 4: ["9.5", False], 5: 2, 6: -1, 99: "future"})
    value = decode(b"\xc7" + bytes([len(payload)]) + b"\x0c" + payload, "number")
    assert isinstance(value, Unknown)
    assert value.not_null
    assert value.number_lower == (Decimal(1), True)
    assert value.number_upper == (Decimal("9.5"), False)
    assert value.length_lower == 2 and value.length_upper is None


def test_dynamic_values() -> None:
    wrapped = encode(Dynamic("string", "x"), "dynamic")
    assert wrapped == b'\x92\xc4\x08"string"\xa1x'
    assert decode(wrapped, "dynamic") == Dynamic("string", "x")
    assert decode(b'\x92\xa8"string"\xa1x', "dynamic") == Dynamic("string", "x")  # str type
    assert decode(b'\x92\xc4\x08"string"\xc0', "dynamic") == Dynamic("string", None)
    assert decode(b"\xc0", "dynamic") is None
    assert decode(b"\xd4\x00\x00", "dynamic") == UNKNOWN
    nested = Dynamic(["list", "number"], [Decimal("0.1"), UNKNOWN])
    assert decode(encode(nested, "dynamic"), "dynamic") == nested


def test_sets_are_deduplicated_but_unknowns_kept() -> None:
    ty: CtyType = ["set", "string"]
    assert encode(["a", "b", "a"], ty) == b"\x92\xa1a\xa1b"
    assert decode(encode([UNKNOWN, UNKNOWN, "a"], ty), ty) == [UNKNOWN, UNKNOWN, "a"]
    objs: CtyType = ["set", ["object", {"n": "number"}]]
    assert len(decode(encode([{"n": Decimal("1.0")}, {"n": Decimal(1)}], objs), objs)) == 1


def test_absent_value_is_null() -> None:
    assert decode(b"", SAMPLE_TYPE) is None
    assert encode(None, SAMPLE_TYPE) == b"\xc0"


def test_contains_unknown_is_deep() -> None:
    assert not contains_unknown(SAMPLE_VALUE)
    assert contains_unknown({"a": [{"b": UNKNOWN}]})
    assert contains_unknown(Dynamic(["list", "string"], ["x", UNKNOWN]))
    assert not is_unknown({"a": UNKNOWN})


# --- types -------------------------------------------------------------------------------------


def test_type_json_is_compact_and_sorted() -> None:
    ty = parse_type(b'[ "object", {"b": "string", "a": ["list", "number"]} ]')
    assert type_json(ty) == b'["object",{"a":["list","number"],"b":"string"}]'
    assert parse_type(type_json(ty)) == ty


@pytest.mark.parametrize(
    "raw",
    [
        '"strin"',
        "[]",
        '["list"]',
        '["list","string","x"]',
        '["object",["a"]]',
        "{",
        '["tuple","a"]',
    ],
)
def test_invalid_type_json_is_a_codec_error(raw: str) -> None:
    with pytest.raises(CodecError):
        parse_type(raw)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "ty", "message"),
    [
        pytest.param(msgpack.packb(1), "string", "expected string, got int", id="int-for-string"),
        pytest.param(msgpack.packb("1"), "bool", "expected bool", id="str-for-bool"),
        pytest.param(msgpack.packb(True), "number", "expected number", id="bool-for-number"),
        pytest.param(msgpack.packb("NaN"), "number", "NaN", id="nan"),
        pytest.param(msgpack.packb("ten"), "number", "invalid number", id="bad-number"),
        pytest.param(msgpack.packb({}), SAMPLE_TYPE, "missing ['created'", id="empty-object"),
        pytest.param(
            SAMPLE_BYTES.replace(b"\xa4port\x50", b"\xa4port\xa1x"),
            SAMPLE_TYPE,
            ".rule[0].port: invalid number",
            id="path-in-message",
        ),
        pytest.param(
            msgpack.packb({"a": None, "b": None}),
            ["object", {"a": "string"}],
            "unexpected ['b']",
            id="extra-attribute",
        ),
        pytest.param(msgpack.packb([1]), ["tuple", ["number", "number"]], "tuple", id="tuple"),
        pytest.param(msgpack.packb({1: "a"}), ["map", "string"], "expected map", id="int-keys"),
        pytest.param(msgpack.packb("x"), ["list", "string"], "expected list", id="str-for-list"),
        pytest.param(msgpack.packb([1, 2, 3]), "dynamic", "dynamic", id="bad-dynamic"),
        pytest.param(msgpack.packb(['"strin"', 1]), "dynamic", "unknown type", id="dyn-type"),
        pytest.param(b"\x92\xa1a", ["list", "string"], "invalid msgpack", id="truncated"),
        pytest.param(b"\xa1a\xa1b", "string", "invalid msgpack", id="trailing-bytes"),
        pytest.param(b"\xa2\xff\xfe", "string", "invalid msgpack", id="bad-utf8"),
        pytest.param(b"\xc1", "string", "invalid msgpack", id="reserved-byte"),
    ],
)
def test_wrong_shapes_raise_codec_error(wire: bytes, ty: CtyType, message: str) -> None:
    with pytest.raises(CodecError, match=None) as info:
        decode(wire, ty)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("value", "ty", "message"),
    [
        pytest.param(0.1, "number", "expected Decimal or int", id="float"),
        pytest.param(True, "number", "expected Decimal or int", id="bool"),
        pytest.param(Decimal("NaN"), "number", "NaN", id="nan"),
        pytest.param(1, "string", "expected str", id="int-for-string"),
        pytest.param("x", "dynamic", "expected Dynamic", id="bare-dynamic"),
        pytest.param({"a": 1, "zz": 2}, ["object", {"a": "number"}], "['zz']", id="extra"),
        pytest.param({1: "a"}, ["map", "string"], "map keys", id="int-key"),
        pytest.param(["a"], ["tuple", ["string", "string"]], "tuple", id="tuple"),
        pytest.param("ab", ["list", "string"], "expected list", id="str-for-list"),
        pytest.param({"a": ["x", 2]}, ["object", {"a": ["list", "string"]}], ".a[1]", id="path"),
        pytest.param("\ud800", "string", "cannot encode", id="surrogate"),
    ],
)
def test_encode_rejects_values_that_do_not_fit(value: Any, ty: CtyType, message: str) -> None:
    with pytest.raises(CodecError) as info:
        encode(value, ty)
    assert message in str(info.value)


# --- JSON (RawState) ---------------------------------------------------------------------------


def test_decode_json_raw_state() -> None:
    raw = b"""{
      "name": "alpha", "value": 0.1, "big": 123456789012345678901234567890,
      "rule": [{"port": 80, "gone": true}], "removed_attr": "x", "flag": "true",
      "dyn": {"value": ["a"], "type": ["list", "string"]}, "count": 3
    }"""
    ty = parse_type(
        '["object",{"name":"string","value":"number","big":"number","tags":["map","string"],'
        '"rule":["list",["object",{"port":"number"}]],"flag":"bool","dyn":"dynamic",'
        '"count":"string"}]'
    )
    assert decode_json(raw, ty) == {
        "name": "alpha",
        "value": Decimal("0.1"),
        "big": Decimal(123456789012345678901234567890),
        "tags": None,
        "rule": [{"port": Decimal(80)}],
        "flag": True,
        "dyn": Dynamic(["list", "string"], ["a"]),
        "count": "3",
    }
    assert decode_json(b"", ty) is None
    assert decode_json(b"null", ty) is None


@pytest.mark.parametrize(
    ("raw", "ty"),
    [(b"{", "string"), (b'{"a": 1}', ["list", "string"]), (b'{"x": [1]}', "dynamic")],
)
def test_decode_json_errors(raw: bytes, ty: CtyType) -> None:
    with pytest.raises(CodecError):
        decode_json(raw, ty)


# --- generated round trips ---------------------------------------------------------------------

names = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
cty_types: st.SearchStrategy[CtyType] = st.recursive(
    st.sampled_from(["string", "number", "bool", "dynamic"]),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["list", "set", "map"]), inner).map(list),
        st.dictionaries(names, inner, max_size=4).map(lambda attrs: ["object", attrs]),
        st.lists(inner, max_size=3).map(lambda elems: ["tuple", elems]),
    ),
    max_leaves=8,
)
numbers = st.one_of(
    st.integers().map(Decimal),
    st.floats(allow_nan=False).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("0.1"), LONG_DECIMAL, Decimal(1) - Decimal("0.99"), Decimal("-0")]),
)
dynamic_types: st.SearchStrategy[CtyType] = st.sampled_from(
    ["string", "number", ["list", "bool"], ["object", {"a": "number"}]]
)


def values(ty: CtyType, *, unknowns: bool = True) -> st.SearchStrategy[Any]:
    """Values of ``ty``: null and (optionally) unknown at every level."""
    special = [st.none(), st.just(UNKNOWN)] if unknowns else [st.none()]
    return st.one_of(*special, known_values(ty, unknowns=unknowns))


def known_values(ty: CtyType, *, unknowns: bool) -> st.SearchStrategy[Any]:
    def sub(t: CtyType) -> st.SearchStrategy[Any]:
        return st.deferred(lambda: values(t, unknowns=unknowns))

    if ty == "string":
        return st.text(max_size=8)
    if ty == "number":
        return numbers
    if ty == "bool":
        return st.booleans()
    if ty == "dynamic":
        return dynamic_types.flatmap(lambda t: sub(t).map(lambda v: Dynamic(t, v)))
    assert isinstance(ty, list)
    kind = ty[0]
    if kind == "list":
        return st.lists(sub(ty[1]), max_size=3)
    if kind == "set":
        return st.lists(sub(ty[1]), max_size=3, unique_by=lambda v: encode(v, ty[1]))
    if kind == "map":
        return st.dictionaries(st.text(max_size=4), sub(ty[1]), max_size=3)
    if kind == "object":
        return st.fixed_dictionaries({name: sub(t) for name, t in ty[1].items()})
    return st.tuples(*(sub(t) for t in ty[1])).map(list)


typed_values = cty_types.flatmap(lambda ty: st.tuples(st.just(ty), values(ty)))


@settings(max_examples=300)
@given(typed_values)
def test_msgpack_round_trip(case: tuple[CtyType, Any]) -> None:
    ty, value = case
    wire = encode(value, ty)
    assert decode(wire, ty) == value
    assert decode(wire, parse_type(type_json(ty))) == value


def to_json(value: Any, ty: CtyType) -> str:
    """State JSON as Terraform writes it (numbers as exact JSON numbers)."""
    if value is None:
        return "null"
    if ty == "number":
        return format(value, "f")
    if ty == "dynamic":
        return f'{{"value": {to_json(value.value, value.type)}, "type": {json.dumps(value.type)}}}'
    if isinstance(ty, str):
        return json.dumps(value)
    if ty[0] in ("list", "set"):
        return "[" + ", ".join(to_json(e, ty[1]) for e in value) + "]"
    if ty[0] == "tuple":
        return "[" + ", ".join(to_json(e, t) for e, t in zip(value, ty[1], strict=True)) + "]"
    types: dict[str, CtyType] = ty[1] if ty[0] == "object" else {k: ty[1] for k in value}
    return "{" + ", ".join(f"{json.dumps(k)}: {to_json(value[k], types[k])}" for k in value) + "}"


@settings(max_examples=200)
@given(cty_types.flatmap(lambda ty: st.tuples(st.just(ty), values(ty, unknowns=False))))
def test_json_decoding_matches_msgpack_decoding(case: tuple[CtyType, Any]) -> None:
    ty, value = case
    assert decode_json(to_json(value, ty).encode(), ty) == value
