"""The server certificate, made once per Terraform command rather than once per process.

Terraform starts three or four provider processes per command, one after the other, and each
needs a server certificate for AutoMTLS (reference §1.5). Making one means importing
`cryptography` (a third of the time to the handshake, and 12 MB of memory), so the first
process of a command makes it and the others of the same command (same parent process, same
parent start time) read it from a private cache: a 0700 directory of this user
(``$XDG_RUNTIME_DIR/dellsc``, else ``<tmp>/dellsc-<uid>``), one 0600 file per command. The key
protects nothing a reader of that directory could not already reach (the socket directory is
this user's too). The process that writes a command's file starts a watcher (`certwatch`)
that removes it as soon as the command ends, however it ends (kill -9 included); each process
also removes the files of commands that have ended (should a watcher have been killed too).
Where any of this cannot be checked (no /proc, a directory not ours), every process makes its
own certificate and nothing is written.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

MAX_AGE_S = 24 * 3600
_CERT_MARK = b"-----BEGIN CERTIFICATE-----"


def server_certificate() -> tuple[bytes, bytes, str]:
    """(key PEM, certificate PEM, handshake field 6) for this process's server."""
    path = _cache_file()
    if path is not None:
        _remove_ended(path.parent)
        cached = _read(path)
        if cached is not None:
            return cached
    from dellsc.server.autotls import generate_server_certificate

    cert = generate_server_certificate()
    if path is not None and _write(path, cert.key_pem + cert.cert_pem):
        _watch(path)
    return cert.key_pem, cert.cert_pem, cert.handshake_field


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _private_dir() -> Path | None:
    """This user's 0700 cache directory, made if missing; None if it is not safely ours."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        folder = Path(runtime) / "dellsc"
    else:  # the temporary directory as Go finds it (tempfile would cost start-up time)
        folder = Path(os.environ.get("TMPDIR") or "/tmp") / f"dellsc-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return None
    if stat.S_IMODE(info.st_mode) != 0o700:
        return None
    return folder


def _cache_file() -> Path | None:
    if not hasattr(os, "getuid"):
        return None
    parent = os.getppid()
    started = _start_time(parent)
    folder = _private_dir() if started is not None else None
    if folder is None:
        return None
    return folder / f"tls-{parent}-{started}.pem"


def _read(path: Path) -> tuple[bytes, bytes, str] | None:
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            return None
        if time.time() - info.st_mtime > MAX_AGE_S:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    cut = data.find(_CERT_MARK)
    if cut <= 0:
        return None
    import base64
    import ssl

    key_pem, cert_pem = data[:cut], data[cut:]
    try:
        der = ssl.PEM_cert_to_DER_cert(cert_pem.decode())
    except ValueError:
        return None
    return key_pem, cert_pem, base64.b64encode(der).decode().rstrip("=")


def _write(path: Path, data: bytes) -> bool:
    """Write atomically (0600); False if it could not be written."""
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
    return True


def _remove_ended(folder: Path) -> None:
    """Remove the files of commands (and the temporary files of processes) that have ended."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not name.startswith("tls-"):
            continue
        if name.endswith(".pem"):  # tls-<command pid>-<its start time>.pem
            pid, _, started = name[len("tls-") : -len(".pem")].partition("-")
            ended = not pid.isdigit() or _start_time(int(pid)) != started
        elif name.endswith(".tmp"):  # tls-<pid>-<start>.<writer pid>.tmp
            writer = name.rsplit(".", 2)[-2]
            ended = not writer.isdigit() or not os.path.exists(f"/proc/{writer}")
        else:
            continue
        if ended:
            (folder / name).unlink(missing_ok=True)


def _watch(path: Path) -> None:
    """Start the watcher that removes `path` when the command (our parent) ends."""
    pid, _, started = path.stem[len("tls-") :].partition("-")
    script = Path(__file__).with_name("certwatch.py")
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        os.posix_spawn(
            sys.executable,
            [sys.executable, "-I", "-S", "-B", str(script), pid, started, str(path)],
            {},
            file_actions=[(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)],
            setsid=True,
        )
    except (OSError, NotImplementedError):  # ended commands' files also go at every start
        pass
    finally:
        os.close(devnull)
