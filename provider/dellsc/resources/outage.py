"""While a Storage Center is unreachable: every object on it keeps its last known state, and
the plan says so once per resource type, never with an error.

An SC the DSM lists as disconnected (or `Down`) answers every request about its objects with
an error (`500 ... not connected to the Data Collector` on a real DSM). Such an error says
nothing about the object: a refresh keeps what the state holds, a plan keeps what it planned,
and a data source answers what it can.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import TYPE_CHECKING, Any

from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.host import ProviderHost
    from dellsc.sc import ScClient
    from dellsc.tf.diagnostics import Diagnostics

_HOME = re.compile(r"(\d+)[.:]")
# SCs found unreachable by a client (one per provider process, which lives for one phase of a
# Terraform command): the next object on them keeps its state without asking the DSM again
_DOWN: weakref.WeakKeyDictionary[ScClient, set[int]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def home_ssn(object_id: Any) -> int | None:
    """The SC an object id names: `64702.101`, `64702.101.3`, `64702:64703:dr` -> 64702."""
    match = _HOME.match(object_id) if isinstance(object_id, str) else None
    return int(match[1]) if match else None


def known_down(provider: ProviderHost, ssn: int | None) -> bool:
    """Whether this process already found SC `ssn` unreachable."""
    if ssn is None or provider.catalog is None:  # not configured: nothing was asked yet
        return False
    with _LOCK:
        return ssn in _DOWN.get(provider.client(), ())


def unreachable(provider: ProviderHost, exc: BaseException, ssn: int | None) -> bool:
    """Whether `exc` comes from SC `ssn` being unreachable through the DSM (the DSM itself
    answers; the SC behind it does not). Remembered for this process (`known_down`)."""
    if ssn is None or not isinstance(exc, errors.ScError):
        return False
    if not provider.client().down_error(exc, ssn):
        return False
    with _LOCK:
        _DOWN.setdefault(provider.client(), set()).add(ssn)
    return True


def warn(
    provider: ProviderHost,
    type_name: str,
    ssn: int,
    exc: BaseException | None,
    diags: Diagnostics,
    *,
    data_source: bool = False,
) -> None:
    """The one warning per resource (or data source) type and SC in this process."""
    kind = f"data.{type_name}" if data_source else type_name
    if not provider.first_warning(f"unreachable:{kind}:{ssn}"):
        return
    cause = "the DSM lists it as disconnected"
    if isinstance(exc, errors.ScApiError):
        cause = exc.message
        if isinstance(exc, errors.ScUnavailable):  # "SC N is not reachable ... (<why>)"
            cause = cause.partition(" (")[2].removesuffix(")") or cause
    elif exc is not None:
        cause = str(exc)
    what = (
        f"{type_name} answers with what the DSM still says of it (the rest null) until it is back."
        if data_source
        else f"Every {type_name} on it keeps its last known state until it is back: nothing is "
        "re-created, changed or removed meanwhile."
    )
    diags.warning(
        "Storage Center Unreachable",
        f"Storage Center {ssn} cannot be reached through the DSM ({cause}). {what}",
    )
