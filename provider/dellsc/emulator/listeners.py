"""The emulator's listening sockets and connections: its own accept loops, not uvicorn's.

A DSM is a shared server, so the emulator holds its connections to account the way one does:
- at most `max_connections` at a time, TLS handshakes included; at the cap it stops accepting
  (new connections wait in the kernel's backlog) until one closes;
- a TLS handshake, and the head of each request (from the connection or the previous reply
  on), must complete within `header_timeout_s`, else the connection is closed: idle and
  half-open connections do not pile up;
- each listening socket is one endpoint (one emulated DSM Data Collector over the shared
  arrays) that can be taken down alone: it stops listening and its connections are cut, as
  when that DSM's host dies, and comes back on the same port.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_CONNECTIONS = 256
HEADER_TIMEOUT_S = 10.0
SWEEP_INTERVAL_S = 0.5  # how often overdue request heads are looked for
BACKLOG = 256

Key = tuple[Any, Any]


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


@dataclass
class Connections:
    """The connections of one emulator, counted from accept to close."""

    cap: int = MAX_CONNECTIONS
    live: int = 0
    timed_out: int = 0  # request heads not complete in time
    failed_handshakes: int = 0  # TLS handshakes that failed or timed out
    open: dict[Key, TrackingProtocol] = field(default_factory=dict)
    room: asyncio.Event | None = None  # set while live < cap; made on the loop

    def opened(self) -> None:
        self.live += 1
        self._update()

    def closed(self) -> None:
        self.live -= 1
        self._update()

    def _update(self) -> None:
        if self.room is not None:
            if self.live < self.cap:
                self.room.set()
            else:
                self.room.clear()

    def drop(self, client: Any, server: Any) -> bool:
        """Close a connection without a response; False if it is unknown."""
        key = (tuple(client) if client else None, tuple(server) if server else None)
        found = self.open.get(key)
        if found is None:
            return False
        found.raw.abort()
        return True

    def cut(self, listener: int, keep: Key | None = None) -> int:
        """Abort every connection of `listener` (but `keep`); how many."""
        doomed = [p for k, p in self.open.items() if p.listener == listener and k != keep]
        for protocol in doomed:
            protocol.raw.abort()
        return len(doomed)

    def sweep(self, now: float) -> None:
        """Close the connections whose request head is overdue."""
        for protocol in [p for p in self.open.values() if p.overdue(now)]:
            self.timed_out += 1
            protocol.raw.close()

    def stats(self) -> dict[str, int]:
        return {
            "live": self.live,
            "cap": self.cap,
            "timed_out": self.timed_out,
            "failed_handshakes": self.failed_handshakes,
        }


class TrackingProtocol(HttpToolsProtocol):
    """HTTP protocol that registers its connection (so a fault can drop it, and a sweep can
    close it when a request head is not complete `header_timeout` seconds after the
    connection was made or the previous reply was sent)."""

    def __init__(
        self,
        *args: Any,
        connections: Connections,
        listener: int,
        header_timeout: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.registry = connections
        self.listener = listener
        self.header_timeout = header_timeout
        self.head_deadline: float | None = None  # loop time by which a request head is due
        self.raw: asyncio.Transport
        self._key: Key = (None, None)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport))  # type: ignore[arg-type]
        self.raw = transport
        self._key = (self.client, self.server)
        self.registry.open[self._key] = self
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # a reply is one write; a request must not wait for a delayed ACK either
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head_deadline = self.loop.time() + self.header_timeout

    def connection_lost(self, exc: Exception | None) -> None:
        if self.registry.open.pop(self._key, None) is not None:
            self.registry.closed()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self.head_deadline = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.pipeline:
            self.head_deadline = self.loop.time() + self.header_timeout

    def overdue(self, now: float) -> bool:
        return self.head_deadline is not None and now > self.head_deadline


@dataclass
class Listener:
    """One endpoint: a port that is listening (`up`) or not."""

    index: int
    host: str
    port: int
    sock: socket.socket | None = None
    task: asyncio.Task[None] | None = None
    handshakes: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def up(self) -> bool:
        return self.sock is not None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0 = a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class Acceptor:
    """Accepts connections on every listener and hands them to the HTTP protocol."""

    def __init__(
        self,
        listeners: list[Listener],
        make_protocol: Callable[[int], asyncio.Protocol],
        connections: Connections,
        tls: ssl.SSLContext | None,
        header_timeout: float,
    ) -> None:
        self.listeners = listeners
        self._make_protocol = make_protocol
        self.connections = connections
        self._tls = tls
        self._header_timeout = header_timeout
        self._sweeper: asyncio.Task[None]

    def start(self) -> None:
        """Start every listener that has a socket, and the sweeper (on the running loop)."""
        loop = asyncio.get_running_loop()
        self.connections.room = asyncio.Event()
        self.connections._update()
        for listener in self.listeners:
            if listener.sock is not None:
                listener.task = loop.create_task(self._accept(listener))
        self._sweeper = loop.create_task(self._sweep())

    def down(self, index: int, keep: Key | None = None) -> None:
        """Stop listening on endpoint `index` and cut its connections (but `keep`)."""
        listener = self.listeners[index]
        for handshake in list(listener.handshakes):
            handshake.cancel()
        if listener.task is not None:
            listener.task.cancel()  # it closes the socket once it has stopped waiting on it
            listener.task = None
        elif listener.sock is not None:
            listener.sock.close()
        listener.sock = None
        self.connections.cut(index, keep)

    def up(self, index: int) -> None:
        """Listen on endpoint `index` again, on the same port."""
        listener = self.listeners[index]
        if listener.sock is None:
            listener.sock = bind(listener.host, listener.port)
            listener.task = asyncio.get_running_loop().create_task(self._accept(listener))

    def close(self) -> None:
        self._sweeper.cancel()
        for listener in self.listeners:
            self.down(listener.index)

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            self.connections.sweep(loop.time())

    async def _accept(self, listener: Listener) -> None:
        loop = asyncio.get_running_loop()
        room = self.connections.room
        assert listener.sock is not None and room is not None
        sock = listener.sock
        try:
            while True:
                await room.wait()
                try:
                    conn, _ = await loop.sock_accept(sock)
                except OSError:
                    await asyncio.sleep(0.1)  # e.g. out of file descriptors: try again shortly
                    continue
                self.connections.opened()
                task = loop.create_task(self._connect(listener, conn))
                listener.handshakes.add(task)
                task.add_done_callback(listener.handshakes.discard)
        finally:
            sock.close()

    async def _connect(self, listener: Listener, conn: socket.socket) -> None:
        """Set up the connection (the TLS handshake within the header timeout)."""
        loop = asyncio.get_running_loop()
        options: dict[str, Any] = {}
        if self._tls is not None:
            options = {"ssl": self._tls, "ssl_handshake_timeout": self._header_timeout}
        try:
            await loop.connect_accepted_socket(
                lambda: self._make_protocol(listener.index), conn, **options
            )
        except (Exception, asyncio.CancelledError):  # the handshake failed or timed out
            conn.close()
            self.connections.failed_handshakes += 1
            self.connections.closed()
