"""Suite-wide fixtures: a hermetic environment for every test."""

from __future__ import annotations

import os

import pytest

_LEAKY_PREFIXES = ("DELLSC_", "TF_LOG", "TF_CLI_CONFIG_FILE", "TF_REATTACH", "TF_PLUGIN")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop settings of the developer's shell that would change what a test sees."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(name)
