"""Suite-wide fixtures: a hermetic environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

_LEAKY_PREFIXES = ("DELLSC_", "TF_LOG", "TF_CLI_CONFIG_FILE", "TF_REATTACH", "TF_PLUGIN")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop settings of the developer's shell that would change what a test sees."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def one_run_per_test() -> Iterator[None]:
    """A provider process serves one Terraform run, and `dellsc.resources.adopt` remembers
    what that run created, adopted and looked up; a test is one run, and the emulator of the
    next one may reuse the same instance IDs."""
    from dellsc.resources import adopt

    yield
    with adopt._lock:
        for remembered in (adopt._taken, adopt._held, adopt._keys, adopt._looked):
            remembered.clear()
