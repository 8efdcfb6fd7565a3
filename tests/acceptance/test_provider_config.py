"""Provider configuration failures: each a diagnostic naming what to fix."""

from __future__ import annotations

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.conftest import PASSWORD
from tests.acceptance.harness import Terraform

pytestmark = pytest.mark.acceptance


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"DELLSC_PASSWORD": "wrong"}, "Authentication Failed", id="bad-password"),
        pytest.param({"DELLSC_SSN": "11111"}, "Unknown Storage Center", id="unknown-ssn"),
        pytest.param({"DELLSC_CA_FILE": ""}, "TLS Verification Failed", id="untrusted-cert"),
        pytest.param({"DELLSC_ENDPOINT": "https://127.0.0.1:1"}, "Cannot Reach", id="refused"),
        pytest.param({"DELLSC_ENDPOINT": "ftp://x"}, "Invalid DELLSC_ENDPOINT", id="bad-url"),
        pytest.param(
            {"DELLSC_ENDPOINT": f"https://Admin:{PASSWORD}@127.0.0.1:99x"},
            "must not contain a user name or password",
            id="userinfo",
        ),
        pytest.param({"DELLSC_USERNAME": ""}, "Missing Username", id="no-username"),
    ],
)
def test_configure_failures(tf: Terraform, env: dict[str, str], expected: str) -> None:
    tf.write(volume())
    tf.init()
    failed = tf.run("plan", "-no-color", "-input=false", ok=False, extra_env=env)
    assert expected in failed.output
    assert PASSWORD not in failed.output


def test_insecure_skips_verification(tf: Terraform) -> None:
    tf.write(volume(provider='provider "dellsc" {\n  insecure = true\n}\n'))
    tf.init()
    tf.run("plan", "-no-color", "-input=false", extra_env={"DELLSC_CA_FILE": ""})


def test_password_never_leaks(tf: Terraform) -> None:
    tf.write(
        'variable "pw" {\n  type      = string\n  sensitive = true\n}\n'
        + volume(provider='provider "dellsc" {\n  password = var.pw\n}\n')
    )
    tf.init()
    env = {"TF_LOG": "TRACE", "TF_VAR_pw": PASSWORD, "DELLSC_PASSWORD": ""}
    applied = tf.run("apply", "-auto-approve", "-input=false", "-no-color", extra_env=env)
    assert PASSWORD not in applied.output
    assert "dellsc" in applied.stderr, "TRACE output should include the provider's logs"
    state = (tf.workdir / "terraform.tfstate").read_text()
    assert PASSWORD not in state
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color", extra_env=env)
