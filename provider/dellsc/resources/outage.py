"""While a Storage Center is unreachable: every object on it keeps its last known state, and
the plan says so once per resource type, never with an error.

An SC the DSM lists as disconnected (or `Down`) answers every request about its objects with
an error (`500 ... not connected to the Data Collector` on a real DSM). Such an error says
nothing about the object: a refresh keeps what the state holds, a plan keeps what it planned,
and a data source answers what it can.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.host import ProviderHost
    from dellsc.tf.diagnostics import Diagnostics

_HOME = re.compile(r"(\d+)[.:]")


def home_ssn(object_id: Any) -> int | None:
    """The SC an object id names: `64702.101`, `64702.101.3`, `64702:64703:dr` -> 64702."""
    match = _HOME.match(object_id) if isinstance(object_id, str) else None
    return int(match[1]) if match else None


def unreachable(provider: ProviderHost, exc: BaseException, ssn: int | None) -> bool:
    """Whether `exc` comes from SC `ssn` being unreachable through the DSM (the DSM itself
    answers; the SC behind it does not)."""
    if isinstance(exc, errors.ScUnavailable):
        return True
    if ssn is None or not isinstance(exc, errors.ScApiError) or isinstance(exc, errors.ScAuthError):
        return False
    try:
        return not provider.client().sc_reachable(ssn)
    except errors.ScError:
        return False


def warn(
    provider: ProviderHost,
    type_name: str,
    ssn: int,
    exc: BaseException | None,
    diags: Diagnostics,
) -> None:
    """The one warning per resource (or data source) type and SC in this process."""
    if not provider.first_warning(f"unreachable:{type_name}:{ssn}"):
        return
    cause = "the DSM lists it as disconnected"
    if isinstance(exc, errors.ScApiError):
        cause = exc.message
        if isinstance(exc, errors.ScUnavailable):  # "SC N is not reachable ... (<why>)"
            cause = cause.partition(" (")[2].removesuffix(")") or cause
    elif exc is not None:
        cause = str(exc)
    diags.warning(
        "Storage Center Unreachable",
        f"Storage Center {ssn} cannot be reached through the DSM ({cause}). Every {type_name} "
        "on it keeps its last known state until it is back: nothing is re-created, changed or "
        "removed meanwhile.",
    )
