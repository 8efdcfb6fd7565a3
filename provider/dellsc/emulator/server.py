"""`EmulatorServer`: the emulator on uvicorn (httptools, uvloop where available) in a background
thread of the calling process; one write per reply, so it is never the bottleneck of a benchmark.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .app import EmulatorApp
from .options import EmulatorOptions
from .tls import make_certificates

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


class _CoalescingTransport:
    """A transport whose writes of one event-loop turn leave as one write.

    uvicorn writes a response's headers and its body separately; over TLS each write is a
    record and a system call of its own. Everything else is the wrapped transport's.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        data, self._pending = b"".join(self._pending), []
        if data and not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _TrackingProtocol(HttpToolsProtocol):
    """HTTP protocol that remembers each connection's transport, so a fault can drop it."""

    open: dict[tuple[Any, Any], asyncio.Transport] = {}

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport))  # type: ignore[arg-type]
        self.open[(self.client, self.server)] = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # a reply is one write; a request must not wait for a delayed ACK either
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open.pop((self.client, self.server), None)
        super().connection_lost(exc)


def _drop(client: Any, server: Any) -> bool:
    """Close a connection without a response; False if it is unknown."""
    key = (tuple(client) if client else None, tuple(server) if server else None)
    transport = _TrackingProtocol.open.get(key)
    if transport is None:
        return False
    transport.abort()
    return True


class EmulatorServer:
    """Run the emulator on `options.host:options.port` (0 = a free port) until `stop()`."""

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        self.options = options or EmulatorOptions()
        self.app: EmulatorApp | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._port = 0
        self._ca_file: str | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        """Start serving; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        opts = self.options
        self._tmp = tempfile.TemporaryDirectory(prefix="dellsc-emulator-")
        self.app = EmulatorApp(opts, dropper=_drop)
        family = socket.AF_INET6 if ":" in opts.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((opts.host, opts.port))
        except OSError:
            sock.close()
            self.app.close()
            raise
        sock.listen(256)
        self._port = sock.getsockname()[1]
        ssl: dict[str, Any] = {}
        if opts.tls:
            tmp = Path(self._tmp.name)
            ca_path = tmp / "ca.pem" if opts.state == ":memory:" else Path(f"{opts.state}.ca.pem")
            ca_path = ca_path.resolve()  # usable from any working directory
            files = make_certificates(opts.host, ca_path, tmp)
            self._ca_file = files.ca_file
            ssl = {"ssl_certfile": files.cert_file, "ssl_keyfile": files.key_file}
        config = uvicorn.Config(
            self.app,
            http=_TrackingProtocol,
            ws="none",
            lifespan="off",
            loop="auto",  # uvloop where installed (not on Windows)
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=2,
            **ssl,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="dellsc-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the state file; safe to call twice."""
        if self._server is not None:
            # Idle keep-alive TLS connections would hold a graceful shutdown for seconds.
            self._server.force_exit = True
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
        self._server = None
        if self.app is not None:
            self.app.close()
            self.app = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmulatorServer:
        return self if self._thread is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.options.host}]" if ":" in self.options.host else self.options.host
        return f"{'https' if self.options.tls else 'http'}://{host}:{self._port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/rest/"

    @property
    def admin_url(self) -> str:
        return self.base_url + "/_emulator/"

    @property
    def ca_file(self) -> str | None:
        return self._ca_file

    @property
    def port(self) -> int:
        return self._port

    @property
    def ssns(self) -> tuple[int, ...]:
        return tuple(self.options.ssns)

    @property
    def username(self) -> str:
        return self.options.username

    @property
    def password(self) -> str:
        return self.options.password
