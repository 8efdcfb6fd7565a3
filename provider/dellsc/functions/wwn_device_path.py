"""`provider::dellsc::wwn_device_path(wwn, [partition])`: the Linux by-id path of a volume.

udev's 60-persistent-storage.rules links a SCSI disk as
`/dev/disk/by-id/wwn-$env{ID_WWN_WITH_EXTENSION}` (a partition: `...-part%n`), and scsi_id
sets ID_WWN_WITH_EXTENSION to `0x` + the NAA designator of VPD page 0x83 in lower-case hex:
16 digits for NAA 2, 3 and 5, 32 for NAA 6 (16 of WWN and 16 of vendor extension). A Storage
Center volume's WWN (`dellsc_volume.wwn`, its deviceId) is NAA 6: `6000d31...`, 32 digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dellsc.functions.base import Function, FunctionError

PREFIX = "/dev/disk/by-id/wwn-0x"
_HEX = re.compile(r"[0-9a-f]+")
_DIGITS = {"1": 16, "2": 16, "3": 16, "5": 16, "6": 32}  # NAA type -> hex digits


def device_path(wwn: str, partition: int | None = None) -> str:
    text = wwn.strip().lower()
    for prefix in ("naa.", "0x"):
        text = text.removeprefix(prefix)
    text = text.replace(":", "")
    if not text or not _HEX.fullmatch(text):
        raise FunctionError(
            f"{wwn!r} is not a WWN: expected hexadecimal digits, such as a volume's wwn "
            "6000d31000fcbe000000000000000da8 (0x, naa. and colons are accepted).",
            0,
        )
    digits = _DIGITS.get(text[0])
    if digits is None:
        raise FunctionError(
            f"{wwn!r} is not an NAA WWN: the first digit (NAA type) must be 1, 2, 3, 5 or 6.", 0
        )
    if len(text) != digits:
        raise FunctionError(
            f"{wwn!r} has {len(text)} hex digits; an NAA {text[0]} WWN has {digits}.", 0
        )
    return PREFIX + text + (f"-part{partition}" if partition is not None else "")


class WwnDevicePath(Function):
    name = "wwn_device_path"

    def call(self, arguments: list[Any]) -> Any:
        partitions = arguments[1:]
        if len(partitions) > 1:
            raise FunctionError("Give at most one partition number.", 2)
        partition: Decimal | None = partitions[0] if partitions else None
        if partition is not None and (partition != partition.to_integral_value() or partition < 1):
            raise FunctionError(
                f"The partition number must be a whole number from 1, got {partition}.", 1
            )
        return device_path(str(arguments[0]), int(partition) if partition is not None else None)
