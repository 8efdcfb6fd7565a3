"""Terraform values on the wire: type-directed msgpack (DynamicValue) and JSON (RawState).

Types are parsed cty type JSON (``CtyType``): ``"string"``, ``"number"``, ``"bool"``,
``"dynamic"``, ``["list", T]``, ``["set", T]``, ``["map", T]``, ``["object", {name: T}]``
(an optional 3rd element naming optional attributes is accepted and ignored) and
``["tuple", [T, ...]]``.

Python values: null ``None``; unknown ``Unknown`` (``UNKNOWN`` when unrefined); string ``str``;
number ``Decimal`` (never float); bool ``bool``; list, set and tuple ``list``; map and object
``dict[str, Any]``; a value of type ``"dynamic"`` is ``Dynamic(type, value)`` unless it is null
or unknown.

Decoding treats every msgpack extension as unknown and reads the refinements of type 12.
Encoding follows Terraform: every object attribute present (a key missing from the dict is
null), numbers as int / float64 / decimal string (whichever is exact), unknowns as ``d4 00 00``
(refinements are dropped, which Terraform allows), sets without duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import msgpack

from dellsc.tf.values import (
    PRIMITIVES,
    UNKNOWN,
    CtyType,
    Dynamic,
    Unknown,
    contains_unknown,
)

_INT_MIN = -(2**63)
_UINT_MAX = 2**64 - 1
_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")
_REFINED_EXT = 12


class CodecError(ValueError):
    """A value or type that does not fit; ``path`` locates it (``.attr``, ``[0]``, ``['key']``)."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def at(self, step: str) -> CodecError:
        return CodecError(self.message, step + self.path)


# --- types -------------------------------------------------------------------------------------


def parse_type(raw: bytes | str) -> CtyType:
    """Parse and check cty type JSON."""
    try:
        ty = json.loads(raw)
    except ValueError as exc:
        raise CodecError(f"invalid type JSON: {exc}") from None
    _check_type(ty)
    return ty  # type: ignore[no-any-return]


def type_json(ty: CtyType) -> bytes:
    """Compact, deterministic type JSON (object attributes sorted)."""
    _check_type(ty)
    return json.dumps(ty, separators=(",", ":"), sort_keys=True).encode()


def _check_type(ty: Any) -> None:
    if isinstance(ty, str):
        if ty not in PRIMITIVES:
            raise CodecError(f"unknown type {ty!r}")
        return
    if not isinstance(ty, list) or not ty:
        raise CodecError(f"invalid type {ty!r}")
    kind, args = ty[0], ty[1:]
    if kind in ("list", "set", "map") and len(args) == 1:
        _check_type(args[0])
    elif kind == "object" and len(args) in (1, 2) and isinstance(args[0], dict):
        for name, attr in args[0].items():
            if not isinstance(name, str):
                raise CodecError(f"invalid object attribute name {name!r}")
            _check_type(attr)
    elif kind == "tuple" and len(args) == 1 and isinstance(args[0], list):
        for elem in args[0]:
            _check_type(elem)
    else:
        raise CodecError(f"invalid type {ty!r}")


# --- msgpack decoding --------------------------------------------------------------------------


def decode(data: bytes, ty: CtyType) -> Any:
    """Decode a DynamicValue's msgpack bytes of type ``ty``; empty bytes are null."""
    if not data:
        return None
    try:
        raw = msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook)
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        raise CodecError(f"invalid msgpack: {exc}") from None
    try:
        return _compiled(ty)[0](raw)
    except CodecError:
        return _from_msgpack(raw, ty)  # the general walk names the value's path


def _ext_hook(code: int, payload: bytes) -> Unknown:
    if code != _REFINED_EXT or len(payload) <= 1:
        return UNKNOWN
    try:
        refinements = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        return UNKNOWN
    return _refined(refinements) if isinstance(refinements, dict) else UNKNOWN


def _refined(r: dict[Any, Any]) -> Unknown:
    """Build an Unknown from a type-12 payload, ignoring malformed or future entries."""

    def bound(v: Any) -> tuple[Decimal, bool] | None:
        if isinstance(v, list) and len(v) == 2 and isinstance(v[1], bool):
            try:
                return _number(v[0]), v[1]
            except CodecError:
                return None
        return None

    def length(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

    return Unknown(
        not_null=r.get(1) is False,
        prefix=r[2] if isinstance(r.get(2), str) else None,
        number_lower=bound(r.get(3)),
        number_upper=bound(r.get(4)),
        length_lower=length(r.get(5)),
        length_upper=length(r.get(6)),
    )


def _number(v: Any) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, int | float | str | Decimal):
        raise CodecError(f"expected number, got {_kind(v)}")
    try:
        d = Decimal(v.strip() if isinstance(v, str) else v)
    except InvalidOperation:
        raise CodecError(f"invalid number {v!r}") from None
    if d.is_nan():
        raise CodecError("number is NaN")
    return d


def _kind(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def _from_msgpack(v: Any, ty: CtyType) -> Any:
    if v is None or isinstance(v, Unknown):
        return v
    return _walk(v, ty, _from_msgpack, _dynamic_from_msgpack, strict_objects=True)


def _dynamic_from_msgpack(v: Any) -> Dynamic:
    if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], bytes | str)):
        raise CodecError(f"expected [type, value] for a dynamic value, got {_kind(v)}")
    ty = parse_type(v[0])
    return Dynamic(ty, _from_msgpack(v[1], ty))


def _walk(
    v: Any,
    ty: CtyType,
    child: Callable[[Any, CtyType], Any],
    dynamic: Callable[[Any], Dynamic],
    *,
    strict_objects: bool,
) -> Any:
    """Check a non-null, known decoded value against ``ty``, converting with ``child``."""
    if isinstance(ty, str):
        if ty == "string":
            if isinstance(v, str):
                return v
        elif ty == "number":
            return _number(v)
        elif ty == "bool":
            if isinstance(v, bool):
                return v
        elif ty == "dynamic":
            return dynamic(v)
        raise CodecError(f"expected {ty}, got {_kind(v)}")
    kind = ty[0]
    if kind in ("list", "set"):
        if not isinstance(v, list):
            raise CodecError(f"expected {kind}, got {_kind(v)}")
        return [_step(child, e, ty[1], f"[{i}]") for i, e in enumerate(v)]
    if kind == "tuple":
        if not isinstance(v, list) or len(v) != len(ty[1]):
            raise CodecError(f"expected tuple of {len(ty[1])} elements, got {_describe(v)}")
        return [_step(child, e, t, f"[{i}]") for i, (e, t) in enumerate(zip(v, ty[1], strict=True))]
    if not isinstance(v, dict) or not all(isinstance(k, str) for k in v):
        raise CodecError(f"expected {kind}, got {_kind(v)}")
    if kind == "map":
        return {k: _step(child, e, ty[1], f"[{k!r}]") for k, e in v.items()}
    attrs: dict[str, CtyType] = ty[1]
    if strict_objects and v.keys() != attrs.keys():
        missing = sorted(attrs.keys() - v.keys())
        extra = sorted(v.keys() - attrs.keys())
        raise CodecError(f"object attributes mismatch: missing {missing}, unexpected {extra}")
    return {name: _step(child, v.get(name), t, f".{name}") for name, t in attrs.items()}


def _describe(v: Any) -> str:
    return f"{len(v)} elements" if isinstance(v, list) else _kind(v)


def _step(fn: Callable[[Any, CtyType], Any], v: Any, ty: CtyType, where: str) -> Any:
    try:
        return fn(v, ty)
    except CodecError as exc:
        raise exc.at(where) from None


# --- JSON decoding (RawState) ------------------------------------------------------------------


def decode_json(data: bytes, ty: CtyType) -> Any:
    """Decode state JSON of type ``ty``: missing object keys are null, unknown keys dropped."""
    if not data:
        return None
    try:
        raw = json.loads(data, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise CodecError(f"invalid JSON: {exc}") from None
    return _from_json(raw, ty)


def _from_json(v: Any, ty: CtyType) -> Any:
    if v is None:
        return None
    if ty == "string":
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, Decimal):
            return str(v)
    elif ty == "bool" and v in ("true", "false"):
        return v == "true"
    return _walk(v, ty, _from_json, _dynamic_from_json, strict_objects=False)


def _dynamic_from_json(v: Any) -> Dynamic:
    if not (isinstance(v, dict) and "type" in v and "value" in v):
        raise CodecError(f'expected {{"type": ..., "value": ...}} for a dynamic value, got {v!r}')
    ty = v["type"]
    _check_type(ty)
    return Dynamic(ty, _from_json(v["value"], ty))


# --- msgpack encoding --------------------------------------------------------------------------


def encode(value: Any, ty: CtyType) -> bytes:
    """Encode ``value`` of type ``ty`` as msgpack for a DynamicValue."""
    try:
        tree = _compiled(ty)[1](value)
    except CodecError:
        tree = _to_msgpack(value, ty)  # the general walk names the value's path
    try:
        return msgpack.packb(tree, use_bin_type=True)  # type: ignore[no-any-return]
    except (ValueError, TypeError, OverflowError) as exc:
        raise CodecError(f"cannot encode: {exc}") from None


def _to_msgpack(v: Any, ty: CtyType) -> Any:
    if v is None:
        return None
    if isinstance(v, Unknown):
        return _UNKNOWN_EXT
    if isinstance(ty, str):
        if ty == "string" and isinstance(v, str):
            return v
        if ty == "number":
            return _encode_number(v)
        if ty == "bool" and isinstance(v, bool):
            return v
        if ty == "dynamic" and isinstance(v, Dynamic):
            return [type_json(v.type), _to_msgpack(v.value, v.type)]
        raise CodecError(f"expected {_python_for(ty)} for {ty}, got {_kind(v)}")
    kind = ty[0]
    if kind in ("list", "set", "tuple"):
        if not isinstance(v, list | tuple):
            raise CodecError(f"expected list for {kind}, got {_kind(v)}")
        if kind == "tuple":
            if len(v) != len(ty[1]):
                raise CodecError(f"expected tuple of {len(ty[1])} elements, got {len(v)}")
            return [
                _step(_to_msgpack, e, t, f"[{i}]")
                for i, (e, t) in enumerate(zip(v, ty[1], strict=True))
            ]
        elems = [_step(_to_msgpack, e, ty[1], f"[{i}]") for i, e in enumerate(v)]
        return _dedupe(elems, v) if kind == "set" else elems
    if not isinstance(v, dict):
        raise CodecError(f"expected dict for {kind}, got {_kind(v)}")
    if kind == "map":
        return {_map_key(k): _step(_to_msgpack, v[k], ty[1], f"[{k!r}]") for k in sorted(v)}
    attrs: dict[str, CtyType] = ty[1]
    extra = v.keys() - attrs.keys()
    if extra:
        raise CodecError(f"unexpected object attributes {sorted(extra)}")
    return {
        name: _step(_to_msgpack, v.get(name), attrs[name], f".{name}") for name in sorted(attrs)
    }


def _python_for(ty: str) -> str:
    return {"string": "str", "bool": "bool", "dynamic": "Dynamic"}.get(ty, ty)


def _map_key(k: Any) -> str:
    if not isinstance(k, str):
        raise CodecError(f"map keys must be str, got {_kind(k)}")
    return k


def _dedupe(encoded: list[Any], values: list[Any] | tuple[Any, ...]) -> list[Any]:
    """Drop repeated known set elements (cty collapses them); unknown-bearing ones all stay."""
    seen: set[bytes] = set()
    out = []
    for enc, value in zip(encoded, values, strict=True):
        if not contains_unknown(value):
            key = msgpack.packb(enc, use_bin_type=True)
            if key in seen:
                continue
            seen.add(key)
        out.append(enc)
    return out


def _encode_number(v: Any) -> int | float | str:
    """Terraform's choice: int64/uint64 int, else exact float64, else decimal text."""
    if isinstance(v, bool) or not isinstance(v, int | Decimal):
        raise CodecError(f"expected Decimal or int for number, got {_kind(v)}")
    d = Decimal(v) if isinstance(v, int) else v
    if d.is_nan():
        raise CodecError("number is NaN")
    if d.is_infinite():
        return float(d)
    if d == d.to_integral_value():
        if _INT_MIN <= d <= _UINT_MAX:
            return int(d)
    elif Decimal(f := float(d)) == d:
        return f
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- compiled codecs ---------------------------------------------------------------------------
#
# The walks above interpret the type at every value. A schema's object type is the same on
# every call, so the hot path runs functions built once per type instead: they only handle
# values that fit, and raise a bare CodecError at the first that does not, after which the
# general walk runs again to raise the error with its path. Types the fast path does not
# specialize (map, tuple, dynamic) use the general walk.

_Fn = Callable[[Any], Any]
_COMPILED: dict[int, tuple[CtyType, _Fn, _Fn]] = {}
_MAX_COMPILED = 1024
_MISFIT = CodecError("value does not fit its type")


def _compiled(ty: CtyType) -> tuple[_Fn, _Fn]:
    """(decode, encode) functions for ``ty``, cached for as long as ``ty`` is alive."""
    entry = _COMPILED.get(id(ty))
    if entry is None or entry[0] is not ty:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        entry = _COMPILED[id(ty)] = (ty, _decoder(ty), _encoder(ty))  # keeps ty alive
    return entry[1], entry[2]


def _decoder(ty: CtyType) -> _Fn:
    if ty == "string" or ty == "bool":
        accepted = (str if ty == "string" else bool, Unknown)

        def primitive(v: Any) -> Any:
            if v is None or isinstance(v, accepted):
                return v
            raise _MISFIT

        return primitive
    if ty == "number":
        return lambda v: v if v is None or isinstance(v, Unknown) else _number(v)
    kind = ty[0] if isinstance(ty, list) else None
    if kind in ("list", "set"):
        element = _decoder(ty[1])

        def collection(v: Any) -> Any:
            if v is None or isinstance(v, Unknown):
                return v
            if not isinstance(v, list):
                raise _MISFIT
            return [element(e) for e in v]

        return collection
    if kind == "object" and isinstance(ty, list):
        attrs: dict[str, CtyType] = ty[1]
        keys = attrs.keys()
        fields = tuple((name, _decoder(t)) for name, t in attrs.items())

        def obj(v: Any) -> Any:
            if v is None or isinstance(v, Unknown):
                return v
            if not isinstance(v, dict) or v.keys() != keys:
                raise _MISFIT
            return {name: decode_field(v[name]) for name, decode_field in fields}

        return obj
    return lambda v: _from_msgpack(v, ty)


def _encoder(ty: CtyType) -> _Fn:
    if ty == "string" or ty == "bool":
        accepted = str if ty == "string" else bool

        def primitive(v: Any) -> Any:
            if v is None or isinstance(v, accepted):
                return v
            if isinstance(v, Unknown):
                return _UNKNOWN_EXT
            raise _MISFIT

        return primitive
    if ty == "number":

        def number(v: Any) -> Any:
            if v is None:
                return None
            return _UNKNOWN_EXT if isinstance(v, Unknown) else _encode_number(v)

        return number
    kind = ty[0] if isinstance(ty, list) else None
    if kind in ("list", "set"):
        element = _encoder(ty[1])

        def collection(v: Any) -> Any:
            if v is None:
                return None
            if isinstance(v, Unknown):
                return _UNKNOWN_EXT
            if not isinstance(v, list | tuple):
                raise _MISFIT
            elems = [element(e) for e in v]
            return _dedupe(elems, v) if kind == "set" else elems

        return collection
    if kind == "object" and isinstance(ty, list):
        attrs: dict[str, CtyType] = ty[1]
        keys = attrs.keys()
        fields = tuple((name, _encoder(attrs[name])) for name in sorted(attrs))

        def obj(v: Any) -> Any:
            if v is None:
                return None
            if isinstance(v, Unknown):
                return _UNKNOWN_EXT
            if not isinstance(v, dict) or not v.keys() <= keys:
                raise _MISFIT
            return {name: encode_field(v.get(name)) for name, encode_field in fields}

        return obj
    return lambda v: _to_msgpack(v, ty)
