"""The floor of `make bench`: a provider that does nothing, served by our plugin server.

`floor_volume` has the schema of `dellsc_volume`; every RPC answers with what it was sent
(state upgraded as is, read returns the prior state, plan the proposed one, apply the planned
one), without decoding a value. A plan of N `floor_volume`s therefore costs what Terraform and
a Python gRPC plugin cost with no provider work at all: the part of a `dellsc_volume` plan that
no handler optimization can remove. Run by `dellsc.tools.bench` through a `dev_overrides` CLI
config.
"""

from __future__ import annotations

import sys
from typing import Any

TYPE_NAME = "floor_volume"


class FloorServicer:
    """tfplugin6.Provider RPCs that echo their input."""

    def __init__(self) -> None:
        from dellsc.schema.loader import schema
        from dellsc.server._gen import tfplugin6_pb2 as pb
        from dellsc.server.servicer import schema_proto

        self.pb = pb
        volume = schema("resources", "dellsc_volume")
        self.schemas = pb.GetProviderSchema.Response(
            provider=pb.Schema(block=pb.Schema.Block()),
            resource_schemas={TYPE_NAME: schema_proto(volume)},
            server_capabilities=pb.ServerCapabilities(get_provider_schema_optional=True),
        )

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        return self.schemas

    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        return self.pb.ValidateProviderConfig.Response()

    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        return self.pb.ConfigureProvider.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        return self.pb.ValidateResourceConfig.Response()

    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        response = self.pb.UpgradeResourceState.Response()
        response.upgraded_state.json = request.raw_state.json
        return response

    def ReadResource(self, request: Any, context: Any) -> Any:
        return self.pb.ReadResource.Response(
            new_state=request.current_state, private=request.private
        )

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        return self.pb.PlanResourceChange.Response(
            planned_state=request.proposed_new_state, planned_private=request.prior_private
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        return self.pb.ApplyResourceChange.Response(
            new_state=request.planned_state, private=request.planned_private
        )

    def StopProvider(self, request: Any, context: Any) -> Any:
        return self.pb.StopProvider.Response()


def main() -> int:
    from dellsc.server.plugin import serve

    return serve(FloorServicer, name="floor")


if __name__ == "__main__":
    sys.exit(main())
