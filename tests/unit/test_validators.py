"""The schema validators: what each accepts and refuses, in words, and the docs they write."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dellsc.schema.loader import provider_schema, schemas
from dellsc.schema.validators import RULES, VALIDATORS, describe, hidden_character

NAME = [1, 250]


@pytest.mark.parametrize(
    ("rule", "value", "arg", "words"),
    [
        pytest.param("name", "db/data*?\\x", NAME, None, id="name-odd-but-fine"),
        pytest.param("name", "données-é", NAME, None, id="name-unicode"),
        pytest.param("name", "a\nb", NAME, "a newline (U+000A) at character 2", id="name-nl"),
        pytest.param("name", "a\rb", NAME, "carriage return", id="name-cr"),
        pytest.param("name", "a\tb", NAME, "a tab", id="name-tab"),
        pytest.param("name", "a\x00b", NAME, "NUL (U+0000)", id="name-nul"),
        pytest.param("name", "a\x85b", NAME, "U+0085", id="name-c1"),
        pytest.param("name", "a\u2029b", NAME, "paragraph separator", id="name-par-sep"),
        pytest.param("name", "a\u200bb", NAME, "zero width space", id="name-zwsp"),
        pytest.param("name", "", NAME, "empty or only whitespace", id="name-empty"),
        pytest.param("name", " \t", NAME, "empty or only whitespace", id="name-blank"),
        pytest.param("name", "db ", NAME, "start or end with a space", id="name-edge"),
        pytest.param("name", "x" * 251, NAME, "between 1 and 250", id="name-long"),
        pytest.param("notes", "line 1\nline 2\tx", True, None, id="notes-lines"),
        pytest.param("notes", "a\x00", True, "NUL", id="notes-nul"),
        pytest.param("folder_path", "/", True, None, id="folder-root"),
        pytest.param("folder_path", "/prod/db/", True, None, id="folder-edge-slashes"),
        pytest.param("folder_path", "prod/db", True, None, id="folder-plain"),
        pytest.param("folder_path", "//", True, "must name a folder", id="folder-slashes"),
        pytest.param("folder_path", "a//b", True, "empty folder name", id="folder-gap"),
        pytest.param("folder_path", "../../etc", True, "'..' level", id="folder-up"),
        pytest.param("folder_path", "a/./b", True, "'.' level", id="folder-dot"),
        pytest.param("folder_path", "a/ /b", True, "only whitespace", id="folder-blank"),
        pytest.param("folder_path", "a/ b", True, "starts or ends with a space", id="folder-edge"),
        pytest.param("folder_path", "a\\b", True, "not '\\'", id="folder-backslash"),
        pytest.param("folder_path", "a\nb", True, "a newline", id="folder-newline"),
        pytest.param("folder_path", "a/" + "x" * 251, True, "longer than 250", id="folder-long"),
        pytest.param("each_iscsi_name", ["iqn.1993-08.org.debian:01:abc"], True, None, id="iqn"),
        pytest.param("each_iscsi_name", ["IQN.1993-08.ORG.DEBIAN:01:ABC"], True, None, id="iqn-up"),
        pytest.param("each_iscsi_name", ["iqn.2001-04.com.example"], True, None, id="iqn-bare"),
        pytest.param("each_iscsi_name", ["eui.02004567A425678D"], True, None, id="eui"),
        pytest.param("each_iscsi_name", ["eui.0200"], True, "16 hex digits", id="eui-short"),
        pytest.param("each_iscsi_name", ["iqn.1993-00.org.x"], True, "month from 01", id="iqn-m0"),
        pytest.param("each_iscsi_name", ["iqn.org.x"], True, "iqn.<yyyy-mm>", id="iqn-no-date"),
        pytest.param("each_iscsi_name", ["iqn.1993-08.org.x:a b"], True, "a space", id="iqn-sp"),
        pytest.param("each_iscsi_name", ["iqn.1993-08.org.x:a/b"], True, "'/'", id="iqn-slash"),
        pytest.param("each_iscsi_name", ["iqn.1993-08.o:" + "x" * 210], True, "223 bytes",
                     id="iqn-long"),
        pytest.param("each_iscsi_name", ["host01"], True, "such as iqn.1993-08", id="not-iscsi"),
        pytest.param("each_wwpn", ["21000024FF30441D"], True, None, id="wwpn"),
        pytest.param("each_wwpn", ["21:00:00:24:ff:30:44:1d"], True, "21000024ff30441d",
                     id="wwpn-colons"),
        pytest.param("each_wwpn", ["2100"], True, "16 hex digits", id="wwpn-short"),
        pytest.param("distinct_ignoring_case", ["iqn.a:X", "iqn.a:x"], "initiator names",
                     "compared ignoring case", id="twins"),
        pytest.param("distinct_ignoring_case", ["iqn.a:x", "iqn.a:y"], "initiator names", None,
                     id="not-twins"),
        pytest.param("instance_id", "64702.101", "volume", None, id="id"),
        pytest.param("instance_id", "64702.101", "snapshot", "such as 64702.101.3", id="id-kind"),
        pytest.param("at_most", Decimal(10**12), 2**31 - 1, "at most 2147483647", id="at-most"),
        pytest.param("duration", "999999h", [1, 604800], "between 1s and 168h", id="duration"),
        pytest.param("regex", "a b", ["[a-z]+", "lower-case letters"], "must be lower-case",
                     id="regex-in-words"),
    ],
)  # fmt: skip
def test_rules(rule: str, value: Any, arg: Any, words: str | None) -> None:
    message = VALIDATORS[rule](value, arg)
    if words is None:
        assert message is None
    else:
        assert message is not None and words in message, message


def test_hidden_characters_allowed_where_said() -> None:
    assert hidden_character("a\tb\nc", allowed="\t\n") is None
    assert hidden_character("a\u202eb") is not None  # a right-to-left override


def _all_schemas() -> list[Any]:
    return [
        provider_schema(),
        *(s for kind in ("resources", "data_sources", "actions", "list_resources")
          for s in schemas(kind).values()),
    ]  # fmt: skip


def test_every_rule_in_the_schemas_describes_itself() -> None:
    for schema in _all_schemas():
        for attr in schema.attributes:
            text = describe(attr.validators)
            assert bool(text) == bool(attr.validators)
            assert not re.search(r"\\d|\(\?i\)", text), (schema.type_name, attr.name, text)


# attributes that name something on the array (notes take line breaks, but not NUL)
NAMED = {"name": "a\nb", "folder": "a\nb", "volume_folder": "a\nb", "qos_node": "a\nb",
         "notes": "a\x00b"}  # fmt: skip


def test_every_name_attribute_refuses_control_characters() -> None:
    for schema in _all_schemas():
        for attr in schema.attributes:
            bad = NAMED.get(attr.name)
            if attr.type != "string" or bad is None or not (attr.required or attr.optional):
                continue
            refused = [VALIDATORS[rule](bad, arg) for rule, arg in attr.validators]
            assert any(refused), f"{schema.type_name}.{attr.name} takes {bad!r}"


def test_generated_docs_show_the_rules() -> None:
    page = Path("docs/resources/server.md").read_text()
    line = next(ln for ln in page.splitlines() if ln.startswith("- `iscsi_initiators`"))
    assert "Validation: each an iSCSI name (RFC 3720)" in line
    assert "differ only in case" in line
    assert set(RULES) >= {"name", "folder_path", "each_iscsi_name", "each_wwpn"}


def test_every_rule_in_the_schemas_runs() -> None:
    # a rule whose argument has the wrong shape fails every plan that sets the attribute
    for schema in _all_schemas():
        for attr in schema.attributes:
            samples = {"string": ("x", "64702.101"), "number": (Decimal(1),)}
            for rule, arg in attr.validators:
                for value in samples.get(str(attr.type), ()):
                    result = VALIDATORS[rule](value, arg)
                    assert result is None or isinstance(result, str), (schema.type_name, rule)
