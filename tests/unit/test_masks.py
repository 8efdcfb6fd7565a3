"""What the provider masks in every diagnostic and log line, and how URLs are shown."""

from __future__ import annotations

import json
import logging

import pytest

from dellsc.schema.validators import VALIDATORS
from dellsc.server.diagnostics import to_proto
from dellsc.server.logs import HclogFormatter
from dellsc.tf import masks
from dellsc.tf.diagnostics import Diagnostics

SECRET = "Unit-Mask-S3cret"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://Admin:S3cret@dsm:3033", "https://***@dsm:3033"),
        ("Admin:S3cret@dsm:99x", "***@dsm:99x"),
        ("ftp://a:b@c/d?token=t", "ftp://***@c/d?***"),
        ("https://Admin:pa/ss@dsm", "https://***@dsm"),  # an unescaped / in the password
        ("https://dsm.example.com:3033/api/rest", "https://dsm.example.com:3033/api/rest"),
    ],
)
def test_urls_are_shown_without_user_info(url: str, shown: str) -> None:
    assert masks.display_url(url) == shown


def test_url_validator_refuses_user_info_without_echoing_it() -> None:
    url = VALIDATORS["url"]
    for value in ("https://Admin:S3cret@h:3033", "https://Admin:S3cret@h:99x", "ftp://u:S3cret@h"):
        message = url(value, ["https", "http"])
        assert message and "user name or password" in message and "S3cret" not in message
    assert "invalid port: 'https://h:99x'" in str(url("https://h:99x", ["https"]))
    assert url("https://h:3033", ["https"]) is None
    each = VALIDATORS["each_url"](["https://h", "https://u:S3cret@h"], ["https"])
    assert each and each.startswith("element 2 ") and "S3cret" not in each


def test_registered_secrets_never_leave_in_diagnostics_or_logs() -> None:
    masks.register(SECRET, "abc")  # too short to mask: ordinary words would be
    diags = Diagnostics()
    diags.error(f"Failed for {SECRET}", f"the DSM said {SECRET}; see https://u:p@h/x (abc)")
    [proto] = to_proto(diags)
    assert SECRET not in proto.summary + proto.detail and "u:p" not in proto.detail
    assert "https://***@h/x (abc)" in proto.detail
    record = logging.LogRecord("dellsc.sc", logging.INFO, "", 0, "login %s", (SECRET,), None)
    record.extra_field = f"token {SECRET}"
    line = json.loads(HclogFormatter().format(record))
    assert SECRET not in json.dumps(line) and line["@message"] == "login ***"
