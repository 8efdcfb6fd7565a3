"""Diagnostics as tfplugin6 messages, with every registered secret masked (`dellsc.tf.masks`)."""

from __future__ import annotations

from dellsc.server._gen import tfplugin6_pb2 as pb
from dellsc.tf.diagnostics import ERROR, WARNING, Diagnostics
from dellsc.tf.masks import mask

_SEVERITIES = {ERROR: pb.Diagnostic.ERROR, WARNING: pb.Diagnostic.WARNING}


def to_proto(diags: Diagnostics) -> list[pb.Diagnostic]:
    out = []
    for d in diags.items:
        msg = pb.Diagnostic(
            severity=_SEVERITIES[d.severity], summary=mask(d.summary), detail=mask(d.detail)
        )
        if d.path is not None:
            for step in d.path.steps:
                if isinstance(step, int):
                    msg.attribute.steps.add(element_key_int=step)
                else:
                    msg.attribute.steps.add(attribute_name=step)
        out.append(msg)
    return out
