"""`provider::dellsc::normalize_initiator(initiator)`: one spelling per initiator.

iSCSI names are case-insensitive and their canonical form is lower case (the stringprep
profile of RFC 3722 maps case; RFC 3720 §3.2.6): `IQN.1998-01.COM.VMWARE:Esx01` is
`iqn.1998-01.com.vmware:esx01`, `EUI.02004567A425678D` is `eui.02004567a425678d`, and `naa.`
names alike. A Fibre Channel WWPN is 16 hex digits: `21:00:00:24:FF:30:44:1D`,
`21-00-00-24-ff-30-44-1d` and `0x21000024FF30441D` are all `21000024ff30441d`, as the array
keeps it.
"""

from __future__ import annotations

import re
from typing import Any

from dellsc.functions.base import Function, FunctionError

_IQN = re.compile(
    r"iqn\.\d{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\S+)?"
)
_EUI = re.compile(r"eui\.[0-9a-f]{16}")
_NAA = re.compile(r"naa\.([0-9a-f]{16}|[0-9a-f]{32})")
_WWPN = re.compile(r"(0x)?([0-9a-f]{16}|[0-9a-f]{2}([:-][0-9a-f]{2}){7})")


def normalize(initiator: str) -> str:
    text = initiator.strip().lower()
    if _IQN.fullmatch(text) or _EUI.fullmatch(text) or _NAA.fullmatch(text):
        return text
    if _WWPN.fullmatch(text):
        return re.sub(r"[^0-9a-f]", "", text.removeprefix("0x"))
    raise FunctionError(
        f"{initiator!r} is not an initiator: expected an iSCSI name (iqn.yyyy-mm.naming."
        "authority[:unique], eui. + 16 hex digits, naa. + 16 or 32 hex digits) or a Fibre "
        "Channel WWPN (16 hex digits, optionally 0x-prefixed or in pairs separated by : or -).",
        0,
    )


class NormalizeInitiator(Function):
    name = "normalize_initiator"

    def call(self, arguments: list[Any]) -> Any:
        return normalize(str(arguments[0]))
