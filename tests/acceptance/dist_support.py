"""Helpers for the distribution tests: a loopback HTTPS static server, lock-file hashes."""

from __future__ import annotations

import functools
import http.server
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dellsc.emulator.tls import make_certificates


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def https_mirror(root: Path, tls_dir: Path) -> Iterator[tuple[str, str]]:
    """Serve root read-only over HTTPS on loopback with its own CA; yields (url, ca_file)."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    certs = make_certificates("127.0.0.1", tls_dir / "ca.pem", tls_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs.cert_file, certs.key_file)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", certs.ca_file
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def lock_hashes(workdir: Path) -> set[str]:
    """The hashes .terraform.lock.hcl records for dellsc/dellsc."""
    text = (workdir / ".terraform.lock.hcl").read_text()
    block = text.split('provider "registry.terraform.io/dellsc/dellsc"', 1)[1]
    return set(re.findall(r'"((?:h1|zh):[^"]+)"', block.split("}", 1)[0]))
