"""Fuzzing with hypothesis (bounded example counts): the msgpack codec and the SC client's reply
parsing answer every input with a value or a typed error, never a crash or a hang."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dellsc.sc.errors import ScApiError
from dellsc.sc.models import AsyncTask, ScVolume, ScVolumeConfiguration, parse, parse_list
from dellsc.sc.tasks import is_async_task, poll_path
from dellsc.server.codec import CodecError, decode, decode_json, encode
from dellsc.tf.values import UNKNOWN

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.text(st.characters(codec="utf-8"), max_size=8)
primitive_types = st.sampled_from(["string", "number", "bool", "dynamic"])
types: st.SearchStrategy[Any] = st.recursive(
    primitive_types,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["list", "set", "map"]), inner).map(list),
        st.dictionaries(names, inner, max_size=3).map(lambda d: ["object", d]),
    ),
    max_leaves=6,
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)


def value_of(ty: Any) -> st.SearchStrategy[Any]:
    """Python values (in the codec's model) of cty type `ty`, with nulls and unknowns."""
    if ty == "string":
        leaf: st.SearchStrategy[Any] = st.text(max_size=10)
    elif ty == "number":
        leaf = st.integers(-(2**70), 2**70).map(Decimal) | st.decimals(
            allow_nan=False, allow_infinity=False, places=3
        )
    elif ty == "bool":
        leaf = st.booleans()
    elif ty == "dynamic":
        return st.none() | st.just(UNKNOWN)
    elif ty[0] in ("list", "set"):
        leaf = st.lists(value_of(ty[1]), max_size=3)
        if ty[0] == "set":
            leaf = leaf.map(lambda v: [x for i, x in enumerate(v) if x not in v[:i]])
    elif ty[0] == "map":
        leaf = st.dictionaries(st.text(max_size=5), value_of(ty[1]), max_size=3)
    else:
        leaf = st.fixed_dictionaries({k: value_of(v) for k, v in ty[1].items()})
    return st.none() | st.just(UNKNOWN) | leaf


@FUZZ
@given(st.data())
def test_codec_round_trips_any_value_of_any_type(data: st.DataObject) -> None:
    ty = data.draw(types)
    value = data.draw(value_of(ty))
    try:
        wire = encode(value, ty)
    except CodecError:
        return  # e.g. an unknown inside a set of sets: refused with a typed error
    assert encode(decode(wire, ty), ty) == wire


@FUZZ
@given(types, st.binary(max_size=64))
def test_codec_decodes_garbage_to_a_value_or_a_codec_error(ty: Any, garbage: bytes) -> None:
    for decoder in (decode, decode_json):
        try:
            decoder(garbage, ty)
        except CodecError:
            pass


@FUZZ
@given(types, json_values)
def test_codec_encodes_mistyped_values_with_a_codec_error(ty: Any, value: Any) -> None:
    try:
        encode(value, ty)
    except CodecError:
        pass


@FUZZ
@given(json_values, st.sampled_from([ScVolume, ScVolumeConfiguration, AsyncTask]))
def test_reply_parsing_raises_only_sc_api_errors(data: Any, model: type[Any]) -> None:
    for parser in (parse, parse_list):
        try:
            parser(model, data, "GET", "StorageCenter/ScVolume/1.1")
        except ScApiError as exc:
            assert exc.status == 200 and exc.method == "GET"


volume_like = st.fixed_dictionaries(
    {
        "objectType": st.sampled_from(["ScVolume", "ScServer", "AsyncTask", 7]),
        "instanceId": st.text(max_size=12) | st.integers(),
        "name": st.text(max_size=12) | st.none() | st.integers(),
        "scSerialNumber": st.integers() | st.text(max_size=6) | st.none(),
        "configuredSize": st.text(max_size=20) | st.integers() | st.floats() | st.none(),
    },
    optional={"inRecycleBin": json_values, "notes": json_values, "returnValue": json_values},
)


@FUZZ
@given(volume_like)
def test_mistyped_and_wrong_kind_objects_are_typed_errors(doc: dict[str, Any]) -> None:
    try:
        parse(ScVolume, doc, "POST", "StorageCenter/ScVolume/GetList")
    except ScApiError:
        pass
    if is_async_task(doc):
        try:
            poll_path(parse(AsyncTask, doc, "POST", "StorageCenter/ScVolume"))
        except ScApiError:
            pass
