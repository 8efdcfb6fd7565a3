"""The per-command server certificate cache (dellsc.server.certcache)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography import x509

from dellsc.server import certcache


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    return tmp_path / "dellsc"


def test_processes_of_one_command_share_one_private_certificate(runtime_dir: Path) -> None:
    key, cert, field = certcache.server_certificate()
    [cached] = runtime_dir.glob("tls-*.pem")
    assert cached.name.startswith(f"tls-{os.getppid()}-")
    assert stat.S_IMODE(runtime_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert certcache.server_certificate() == (key, cert, field)  # read back, not made again
    parsed = x509.load_pem_x509_certificate(cert)
    san = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["localhost"]
    assert "=" not in field and len(field) > 50


def test_files_of_ended_commands_are_removed(runtime_dir: Path) -> None:
    runtime_dir.mkdir(mode=0o700)
    ended = runtime_dir / "tls-999999999-1.pem"
    ended.write_bytes(b"stale")
    certcache.server_certificate()
    assert not ended.exists()
    assert len(list(runtime_dir.glob("tls-*.pem"))) == 1


def test_a_directory_open_to_others_is_not_used(runtime_dir: Path) -> None:
    runtime_dir.mkdir(mode=0o755)
    runtime_dir.chmod(0o755)
    first = certcache.server_certificate()
    assert list(runtime_dir.iterdir()) == []
    assert certcache.server_certificate() != first  # each process makes its own
