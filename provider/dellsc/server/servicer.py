"""The tfplugin6 Provider service: decodes requests, runs the generic schema logic, calls
the resource hooks and encodes answers. It knows protocol rules, not Storage Center.

Every handler turns exceptions into error diagnostics (a Python exception escaping a gRPC
handler would reach the user as an opaque "Plugin error").
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import grpc

from dellsc.actions.base import Action
from dellsc.data_sources.base import DataSource
from dellsc.functions.base import Function, FunctionError
from dellsc.list_resources.base import ListResource
from dellsc.resources import adopt
from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.schema import planning
from dellsc.schema.loader import function_schemas, schemas, type_names
from dellsc.schema.model import Attribute, FunctionParameter, FunctionSchema, Schema
from dellsc.server import codec
from dellsc.server._gen import tfplugin6_pb2 as pb
from dellsc.server.diagnostics import to_proto
from dellsc.tf.diagnostics import Diagnostics
from dellsc.tf.values import CtyType, contains_unknown

log = logging.getLogger("dellsc.server")


class ProviderCore(Protocol):
    """What the servicer needs from a concrete provider."""

    schema: Schema

    def validate_config(self, config: Values, diags: Diagnostics) -> None: ...

    def configure(self, config: Values, diags: Diagnostics) -> None: ...

    def resource(self, type_name: str) -> Resource: ...

    def data_source(self, type_name: str) -> DataSource: ...

    def action(self, type_name: str) -> Action: ...

    def list_resource(self, type_name: str) -> ListResource: ...

    def function(self, name: str) -> Function: ...

    def describe_error(self, exc: Exception) -> tuple[str, str]: ...

    def notices(self, diags: Diagnostics) -> None: ...


def _attribute_proto(attr: Attribute) -> pb.Schema.Attribute:
    msg = pb.Schema.Attribute(
        name=attr.name,
        description=attr.description,
        description_kind=pb.StringKind.MARKDOWN,
        required=attr.required,
        optional=attr.optional,
        computed=attr.computed,
        sensitive=attr.sensitive,
        deprecated=attr.deprecated,
    )
    if attr.nested is None:
        msg.type = codec.type_json(attr.type)
    else:
        msg.nested_type.CopyFrom(
            pb.Schema.Object(
                attributes=[_attribute_proto(a) for a in attr.nested],
                nesting=pb.Schema.Object.NestingMode.SINGLE,
            )
        )
    return msg


def schema_proto(schema: Schema) -> pb.Schema:
    """The wire form of one schema file."""
    return pb.Schema(
        version=schema.version,
        block=pb.Schema.Block(
            attributes=[_attribute_proto(a) for a in schema.attributes],
            description=schema.description,
            description_kind=pb.StringKind.MARKDOWN,
        ),
    )


def _parameter_proto(parameter: FunctionParameter) -> pb.Function.Parameter:
    return pb.Function.Parameter(
        name=parameter.name,
        type=codec.type_json(parameter.type),
        allow_null_value=parameter.allow_null,
        description=parameter.description,
        description_kind=pb.StringKind.MARKDOWN,
    )


def function_proto(schema: FunctionSchema) -> pb.Function:
    """The wire form of one function schema; `return` is always set (Terraform needs it)."""
    message = pb.Function(
        parameters=[_parameter_proto(p) for p in schema.parameters],
        summary=schema.summary,
        description=schema.description,
        description_kind=pb.StringKind.MARKDOWN,
    )
    getattr(message, "return").type = codec.type_json(schema.returns)  # `return`: a keyword
    if schema.variadic is not None:
        message.variadic_parameter.CopyFrom(_parameter_proto(schema.variadic))
    return message


def _dynamic(value: Any, ty: CtyType) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=codec.encode(value, ty))


def _load(dv: pb.DynamicValue, ty: CtyType) -> Any:
    if dv.msgpack:
        return codec.decode(dv.msgpack, ty)
    if dv.json:
        return codec.decode_json(dv.json, ty)
    return None


def _private(raw: bytes) -> dict[str, Any]:
    """Private state as the provider writes it (a JSON object); anything else reads as {}."""
    try:
        loaded = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _present(values: Values | None) -> Values:
    """A prior/current state that the protocol guarantees to be non-null here."""
    if values is None:
        raise ValueError("Terraform sent a null state where an object was required")
    return values


def _values(dv: pb.DynamicValue, schema: Schema) -> Values | None:
    """A resource object from the wire, with sets in canonical order."""
    return planning.normalize(schema, _load(dv, schema.object_type))


class ProviderServicer:
    """tfplugin6.Provider over a `ProviderCore`; an RPC without a method here is UNIMPLEMENTED."""

    def __init__(self, core: ProviderCore) -> None:
        self.core = core

    # -- helpers -------------------------------------------------------------------------

    @contextmanager
    def _guard(self, rpc: str, diags: Diagnostics) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        except Exception as exc:  # every failure must become a diagnostic
            summary, detail = self.core.describe_error(exc)
            diags.error(summary, detail)
            log.debug("%s failed", rpc, exc_info=True)
        self.core.notices(diags)  # e.g. a switch of DSM during this call
        log.debug("%s done in %.1f ms", rpc, (time.perf_counter() - start) * 1000)

    def _resource(self, type_name: str) -> tuple[Resource, Schema]:
        resource = self.core.resource(type_name)
        return resource, resource.schema()

    def _identity(
        self, resource: Resource, schema: Schema, state: Values | None
    ) -> pb.ResourceIdentityData | None:
        if not schema.identity or state is None:
            return None
        value = resource.identity(state)
        return pb.ResourceIdentityData(identity_data=_dynamic(value, schema.identity_type))

    # -- schema and configuration ----------------------------------------------------------

    def GetMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(
                plan_destroy=True, get_provider_schema_optional=True
            ),
            resources=[
                pb.GetMetadata.ResourceMetadata(type_name=n) for n in type_names("resources")
            ],
            data_sources=[
                pb.GetMetadata.DataSourceMetadata(type_name=n) for n in type_names("data_sources")
            ],
            actions=[pb.GetMetadata.ActionMetadata(type_name=n) for n in type_names("actions")],
            list_resources=[
                pb.GetMetadata.ListResourceMetadata(type_name=n)
                for n in type_names("list_resources")
            ],
            functions=[pb.GetMetadata.FunctionMetadata(name=n) for n in type_names("functions")],
        )

    def GetProviderSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetProviderSchema.Response(
            provider=schema_proto(self.core.schema),
            resource_schemas={n: schema_proto(s) for n, s in schemas("resources").items()},
            data_source_schemas={n: schema_proto(s) for n, s in schemas("data_sources").items()},
            action_schemas={
                n: pb.ActionSchema(schema=schema_proto(s)) for n, s in schemas("actions").items()
            },
            list_resource_schemas={
                n: schema_proto(s) for n, s in schemas("list_resources").items()
            },
            functions={n: function_proto(s) for n, s in function_schemas().items()},
            server_capabilities=pb.ServerCapabilities(
                plan_destroy=True, get_provider_schema_optional=True
            ),
        )

    def GetResourceIdentitySchemas(self, request: Any, context: grpc.ServicerContext) -> Any:
        identity = pb.ResourceIdentitySchema
        return pb.GetResourceIdentitySchemas.Response(
            identity_schemas={
                name: identity(
                    version=s.identity_version,
                    identity_attributes=[
                        identity.IdentityAttribute(
                            name=a.name,
                            type=codec.type_json(a.type),
                            description=a.description,
                            required_for_import=a.required_for_import,
                            optional_for_import=a.optional_for_import,
                        )
                        for a in s.identity
                    ],
                )
                for name, s in schemas("resources").items()
                if s.identity
            }
        )

    def ValidateProviderConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("ValidateProviderConfig", diags):
            config = _load(request.config, self.core.schema.object_type) or {}
            planning.validate(self.core.schema, config, diags)
            self.core.validate_config(config, diags)
        return pb.ValidateProviderConfig.Response(diagnostics=to_proto(diags))

    def ConfigureProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("ConfigureProvider", diags):
            config = _load(request.config, self.core.schema.object_type) or {}
            self.core.configure(config, diags)
        return pb.ConfigureProvider.Response(diagnostics=to_proto(diags))

    def StopProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.StopProvider.Response()

    # -- resources -----------------------------------------------------------------------

    def ValidateResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("ValidateResourceConfig", diags):
            resource, schema = self._resource(request.type_name)
            config = _load(request.config, schema.object_type)
            planning.validate(schema, config, diags)
            resource.validate(config, diags)
        return pb.ValidateResourceConfig.Response(diagnostics=to_proto(diags))

    def UpgradeResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.UpgradeResourceState.Response()
        with self._guard("UpgradeResourceState", diags):
            resource, schema = self._resource(request.type_name)
            state = codec.decode_json(request.raw_state.json, schema.object_type)
            state = resource.upgrade_state(request.version, state)
            response.upgraded_state.CopyFrom(_dynamic(state, schema.object_type))
        response.diagnostics.extend(to_proto(diags))
        return response

    def UpgradeResourceIdentity(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.UpgradeResourceIdentity.Response()
        with self._guard("UpgradeResourceIdentity", diags):
            _, schema = self._resource(request.type_name)
            identity = codec.decode_json(request.raw_identity.json, schema.identity_type)
            response.upgraded_identity.identity_data.CopyFrom(
                _dynamic(identity, schema.identity_type)
            )
        response.diagnostics.extend(to_proto(diags))
        return response

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.ReadResource.Response(private=request.private)
        with self._guard("ReadResource", diags):
            resource, schema = self._resource(request.type_name)
            state = _values(request.current_state, schema)
            new_state = resource.refresh(_present(state), diags)
            response.new_state.CopyFrom(_dynamic(new_state, schema.object_type))
            identity = self._identity(resource, schema, new_state)
            if identity is not None:
                response.new_identity.CopyFrom(identity)
        if diags.has_errors and not response.HasField("new_state"):
            response.new_state.CopyFrom(request.current_state)
        response.diagnostics.extend(to_proto(diags))
        return response

    def PlanResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.PlanResourceChange.Response(planned_private=request.prior_private)
        with self._guard("PlanResourceChange", diags):
            resource, schema = self._resource(request.type_name)
            ty = schema.object_type
            prior = _values(request.prior_state, schema)
            proposed = _values(request.proposed_new_state, schema)
            if proposed is None:
                resource.plan_destroy(_present(prior), diags)
                response.planned_state.CopyFrom(_dynamic(None, ty))
            else:
                config = _values(request.config, schema) or {}
                planned, replace = planning.plan(schema, prior, proposed, config)
                # a replacement's create half gets the first call's planned_private: the id
                # of the object it replaces, which it must never adopt
                private = _private(request.prior_private)
                if prior is not None and isinstance(prior.get("id"), str):
                    private["replaces"] = prior["id"]
                    response.planned_private = json.dumps(private).encode()
                replaces = private.get("replaces") if prior is None else None
                change = PlanChange(prior, planned, config, diags, replace, replaces)
                if not diags.has_errors:
                    resource.plan(change)
                response.planned_state.CopyFrom(_dynamic(change.planned, ty))
                for path in change.requires_replace:
                    step = response.requires_replace.add()
                    for name in path.steps:
                        step.steps.add(attribute_name=str(name))
                if prior is not None and request.HasField("prior_identity"):
                    response.planned_identity.CopyFrom(request.prior_identity)
                else:
                    # Terraform 1.15 cannot render a plan whose identity holds unknowns
                    # ("value is not known" from show -json), so creates plan none.
                    identity = self._identity(resource, schema, change.planned)
                    if identity is not None and not contains_unknown(
                        resource.identity(change.planned)
                    ):
                        response.planned_identity.CopyFrom(identity)
        response.diagnostics.extend(to_proto(diags))
        return response

    def ApplyResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.ApplyResourceChange.Response(private=request.planned_private)
        with self._guard("ApplyResourceChange", diags):
            resource, schema = self._resource(request.type_name)
            ty = schema.object_type
            prior = _values(request.prior_state, schema)
            planned = _values(request.planned_state, schema)
            new_state: Values | None
            if prior is not None and isinstance(prior.get("id"), str):
                adopt.hold(prior["id"])
            if planned is None:
                resource.delete(_present(prior), diags)
                new_state = None if not diags.has_errors else prior
            elif prior is None:
                replaces = _private(request.planned_private).get("replaces")
                with adopt.replacing(replaces if isinstance(replaces, str) else None):
                    new_state = resource.create(planned, diags)
            else:
                new_state = resource.update(prior, planned, diags)
            response.new_state.CopyFrom(_dynamic(new_state, ty))
            identity = self._identity(resource, schema, new_state)
            if identity is not None and not contains_unknown(new_state):
                response.new_identity.CopyFrom(identity)
        if diags.has_errors and not response.HasField("new_state"):
            response.new_state.CopyFrom(request.prior_state)
        response.diagnostics.extend(to_proto(diags))
        return response

    def ImportResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.ImportResourceState.Response()
        with self._guard("ImportResourceState", diags):
            resource, schema = self._resource(request.type_name)
            import_id = request.id
            if not import_id and request.HasField("identity"):
                identity = _load(request.identity.identity_data, schema.identity_type) or {}
                import_id = resource.import_id(identity)
            stub = resource.import_state(import_id, diags)
            if stub is not None and not diags.has_errors:
                state = {a.name: stub.get(a.name) for a in schema.attributes}
                imported = response.imported_resources.add(
                    type_name=request.type_name, state=_dynamic(state, schema.object_type)
                )
                identity_msg = self._identity(resource, schema, state)
                if identity_msg is not None:
                    imported.identity.CopyFrom(identity_msg)
        response.diagnostics.extend(to_proto(diags))
        return response

    def MoveResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        diags.error(
            "Move Not Supported",
            f"{request.target_type_name} cannot be the target of a moved block from "
            f"{request.source_type_name}.",
        )
        return pb.MoveResourceState.Response(diagnostics=to_proto(diags))

    # -- data sources ----------------------------------------------------------------------

    def ValidateDataResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("ValidateDataResourceConfig", diags):
            data_source = self.core.data_source(request.type_name)
            config = _load(request.config, data_source.schema().object_type) or {}
            planning.validate(data_source.schema(), config, diags)
            data_source.validate(config, diags)
        return pb.ValidateDataResourceConfig.Response(diagnostics=to_proto(diags))

    def ReadDataSource(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        response = pb.ReadDataSource.Response()
        with self._guard("ReadDataSource", diags):
            data_source = self.core.data_source(request.type_name)
            schema = data_source.schema()
            config = _values(request.config, schema) or {}
            state = data_source.answer(config, diags)
            response.state.CopyFrom(_dynamic(state, schema.object_type))
        response.diagnostics.extend(to_proto(diags))
        return response

    # -- actions (Terraform 1.14+) -----------------------------------------------------------

    def ValidateActionConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("ValidateActionConfig", diags):
            action = self.core.action(request.type_name)
            config = _values(request.config, action.schema()) or {}
            planning.validate(action.schema(), config, diags)
            action.validate(config, diags)
        return pb.ValidateActionConfig.Response(diagnostics=to_proto(diags))

    def PlanAction(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("PlanAction", diags):
            action = self.core.action(request.action_type)
            action.plan(_values(request.config, action.schema()) or {}, diags)
        return pb.PlanAction.Response(diagnostics=to_proto(diags))

    def InvokeAction(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        """Stream one Progress event per step, then exactly one Completed event."""
        event = pb.InvokeAction.Event
        diags = Diagnostics()
        with self._guard("InvokeAction", diags):
            action = self.core.action(request.action_type)
            config = _values(request.config, action.schema()) or {}
            for message in action.invoke(config, diags):
                yield event(progress=event.Progress(message=message))
        yield event(completed=event.Completed(diagnostics=to_proto(diags)))

    # -- list resources (terraform query) ---------------------------------------------------

    def _list_config(self, request: Any, diags: Diagnostics) -> tuple[ListResource, Values]:
        lister = self.core.list_resource(request.type_name)
        schema = lister.schema()
        config = _load(request.config, schema.object_type) or {}
        planning.validate(schema, config, diags)
        lister.validate(config, diags)
        return lister, config

    def ValidateListResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        with self._guard("ValidateListResourceConfig", diags):
            self._list_config(request, diags)
        return pb.ValidateListResourceConfig.Response(diagnostics=to_proto(diags))

    def ListResource(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        """One event per object, identity always, the resource object when asked for.

        Objects are filled through the managed resource's `read`, so a listed body and an
        imported state are the same. Stops at `limit` or when Terraform cancels the stream.
        """
        diags = Diagnostics()
        sent = 0
        with self._guard("ListResource", diags):
            lister, config = self._list_config(request, diags)
            resource, schema = self._resource(request.type_name)
            found = iter(()) if diags.has_errors else lister.list(config, diags)
            for listed in found:
                if (request.limit > 0 and sent >= request.limit) or not context.is_active():
                    break
                state = listed.stub
                if request.include_resource_object:
                    stub = {a.name: listed.stub.get(a.name) for a in schema.attributes}
                    read = resource.read(stub, diags)
                    if read is None:  # gone since it was listed
                        continue
                    state = read
                event = pb.ListResource.Event(
                    display_name=listed.display_name,
                    identity=self._identity(resource, schema, state),
                )
                if request.include_resource_object:
                    event.resource_object.CopyFrom(_dynamic(state, schema.object_type))
                sent += 1
                yield event
        if diags.items:
            yield pb.ListResource.Event(diagnostic=to_proto(diags))

    # -- provider-defined functions (Terraform 1.8+) -----------------------------------------

    def GetFunctions(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetFunctions.Response(
            functions={n: function_proto(s) for n, s in function_schemas().items()}
        )

    def CallFunction(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Decode each argument by its parameter's type (variadic ones one by one), call the
        function on this (unconfigured) provider, encode the result by the return type. Bad
        input is a FunctionError naming the argument; functions use no diagnostics."""
        start = time.perf_counter()
        try:
            function = self.core.function(request.name)
            schema = function.schema()
            arguments = []
            for index, dv in enumerate(request.arguments):
                parameter = schema.parameter(index)
                if parameter is None:
                    count = len(schema.parameters)
                    raise FunctionError(
                        f"{request.name} takes {count} argument{'' if count == 1 else 's'}", index
                    )
                value = _load(dv, parameter.type)
                if value is None and not parameter.allow_null:
                    raise FunctionError(f"{parameter.name} must not be null", index)
                arguments.append(value)
            result = function.call(arguments)
            response = pb.CallFunction.Response(result=_dynamic(result, schema.returns))
        except FunctionError as exc:  # Terraform ends the text with its own full stop
            response = pb.CallFunction.Response(error=pb.FunctionError(text=exc.text.rstrip(".")))
            if exc.argument is not None:
                response.error.function_argument = exc.argument
        except Exception as exc:  # never an opaque plugin error
            log.debug("CallFunction %s failed", request.name, exc_info=True)
            text = f"{request.name} failed unexpectedly: {type(exc).__name__}: {exc}".rstrip(".")
            response = pb.CallFunction.Response(error=pb.FunctionError(text=text))
        log.debug("CallFunction %s done in %.1f ms", request.name,
                  (time.perf_counter() - start) * 1000)  # fmt: skip
        return response
