"""`DELLSC_PROFILE=<dir>`: time and profile every RPC of this plugin process, per RPC type.

Off (the variable unset), nothing here is imported. On, a gRPC server interceptor times each
handler and, unless ``DELLSC_PROFILE_MODE=timing``, runs it under a cProfile profiler of its
own thread and RPC type. At exit the process writes into ``<dir>``:

- ``<pid>-rpcs.json``: the time from process start to the handshake line, the peak RSS, the
  process's CPU time (user + system, all threads) and,
  per RPC type, the number of calls, the handler wall time (total, mean, max) and when the
  first call started and the last one ended (all in ms, counted from process start);
- ``<pid>-<Rpc>.prof``: the merged cProfile stats of that RPC type (``python -m pstats``).

The cProfile timer is the thread's CPU time, not the wall clock: time spent waiting for the
array, for a lock or for the GIL is not charged to the function that waits. cProfile slows
Python code down severalfold: compare profiled numbers with each other only.
"""

from __future__ import annotations

import atexit
import cProfile
import json
import os
import pstats
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

ENV = "DELLSC_PROFILE"


class _Book:
    """Profilers by (thread, RPC) and wall times by RPC; written once, at exit."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.local = threading.local()
        self.profilers: dict[str, list[cProfile.Profile]] = {}
        self.walls: dict[str, list[float]] = {}
        self.spans: dict[str, list[float]] = {}  # first start and last end, since start-up
        self.born = time.perf_counter() - process_age()
        self.handshake_ms: float | None = None
        self.profiling = os.environ.get("DELLSC_PROFILE_MODE") != "timing"

    def profiler(self, rpc: str) -> cProfile.Profile | None:
        if not self.profiling:
            return None
        mine: dict[str, cProfile.Profile] = self.local.__dict__.setdefault("profilers", {})
        profiler = mine.get(rpc)
        if profiler is None:
            profiler = mine[rpc] = cProfile.Profile(time.thread_time)
            with self.lock:
                self.profilers.setdefault(rpc, []).append(profiler)
        return profiler

    def record(self, rpc: str, start: float, end: float) -> None:
        with self.lock:
            self.walls.setdefault(rpc, []).append((end - start) * 1000)
            span = self.spans.setdefault(rpc, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)

    def write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        with self.lock:
            for rpc, profilers in self.profilers.items():
                stats = pstats.Stats(profilers[0])
                for other in profilers[1:]:
                    stats.add(other)
                stats.dump_stats(self.out / f"{pid}-{rpc}.prof")
            summary = {
                rpc: {
                    "calls": len(walls),
                    "total_ms": round(sum(walls), 1),
                    "mean_ms": round(sum(walls) / len(walls), 3),
                    "max_ms": round(max(walls), 1),
                    "first_start_ms": round((self.spans[rpc][0] - self.born) * 1000),
                    "last_end_ms": round((self.spans[rpc][1] - self.born) * 1000),
                }
                for rpc, walls in sorted(self.walls.items())
            }
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        report = {
            "pid": pid,
            "handshake_ms": self.handshake_ms,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # ru_maxrss is in KiB on Linux
            "cpu_ms": round((usage.ru_utime + usage.ru_stime) * 1000),
            "rpcs": summary,
        }
        (self.out / f"{pid}-rpcs.json").write_text(json.dumps(report, indent=2) + "\n")


_book: _Book | None = None


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def interceptor() -> grpc.ServerInterceptor[Any, Any]:
    """The interceptor that profiles every unary RPC; registers the report at exit."""
    global _book
    _book = _Book(Path(os.environ[ENV]))
    atexit.register(_book.write)
    return _Interceptor(_book)


def handshake_done() -> None:
    """Note the time from process start to the handshake line."""
    if _book is not None:
        _book.handshake_ms = round(process_age() * 1000, 1)


def process_age() -> float:
    """Seconds since this process started (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # starttime, field 22 of the whole line
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


if TYPE_CHECKING:
    _Base = grpc.ServerInterceptor[Any, Any]
else:
    _Base = grpc.ServerInterceptor  # not subscriptable at run time


class _Interceptor(_Base):
    def __init__(self, book: _Book) -> None:
        self._book = book

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        rpc = handler_call_details.method.rsplit("/", 1)[-1]
        behaviour = handler.unary_unary
        book = self._book

        def profiled(request: Any, context: grpc.ServicerContext) -> Any:
            profiler = book.profiler(rpc)
            start = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            try:
                return behaviour(request, context)
            finally:
                if profiler is not None:
                    profiler.disable()
                book.record(rpc, start, time.perf_counter())

        return grpc.unary_unary_rpc_method_handler(
            profiled,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
