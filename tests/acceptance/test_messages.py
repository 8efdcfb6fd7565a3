"""What users read: whole sentences, one hint each, a warning for insecure, quiet logout."""

from __future__ import annotations

import re

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.harness import Terraform

pytestmark = pytest.mark.acceptance


def _flat(text: str) -> str:
    """Terraform wraps diagnostics at 78 columns and boxes them: undo that."""
    return re.sub(r"\s+", " ", text.replace("│", " "))


def test_messages(tf: Terraform) -> None:
    tf.write(volume())
    tf.init()
    plan = ("plan", "-no-color", "-input=false")

    bad_password = _flat(tf.run(*plan, ok=False, extra_env={"DELLSC_PASSWORD": "x"}).output)
    assert re.search(r"password\. Check username and password\.", bad_password), bad_password

    untrusted = _flat(tf.run(*plan, ok=False, extra_env={"DELLSC_CA_FILE": ""}).output)
    assert "TLS Verification Failed" in untrusted
    assert untrusted.count("ca_file") == 1 and untrusted.count("insecure") == 1, untrusted

    tf.write(volume(provider='provider "dellsc" {\n  insecure = true\n}\n'))
    insecure = _flat(tf.run(*plan, extra_env={"DELLSC_CA_FILE": ""}).output)
    assert "Warning: TLS Verification Disabled" in insecure and "with provider" in insecure

    tf.write(volume())
    info = tf.run(*plan, extra_env={"TF_LOG_PROVIDER": "INFO"}).stderr
    debug = tf.run(*plan, extra_env={"TF_LOG_PROVIDER": "DEBUG"}).stderr
    assert "ApiConnection/Logout" in debug and "ApiConnection/Logout" not in info
