"""`dellsc install` without Terraform: identical package bytes, the user's CLI config kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from dellsc import __version__
from dellsc.tools.install import SOURCE, install, launcher_script


def _package_bytes(mirror: Path) -> dict[str, bytes]:
    return {str(p.relative_to(mirror)): p.read_bytes() for p in mirror.rglob("*") if p.is_file()}


def test_package_is_identical_from_any_python_and_location(tmp_path: Path) -> None:
    one = install(tmp_path / "one", python="/opt/a/bin/python", pointer_home=tmp_path / "c1")
    two = install(tmp_path / "x" / "two", python="/srv/b/python", pointer_home=tmp_path / "c2")
    assert _package_bytes(one.mirror) == _package_bytes(two.mirror)
    assert "/opt/a" not in one.launcher.read_text() and "/srv/b" not in two.launcher.read_text()
    assert one.pointer.read_text() == "/opt/a/bin/python\n"
    assert two.pointer.read_text() == "/srv/b/python\n"
    assert one.launcher.stat().st_mode & 0o111 == 0o111
    assert f'path    = "{one.mirror}"' in one.report()  # no CLI config: the lines to add
    assert launcher_script("9.9.9") != launcher_script(__version__)


def test_implied_mirror_when_no_provider_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / ".terraformrc").write_text('plugin_cache_dir = "/var/cache/tf"\n')
    done = install(python="/usr/bin/python3.11")
    assert done.mirror == tmp_path / ".terraform.d" / "plugins"
    assert done.pointer == tmp_path / ".config" / "dellsc" / __version__ / "python"
    assert "implied local mirror" in done.report()
    assert (tmp_path / ".terraformrc").read_text() == 'plugin_cache_dir = "/var/cache/tf"\n'


def test_existing_provider_installation_gets_lines_not_rewrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    rc = tmp_path / "team.tfrc"
    rc.write_text('provider_installation {\n  direct {}\n}\ncredentials "app.example" {}\n')
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(rc))
    done = install(pointer_home=tmp_path / "cfg")
    report = done.report()
    assert done.needs_lines_in == rc and f"block of {rc}," in report
    assert f'include = ["{SOURCE}"]' in report and str(done.mirror) in report
    assert rc.read_text().startswith("provider_installation {\n  direct {}")


def test_cli_config_never_replaces_a_user_file(tmp_path: Path) -> None:
    rc = tmp_path / "mine.tfrc"
    rc.write_text("disable_checkpoint = true\n")
    with pytest.raises(FileExistsError):
        install(tmp_path / "m", rc, pointer_home=tmp_path / "cfg")
    assert rc.read_text() == "disable_checkpoint = true\n"
    ours = tmp_path / "ours.tfrc"
    install(tmp_path / "m", ours, pointer_home=tmp_path / "cfg")
    install(tmp_path / "m", ours, pointer_home=tmp_path / "cfg")  # ours: rewritten freely
    assert f'include = ["{SOURCE}"]' in ours.read_text()
