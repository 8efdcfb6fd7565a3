"""gRPC method handlers built from the proto descriptors, on the first call of each service.

Start-up is on the critical path of every Terraform command (one process per graph walk),
so the server answers the handshake before the tfplugin6 stubs, the provider and its schemas
are imported: `LazyServices` loads a service's handlers the first time one of its methods is
called. Handlers are made from the service descriptor and the servicer's methods of the same
names, so no generated ``*_pb2_grpc`` module is imported, and a servicer method that exists
is served whatever its streaming shape (unary or server-streaming).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import grpc

if TYPE_CHECKING:
    from google.protobuf.descriptor import ServiceDescriptor

    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]
    Loader: TypeAlias = Callable[[], dict[str, Handler]]
    _Base = grpc.GenericRpcHandler[Any, Any]
else:
    _Base = grpc.GenericRpcHandler  # not subscriptable at run time


def method_handlers(service: ServiceDescriptor, servicer: object) -> dict[str, Handler]:
    """Handlers by full method name (``/pkg.Service/Method``) for the methods ``servicer`` has."""
    from google.protobuf.message_factory import GetMessageClass

    handlers: dict[str, Handler] = {}
    for method in service.methods:
        behaviour = getattr(servicer, method.name, None)
        if behaviour is None or method.client_streaming:
            continue
        request = GetMessageClass(method.input_type)
        response = GetMessageClass(method.output_type)
        make = (
            grpc.unary_stream_rpc_method_handler
            if method.server_streaming
            else grpc.unary_unary_rpc_method_handler
        )
        handlers[f"/{service.full_name}/{method.name}"] = make(
            behaviour,
            request_deserializer=request.FromString,
            response_serializer=response.SerializeToString,
        )
    return handlers


class LazyServices(_Base):
    """Serves each service by name, loading its handlers on its first call.

    A loader that raises makes that call fail (and is tried again on the next one); the
    ``on_error`` callback sees the exception first, e.g. to report a crash and stop serving.
    """

    def __init__(
        self, loaders: dict[str, Loader], on_error: Callable[[BaseException], None]
    ) -> None:
        self._loaders = loaders
        self._on_error = on_error
        self._loaded: dict[str, dict[str, Handler]] = {}
        self._lock = threading.Lock()

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        method: str = handler_call_details.method
        name = method[1:].split("/", 1)[0]
        handlers = self._loaded.get(name)
        if handlers is None:
            if name not in self._loaders:
                return None
            with self._lock:
                handlers = self._loaded.get(name)
                if handlers is None:
                    try:
                        handlers = self._loaders[name]()
                    except BaseException as exc:
                        self._on_error(exc)
                        raise
                    self._loaded[name] = handlers
        return handlers.get(method)
