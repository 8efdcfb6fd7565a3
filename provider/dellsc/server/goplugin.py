"""The go-plugin services every plugin serves next to tfplugin6 (reference §1.6)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc
from google.protobuf import empty_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from dellsc.server._gen import plugin_pb2, plugin_pb2_grpc


class ControllerServicer(plugin_pb2_grpc.GRPCControllerServicer):
    """``Shutdown`` sets ``stop``; the serving thread then stops the server and exits."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def Shutdown(
        self, request: plugin_pb2.Empty, context: grpc.ServicerContext
    ) -> plugin_pb2.Empty:
        self._stop.set()
        return plugin_pb2.Empty()


class StdioServicer(plugin_pb2_grpc.GRPCStdioServicer):
    """We never write to stdout, so the stream ends at once instead of holding a worker."""

    def StreamStdio(
        self, request: empty_pb2.Empty, context: grpc.ServicerContext
    ) -> Iterator[plugin_pb2.StdioData]:
        return iter(())


def add_goplugin_services(server: grpc.Server, stop: threading.Event) -> None:
    """Register GRPCController, GRPCStdio and health (service "plugin" SERVING)."""
    plugin_pb2_grpc.add_GRPCControllerServicer_to_server(ControllerServicer(stop), server)  # type: ignore[no-untyped-call]
    plugin_pb2_grpc.add_GRPCStdioServicer_to_server(StdioServicer(), server)  # type: ignore[no-untyped-call]
    checker = health.HealthServicer()
    checker.set("plugin", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
