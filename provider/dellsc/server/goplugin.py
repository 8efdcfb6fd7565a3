"""The go-plugin services every plugin serves next to tfplugin6 (reference §1.6).

Each is loaded on its first call (`LazyServices`): Terraform calls Shutdown and StreamStdio
on every process, and never the health service, whose module is then never imported.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

import grpc

from dellsc.server.services import method_handlers

if TYPE_CHECKING:
    from google.protobuf import empty_pb2

    from dellsc.server.services import Handler, Loader

CONTROLLER = "plugin.GRPCController"
STDIO = "plugin.GRPCStdio"
HEALTH = "grpc.health.v1.Health"


class ControllerServicer:
    """``Shutdown`` sets ``stop``; the serving thread then stops the server and exits."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def Shutdown(self, request: object, context: grpc.ServicerContext) -> object:
        from dellsc.server._gen import plugin_pb2

        self._stop.set()
        return plugin_pb2.Empty()


class StdioServicer:
    """We never write to stdout, so the stream ends at once instead of holding a worker."""

    def StreamStdio(
        self, request: empty_pb2.Empty, context: grpc.ServicerContext
    ) -> Iterator[object]:
        return iter(())


def _plugin_service(name: str, servicer: object) -> dict[str, Handler]:
    from dellsc.server._gen import plugin_pb2

    return method_handlers(plugin_pb2.DESCRIPTOR.services_by_name[name.split(".")[1]], servicer)


def _health() -> dict[str, Handler]:
    from grpc_health.v1 import health, health_pb2

    checker = health.HealthServicer()
    checker.set("plugin", health_pb2.HealthCheckResponse.SERVING)
    return method_handlers(health_pb2.DESCRIPTOR.services_by_name["Health"], checker)


def goplugin_loaders(stop: threading.Event) -> dict[str, Loader]:
    """Loaders of GRPCController, GRPCStdio and health (service "plugin" SERVING)."""
    return {
        CONTROLLER: partial(_plugin_service, CONTROLLER, ControllerServicer(stop)),
        STDIO: partial(_plugin_service, STDIO, StdioServicer()),
        HEALTH: _health,
    }
