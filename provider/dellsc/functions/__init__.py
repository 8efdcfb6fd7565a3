"""Provider-defined functions, one module each; FUNCTIONS lists exactly schemas/functions."""

from dellsc.functions.base import Function
from dellsc.functions.normalize_initiator import NormalizeInitiator
from dellsc.functions.parse_id import ParseId
from dellsc.functions.wwn_device_path import WwnDevicePath

FUNCTIONS: dict[str, type[Function]] = {
    f.name: f for f in (ParseId, WwnDevicePath, NormalizeInitiator)
}
