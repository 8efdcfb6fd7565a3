"""Terraform's schema and validate processes (and the ones that only call provider-defined
functions) never talk to the array, so they must not pay for importing the DSM client stack
(requests, urllib3, pydantic: about 150 ms per process).

Each check runs in a fresh interpreter that serves the RPCs those processes get, through the
real servicer, and then lists which of the heavy modules got imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ("requests", "urllib3", "pydantic", "cryptography", "dellsc.sc.session", "dellsc.sc.models")

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from dellsc.provider import DellscProvider
    from dellsc.server import codec
    from dellsc.server._gen import tfplugin6_pb2 as pb
    from dellsc.server.servicer import ProviderServicer

    servicer = ProviderServicer(DellscProvider())
    schemas = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert not schemas.diagnostics, schemas.diagnostics
    provider = servicer.core
    config = {"name": "data", "size_gb": 10, "folder": "apps/db"}
    for type_name in schemas.resource_schemas:
        _, schema = servicer._resource(type_name)
        values = {
            attr: config.get(attr) for attr in schema.object_type[1]
        }
        request = pb.ValidateResourceConfig.Request(type_name=type_name)
        request.config.msgpack = codec.encode(values, schema.object_type)
        servicer.ValidateResourceConfig(request, None)
    for name, function in schemas.functions.items():  # on an unconfigured provider
        request = pb.CallFunction.Request(name=name)
        request.arguments.add().msgpack = codec.encode("64702.101", "string")
        assert servicer.CallFunction(request, None).HasField("result" if name == "parse_id"
                                                             else "error")
    heavy = json.loads(sys.argv[1])
    print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
    """
)


def test_schema_and_validate_rpcs_import_no_client_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout.splitlines()[-1]) == []
