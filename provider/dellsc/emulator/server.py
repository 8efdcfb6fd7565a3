"""`EmulatorServer`: the emulator on uvicorn (httptools, uvloop where available) in a background
thread of the calling process; one write per reply, so it is never the bottleneck of a benchmark.
Its listening sockets and connections are `listeners`' (one endpoint per port).
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from .app import EmulatorApp
from .listeners import Acceptor, Connections, Listener, TrackingProtocol, bind
from .options import EmulatorOptions
from .tls import make_certificates

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


class _Server(uvicorn.Server):
    """uvicorn's server with our accept loops (`listeners.Acceptor`) in place of its own."""

    def __init__(self, config: uvicorn.Config, emulator: EmulatorServer) -> None:
        super().__init__(config)
        self.emulator = emulator

    async def startup(self, sockets: list[Any] | None = None) -> None:
        self.servers = []
        loop = asyncio.get_running_loop()
        options = self.emulator.options

        def protocol(listener: int) -> asyncio.Protocol:
            return TrackingProtocol(
                config=self.config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=loop,
                connections=self.emulator.connections,
                listener=listener,
                header_timeout=options.header_timeout_s,
            )

        self.emulator.acceptor = Acceptor(
            self.emulator.listeners,
            protocol,
            self.emulator.connections,
            self.emulator.tls_context,
            options.header_timeout_s,
        )
        self.emulator.loop = loop
        self.emulator.acceptor.start()
        self.started = True

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        if self.emulator.acceptor is not None:
            self.emulator.acceptor.close()
        await super().shutdown()


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
        self.listeners: list[Listener] = []
        self.connections = Connections(self.options.max_connections)
        self.tls_context: ssl.SSLContext | None = None
        self.acceptor: Acceptor | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        """Start serving; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        opts = self.options
        self._tmp = tempfile.TemporaryDirectory(prefix="dellsc-emulator-")
        self.app = EmulatorApp(opts, dropper=self.connections.drop)
        self.app.endpoints = self
        try:
            for index, port in enumerate((opts.port, *opts.secondary_ports)):
                sock = bind(opts.host, port)
                self.listeners.append(Listener(index, opts.host, sock.getsockname()[1], sock))
        except OSError:
            for listener in self.listeners:
                assert listener.sock is not None
                listener.sock.close()
            self.listeners = []
            self.app.close()
            raise
        self._port = self.listeners[0].port
        if opts.tls:
            tmp = Path(self._tmp.name)
            ca_path = tmp / "ca.pem" if opts.state == ":memory:" else Path(f"{opts.state}.ca.pem")
            ca_path = ca_path.resolve()  # usable from any working directory
            files = make_certificates(opts.host, ca_path, tmp)
            self._ca_file = files.ca_file
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls_context.load_cert_chain(files.cert_file, files.key_file)
        config = uvicorn.Config(
            self.app,
            ws="none",
            lifespan="off",
            loop="auto",  # uvloop where installed (not on Windows)
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config, self)
        self._thread = threading.Thread(
            target=self._server.run, name="dellsc-emulator", daemon=True
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
        for listener in self.listeners:  # if the loop never ran
            if listener.sock is not None:
                listener.sock.close()
        self.listeners = []
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
        return self.url_of(self._port)

    @property
    def base_urls(self) -> tuple[str, ...]:
        """The base URL of every endpoint, the first one's first."""
        return tuple(self.url_of(listener.port) for listener in self.listeners)

    def url_of(self, port: int) -> str:
        host = f"[{self.options.host}]" if ":" in self.options.host else self.options.host
        return f"{'https' if self.options.tls else 'http'}://{host}:{port}"

    # -- endpoints (app.Endpoints; called on the server's loop) ------------------------------
    def index_of(self, server: Any) -> int:
        if len(self.listeners) == 1 or not server:
            return 0
        return next((x.index for x in self.listeners if x.port == server[1]), 0)

    def listing(self) -> list[dict[str, Any]]:
        return [{"index": x.index, "url": self.url_of(x.port), "up": x.up} for x in self.listeners]

    def switch(self, index: int, up: bool, keep: tuple[Any, Any]) -> dict[str, Any]:
        assert self.acceptor is not None
        if up:
            self.acceptor.up(index)
        else:
            self.acceptor.down(index, keep)
        return self.listing()[index]

    def stats(self) -> dict[str, int]:
        return self.connections.stats()

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
