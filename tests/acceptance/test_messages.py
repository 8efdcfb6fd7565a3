"""What users read: whole sentences, one hint each, a warning for insecure, quiet logout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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


def test_demo_writes_no_colour_codes_into_a_pipe() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "dellsc.demo"], cwd=root, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Demo complete" in done.stdout
    assert "\x1b[" not in done.stdout + done.stderr
