"""The emulator process under a bounded hostile load on loopback (`make test-faults`): what it
holds after unauthenticated 7 MiB bodies and 1,250 idle or half-open connections.

Before the hardening: 45 MB grew to 742 MB, and all 1,250 connections were still held 15 s
later. The numbers of a run are printed (`-s`)."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.faults
PASSWORD = "load-probe-pw"
BIG_POSTS = 4
BIG_BYTES = 7 * 1024 * 1024
IDLE = 1200
HALF_OPEN = 50
CAP = 256


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += fd.readlink().name.startswith("socket:")
        except OSError:
            continue
    return count


@pytest.fixture(params=["https", "http"])
def emulator(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    flags = ["--http"] if request.param == "http" else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "dellsc.cli", "emulator", "--port", "0", "--state", ":memory:",
         "--password", PASSWORD, "--log-level", "error", *flags],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    ready = dict(p.split("=", 1) for p in proc.stdout.readline().split()[3:])
    try:
        yield proc, ready
    finally:
        proc.terminate()
        proc.wait(10)


def test_bounded_under_hostile_load(
    emulator: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    proc, ready = emulator
    host, port = "127.0.0.1", int(ready["endpoint"].rsplit(":", 1)[1])
    tls = ready["ca"] != "-"
    context = ssl.create_default_context(cafile=ready["ca"]) if tls else None
    wrap: Callable[[socket.socket], socket.socket] = (
        (lambda c: context.wrap_socket(c, server_hostname=host)) if context else (lambda c: c)
    )
    start_mb = rss_mb(proc.pid)
    base_sockets = sockets(proc.pid)
    body = b"[" + b"[]," * ((BIG_BYTES - 4) // 3) + b"[]]"  # ~300 MB once parsed
    head = (
        "POST /api/rest/StorageCenter/ScVolume/GetList HTTP/1.1\r\nHost: x\r\n"
        f"x-dell-api-version: 4.1\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    for _ in range(BIG_POSTS):
        with wrap(socket.create_connection((host, port), timeout=30)) as conn:
            conn.sendall(head + body)
            assert conn.recv(12) == b"HTTP/1.1 401"
    posts_mb = rss_mb(proc.pid)

    held, waited = [], 0
    started = time.monotonic()
    for n in range(IDLE + HALF_OPEN):
        if time.monotonic() - started > 20:
            break
        try:  # past the cap and the listen backlog, a connect waits for room
            conn = socket.create_connection((host, port), timeout=0.5)
        except OSError:
            waited += 1
            continue
        if n >= IDLE:  # half a TLS handshake, or half a request head
            conn.sendall(b"\x16\x03\x01" if tls else b"GET / HTTP/1.1\r\nHo")
        held.append(conn)
    time.sleep(1)
    peak = sockets(proc.pid) - base_sockets
    time.sleep(max(0.0, 15 - (time.monotonic() - started)))
    later = sockets(proc.pid) - base_sockets
    closed = 0
    for conn in held:
        conn.setblocking(False)
        try:
            closed += conn.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        conn.close()
    end_mb = rss_mb(proc.pid)
    print(
        f"\n{'https' if tls else 'http'}: {start_mb:.0f} MB at start, {posts_mb:.0f} MB after "
        f"{BIG_POSTS} unauthenticated 7 MiB bodies, {end_mb:.0f} MB at the end; connections "
        f"held: {peak} (1 s), {later} (15 s) of {len(held)} opened ({waited} connects timed "
        f"out waiting for room); {closed} closed by it"
    )
    assert posts_mb - start_mb < 20, "no body kept"
    assert peak <= CAP and later <= CAP, "capped"
    assert closed >= len(held) // 2, "idle and half-open connections are closed"
    assert end_mb - start_mb < 60
