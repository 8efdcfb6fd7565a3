"""The committed gRPC stubs are fresh and carry the wire contract of the reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from dellsc.server import protogen
from dellsc.server._gen import plugin_pb2, plugin_pb2_grpc, tfplugin6_pb2, tfplugin6_pb2_grpc


def test_committed_stubs_are_not_stale(tmp_path: Path) -> None:
    generated = protogen.generate(tmp_path)
    assert protogen.stale_files(generated, protogen.GEN_DIR) == [], (
        "run: python -m dellsc.server.protogen"
    )
    assert protogen.main(["--check"]) == 0


def test_check_names_stale_files(tmp_path: Path) -> None:
    generated = protogen.generate(tmp_path)
    (tmp_path / "plugin_pb2.py").write_text("# edited\n")
    (tmp_path / "leftover_pb2.py").write_text("")
    assert protogen.stale_files(generated, tmp_path) == ["leftover_pb2.py", "plugin_pb2.py"]


RPCS = """
GetMetadata GetProviderSchema ValidateProviderConfig ConfigureProvider StopProvider
ValidateResourceConfig ValidateDataResourceConfig UpgradeResourceState GetResourceIdentitySchemas
UpgradeResourceIdentity ReadResource PlanResourceChange ApplyResourceChange ImportResourceState
MoveResourceState ReadDataSource GenerateResourceConfig ValidateEphemeralResourceConfig
OpenEphemeralResource RenewEphemeralResource CloseEphemeralResource ListResource
ValidateListResourceConfig GetFunctions CallFunction ValidateStateStoreConfig ConfigureStateStore
ReadStateBytes WriteStateBytes LockState UnlockState GetStates DeleteState ValidateActionConfig
PlanAction InvokeAction
""".split()


def test_provider_service_has_every_rpc() -> None:
    service = tfplugin6_pb2.DESCRIPTOR.services_by_name["Provider"]
    assert sorted(m.name for m in service.methods) == sorted(RPCS)
    streaming = {m.name: (m.client_streaming, m.server_streaming) for m in service.methods}
    assert streaming["ListResource"] == (False, True)
    assert streaming["InvokeAction"] == (False, True)
    assert streaming["ReadStateBytes"] == (False, True)
    assert streaming["WriteStateBytes"] == (True, False)
    assert all(hasattr(tfplugin6_pb2_grpc.ProviderServicer, rpc) for rpc in RPCS)


@pytest.mark.parametrize(
    ("message", "field", "number"),
    [
        ("ValidateProviderConfig.Response", "diagnostics", 2),
        ("StopProvider.Response", "Error", 1),
        ("Schema.Attribute", "nested_type", 10),
        ("Schema.Attribute", "write_only", 11),
        ("Schema.Attribute", "deprecation_message", 12),
        ("Schema.Block", "deprecation_message", 7),
        ("GetProviderSchema.Response", "action_schemas", 11),
        ("ServerCapabilities", "generate_resource_config", 4),
        ("PlanResourceChange.Request", "prior_identity", 8),
        ("PlanResourceChange.Response", "planned_identity", 7),
        ("ApplyResourceChange.Response", "new_identity", 5),
        ("ReadResource.Request", "current_identity", 6),
        ("ImportResourceState.ImportedResource", "identity", 4),
        ("MoveResourceState.Request", "source_identity_schema_version", 8),
        ("OpenEphemeralResource.Response", "private", 4),
        ("ListResource.Event", "diagnostic", 4),
        ("ValidateListResourceConfig.Request", "limit", 4),
        ("InvokeAction.Event", "completed", 2),
        ("WriteStateBytes.RequestChunk", "range", 4),
        ("Function", "return", 3),
        ("Function", "deprecation_message", 7),
    ],
)
def test_field_numbers_match_the_reference(message: str, field: str, number: int) -> None:
    descriptor = tfplugin6_pb2.DESCRIPTOR.message_types_by_name[message.split(".")[0]]
    for nested in message.split(".")[1:]:
        descriptor = descriptor.nested_types_by_name[nested]
    assert descriptor.fields_by_name[field].number == number


def test_go_plugin_services() -> None:
    methods = {
        f"/{s.full_name}/{m.name}"
        for s in plugin_pb2.DESCRIPTOR.services_by_name.values()
        for m in s.methods
    }
    assert methods == {
        "/plugin.GRPCController/Shutdown",
        "/plugin.GRPCStdio/StreamStdio",
        "/plugin.GRPCBroker/StartStream",
    }
    stdio = plugin_pb2.DESCRIPTOR.services_by_name["GRPCStdio"].methods_by_name["StreamStdio"]
    assert stdio.input_type.full_name == "google.protobuf.Empty"
    assert plugin_pb2.StdioData.STDERR == 2
    assert plugin_pb2.ConnInfo(knock=plugin_pb2.ConnInfo.Knock(ack=True)).knock.ack
    assert hasattr(plugin_pb2_grpc, "add_GRPCControllerServicer_to_server")
