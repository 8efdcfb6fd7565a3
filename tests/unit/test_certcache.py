"""The per-command server certificate cache (dellsc.server.certcache)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
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


def test_files_of_processes_that_died_writing_are_removed(runtime_dir: Path) -> None:
    runtime_dir.mkdir(mode=0o700)
    half_written = runtime_dir / "tls-999999999-1.999999999.tmp"
    half_written.write_bytes(b"partial key")
    certcache.server_certificate()
    assert not half_written.exists()


def _watchers_of(path: Path) -> list[int]:
    """Pids of the certwatch processes that watch `path`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"certwatch.py") for a in argv) and str(path).encode() in argv:
            found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # ended; waits for a reaper that is not ours


def _wait_until(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("how", ["exit", "kill -9"])
def test_the_file_goes_when_the_command_ends(runtime_dir: Path, how: str) -> None:
    """A stand-in for Terraform starts a provider-like process that caches the certificate,
    then ends normally or is killed: the watcher removes the file; it holds no pipe of the
    command (which would keep Terraform waiting for it)."""
    provider = "from dellsc.server import certcache; certcache.server_certificate()"
    command = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {provider!r}], check=True)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-c", command], env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        [cached] = runtime_dir.glob("tls-*.pem")
        assert cached.name.startswith(f"tls-{proc.pid}-")
        [watcher] = _watchers_of(cached)
        descriptors = {int(fd) for fd in os.listdir(f"/proc/{watcher}/fd")}
        assert descriptors <= {0, 1, 2, 3}, "nothing but /dev/null and its pidfd"
        for fd in (0, 1, 2):
            assert os.readlink(f"/proc/{watcher}/fd/{fd}") == os.devnull
    finally:
        if how == "exit":
            proc.communicate("\n", timeout=10)
        else:
            proc.kill()
            proc.wait(10)
    assert _wait_until(lambda: not cached.exists()), "removed once the command ended"
    assert _wait_until(lambda: _gone(watcher)), "and the watcher ended"
