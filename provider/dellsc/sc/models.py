"""Typed views of DSM objects (reference §5).

Every model is frozen and ignores attributes it does not know, so new array fields do not break
us. Quirks are parsed here, once: attribute names match case-insensitively (`WWN`/`wwn`/`wWN`),
SSNs arrive as int or string, sizes as `"1.073741824E9 Bytes"`, descriptions as null.
`parse` / `parse_list` turn a reply into models and a reply that does not fit into ScApiError.

Fields that no public client of a real array reads (reference §9.1a: QoS limits, snapshot
schedule rules, profile volume counts) are lenient: a model lists them in `LENIENT`, and a value
of another type than expected is read as None (unknown), logged at debug level and named in
`odd_fields`, so an unexpected shape there never fails a plan.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from .errors import ScApiError
from .units import GIB, parse_bytes, parse_ssn

Bytes = Annotated[int, BeforeValidator(parse_bytes)]
Ssn = Annotated[int, BeforeValidator(parse_ssn)]


def _none_to_empty(value: object) -> object:
    return "" if value is None else value


Text = Annotated[str, BeforeValidator(_none_to_empty)]

log = logging.getLogger("dellsc.sc.models")
_KEYS_BY_LOWER: dict[type, dict[str, str]] = {}
# per model: each key seen in a reply -> the field name or alias it stands for (or itself)
_FOLDS: dict[type, dict[Any, Any]] = {}
ODD_FIELDS = "_dellscOddFields"  # where the lenient check records what it read as unknown


class ScModel(BaseModel):
    """Base of all reply models: camelCase aliases, case-insensitive keys, unknown keys ignored."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        alias_generator=to_camel,
        defer_build=True,  # validators are built on first use: a plan needs a few models
    )
    # fields whose shape no public client confirms: a value of the wrong type reads as None
    LENIENT: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _fold_key_case(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return _lenient(cls, _folded(cls, data)) if cls.LENIENT else _folded(cls, data)


def _folded(cls: type[ScModel], data: dict[Any, Any]) -> dict[Any, Any]:
    """`data` with each key spelled as the model's field or alias it matches, ignoring case."""
    folds = _FOLDS.get(cls)
    if folds is None:
        folds = _FOLDS[cls] = {}
    if all(folds.get(key) == key for key in data):
        return data  # the usual case: every key already seen, spelled as documented
    known = _KEYS_BY_LOWER.get(cls)
    if known is None:
        known = {}
        for name, field in cls.model_fields.items():
            known[name.lower()] = name
            if field.alias:
                known[field.alias.lower()] = field.alias
        _KEYS_BY_LOWER[cls] = known
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = known.get(key.lower(), key) if isinstance(key, str) else key
        folds[key] = name
        if name not in out or name == key:
            out[name] = value
    return out


@cache
def _lenient_checks(cls: type[ScModel]) -> tuple[tuple[str, TypeAdapter[Any]], ...]:
    """(wire key, validator) of each lenient field of `cls`."""
    checks = []
    for name in cls.LENIENT:
        field = cls.model_fields[name]
        adapter: TypeAdapter[Any] = TypeAdapter(field.rebuild_annotation())
        checks.append((field.alias or name, adapter))
    return tuple(checks)


def _lenient(cls: type[ScModel], data: dict[Any, Any]) -> dict[Any, Any]:
    """`data` with each lenient field that does not validate replaced by None (recorded)."""
    odd = []
    for key, adapter in _lenient_checks(cls):
        if key not in data or data[key] is None:
            continue
        try:
            adapter.validate_python(data[key])
        except ValidationError:
            log.debug("%s.%s: unexpected value %r read as unknown", cls.__name__, key, data[key])
            odd.append(key)
    if not odd:
        return data
    return {**{k: v for k, v in data.items() if k not in odd}, ODD_FIELDS: tuple(odd)}


class ScRef(ScModel):
    """A reference to another object: `{instanceId, instanceName, objectType}` (§3.2)."""

    instance_id: str
    instance_name: Text = ""
    object_type: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _name_fallback(cls, data: Any) -> Any:
        # user preferences carry `name` instead of `instanceName` (§5.10)
        if isinstance(data, dict) and "instanceName" not in data and "name" in data:
            return {**data, "instanceName": data["name"]}
        return data


class ScObject(ScModel):
    """Header fields every DSM object carries."""

    instance_id: str
    instance_name: Text = ""
    object_type: Text = ""


class LenientObject(ScObject):
    """An object some of whose fields no public client confirms (`LENIENT`); `odd_fields`
    names those a reply carried in a form this client does not understand (read as None)."""

    odd_fields: tuple[str, ...] = Field(default=(), alias=ODD_FIELDS, exclude=True)


class ApiConnection(ScObject):
    """The login reply; `api_version` is the API level of the DSM (§1.6)."""

    instance_id: str = "0"
    api_version: str = ""
    min_api_version: str = ""
    provider: str = ""
    provider_version: str = ""
    user_name: str = ""
    connected: bool = True


class AsyncTask(ScObject):
    """A running (or finished) async call (§2.2); polled by `returnValue`, else by id (§2.3)."""

    instance_id: Text = ""
    state: Text = ""
    started: bool = False
    successful: bool = False
    error_state: Text = ""
    error: Text = ""
    localized_error: Text = ""
    method_name: Text = ""
    object_type_name: Text = ""
    step_message: Text = ""
    return_value: Text = ""


class StorageCenter(ScObject):
    name: Text = ""
    sc_serial_number: Ssn
    status: Text = ""
    connected: bool = True
    version: Text = ""
    host_or_ip_address: Text = ""
    management_ip: Text = ""


class StorageUsage(ScModel):
    """Capacity of one SC: `total_bytes` = `availableSpace`, `free_bytes` = `freeSpace` (§6.14)."""

    sc_serial_number: Ssn | None = None
    total_bytes: Bytes = Field(alias="availableSpace")
    free_bytes: Bytes = Field(alias="freeSpace")
    used_bytes: Bytes = Field(default=-1, alias="usedSpace")
    allocated_bytes: Bytes = Field(default=0, alias="allocatedSpace")
    configured_bytes: Bytes = Field(default=0, alias="configuredSpace")

    @model_validator(mode="after")
    def _default_used(self) -> StorageUsage:
        if self.used_bytes < 0:
            object.__setattr__(self, "used_bytes", max(self.total_bytes - self.free_bytes, 0))
        return self


class UserPreferences(ScModel):
    allow_storage_profile_selection: bool = False
    allow_qos_profile_selection: bool = False
    allow_data_reduction_selection: bool = False
    storage_profile: ScRef | None = None
    volume_qos_profile: ScRef | None = None
    group_qos_profile: ScRef | None = None
    data_reduction_profile: ScRef | None = None
    replay_profile_list: list[ScRef] = []


class ScVolume(ScObject):
    name: Text = ""
    sc_serial_number: Ssn
    configured_size_bytes: Bytes = Field(alias="configuredSize")
    device_id: Text = ""
    serial_number: Text = ""
    index: int | None = None
    active: bool = False
    replay_allowed: bool = False
    mapped: bool = False
    delete_allowed: bool = True
    in_recycle_bin: bool = False
    status: Text = ""
    status_message: Text = ""
    volume_folder: ScRef | None = None
    volume_folder_path: Text = ""
    notes: Text = ""
    replication_source: bool = False
    replication_destination: bool = False
    live_volume: bool = False

    @property
    def size_gb(self) -> int:
        """Configured size in whole GiB (rounded down)."""
        return self.configured_size_bytes // GIB

    @property
    def wwn(self) -> str:
        """The volume's WWN (its `deviceId`)."""
        return self.device_id


class ScVolumeConfiguration(ScObject):
    """Profile settings of a volume; its instanceId is the volume's."""

    sc_serial_number: Ssn | None = None
    volume: ScRef | None = None
    controller: ScRef | None = None
    storage_profile: ScRef | None = None
    replay_profile_list: list[ScRef] = []
    volume_qos_profile: ScRef | None = None
    group_qos_profile: ScRef | None = None
    data_reduction_profile: ScRef | None = None
    disk_folder: ScRef | None = None
    notes: Text = ""


class ScReplay(ScObject):
    """A snapshot. `active` marks the live point-in-time that cannot be expired."""

    sc_serial_number: Ssn | None = None
    description: Text = ""
    global_index: Text = ""
    create_volume: ScRef | None = None
    parent: ScRef | None = None
    freeze_time: Text = ""
    expire_time: Text = ""
    expires: bool = False
    marked_for_expiration: bool = False
    active: bool = False
    consistent: bool = False
    source: Text = ""
    size_bytes: Bytes = Field(default=0, alias="size")


class ScReplayConsistencyGroup(ScObject):
    """One consistency-group snapshot: the replays of all members taken together."""

    sc_serial_number: Ssn | None = None
    description: Text = ""
    global_index: Text = ""
    profile: ScRef | None = None
    expires: bool = False
    freeze_time: Text = ""
    expire_time: Text = ""
    expected_replay_count: int = 0
    replay_count: int = 0


class ScReplayProfile(ScObject):
    """A snapshot profile: `Standard` (schedule) or `Consistent` (a consistency group)."""

    CONSISTENT: ClassVar[str] = "Consistent"

    name: Text = ""
    type: Text = ""
    notes: Text = ""
    user_created: bool = False
    volume_count: int = 0
    rule_count: int = 0
    sc_serial_number: Ssn | None = None


class ScStorageProfile(LenientObject):
    """A storage (tiering) profile; `volume_count` (volumes using it) is read leniently."""

    LENIENT = ("volume_count",)

    name: Text = ""
    index: int | None = None
    user_created: bool = False
    volume_count: int | None = None
    sc_serial_number: Ssn | None = None


class ScQosProfile(LenientObject):
    """A QoS profile; `profile_type` is `VolumeQosProfile` or `GroupQosProfile`. A limit
    applies only while its `limit_*_enabled` flag is set. The limits are read leniently
    (None: unknown): public clients read only a QoS profile's id and name."""

    LENIENT = (
        "relative_priority",
        "limit_iops_enabled",
        "max_iops",
        "limit_bandwidth_enabled",
        "max_bandwidth",
    )

    name: Text = ""
    profile_type: Text = ""
    sc_serial_number: Ssn | None = None
    relative_priority: int | None = None
    limit_iops_enabled: bool | None = None
    max_iops: int | None = None
    limit_bandwidth_enabled: bool | None = None
    max_bandwidth: Bytes | None = None


class ScReplayProfileRule(LenientObject):
    """One schedule of a snapshot profile; `expiration` is in minutes. No public client reads
    rules, so every field but the id is read leniently (None: unknown)."""

    LENIENT = ("name", "replay_profile", "schedule", "expiration", "enabled")

    name: Text | None = None
    replay_profile: ScRef | None = None
    schedule: ScRef | None = None
    expiration: int | None = None
    enabled: bool | None = None


class ScDataReductionProfile(ScObject):
    """A data-reduction profile; `type` is e.g. `None`, `Compression`, `Deduplication`."""

    name: Text = ""
    type: Text = ""
    sc_serial_number: Ssn | None = None


class ScFolder(ScObject):
    """A folder; `folder_path` is the path of its parent (§4.2)."""

    name: Text = ""
    folder_path: Text = ""
    parent: ScRef | None = None
    root: bool = False
    notes: Text = ""
    sc_serial_number: Ssn | None = None


class ScVolumeFolder(ScFolder):
    """A folder of volumes."""


class ScServerFolder(ScFolder):
    """A folder of servers."""


class ScServer(ScObject):
    """A server (host); `type` is `Physical`, `RemoteStorageCenter`, ..."""

    name: Text = ""
    type: Text = ""
    status: Text = ""
    status_message: Text = ""
    connectivity: Text = ""
    port_type: list[str] = []
    hba_count: int = 0
    mapped: bool = False
    delete_allowed: bool = True
    notes: Text = ""
    server_folder: ScRef | None = None
    server_folder_path: Text = ""
    operating_system: ScRef | None = None
    parent: ScRef | None = None  # a member's server cluster
    sc_serial_number: Ssn | None = None


class ScServerHba(ScObject):
    """An initiator (WWN or IQN, the `instance_name`); `server` is None once orphaned."""

    name: Text = ""
    port_type: Text = ""
    connectivity: Text = ""
    iscsi_name: Text = ""
    remote_storage_center: bool = False
    server: ScRef | None = None
    sc_serial_number: Ssn | None = None


class ScServerOperatingSystem(ScObject):
    name: Text = ""
    product: Text = ""
    version: Text = ""
    multipath: bool = False


class ScMappingProfile(ScObject):
    """The mapping of one volume to one server."""

    volume: ScRef | None = None
    server: ScRef | None = None
    controller: ScRef | None = None
    lun_used: list[int] = []
    lun_requested: Text = ""
    map_count: int = 0
    connectivity: Text = ""
    read_only: bool = False
    sc_serial_number: Ssn | None = None


class ScMapping(ScObject):
    """One path of a mapping (server HBA x controller port)."""

    profile: ScRef | None = None
    volume: ScRef | None = None
    server: ScRef | None = None
    server_hba: ScRef | None = None
    controller: ScRef | None = None
    controller_port: ScRef | None = None
    lun: int | None = None
    read_only: bool = False
    status: Text = ""
    transport: Text = ""
    sc_serial_number: Ssn | None = None


class ScControllerPort(ScObject):
    """A front-end port: `wwn` (FC target, any key case on the wire) and `iscsi_name`."""

    wwn: Text = ""
    iscsi_name: Text = ""
    transport_type: Text = ""
    status: Text = ""
    virtual: bool = False
    controller: ScRef | None = None
    fault_domain: ScRef | None = None


class ScIscsiFaultDomain(ScObject):
    """An iSCSI fault domain (virtual-port mode): the portal address hosts log in to."""

    name: Text = ""
    target_ipv4_address: Text = ""
    well_known_ip_address: Text = ""
    port_number: int = 3260

    @property
    def address(self) -> str:
        return self.target_ipv4_address or self.well_known_ip_address


class ScControllerPortIscsiConfiguration(ScObject):
    """The address of one iSCSI port (legacy port mode)."""

    ip_address: Text = ""
    port_number: int = 3260


class ScConfiguration(ScObject):
    """SC-wide settings; `iscsi_transport_mode` is `VirtualPort` or `Legacy`."""

    iscsi_transport_mode: Text = ""


class ScReplicationQosNode(ScObject):
    name: Text = ""
    link_speed: Text = ""
    bandwidth_limited: bool = False
    sc_serial_number: Ssn | None = None


class ScReplication(ScObject):
    type: Text = ""
    sync_mode: Text = ""
    sync_status: Text = ""
    state: Text = ""
    status: Text = ""
    replicate_active_replay: bool = False
    source_volume: ScRef | None = None
    destination_volume: ScRef | None = None
    source_storage_center: ScRef | None = None
    destination_storage_center: ScRef | None = None
    destination_sc_serial_number: Ssn | None = None
    sc_serial_number: Ssn | None = None
    qos_node: ScRef | None = None


class ReplicationProgress(ScModel):
    synced: bool = False
    amount_remaining_bytes: Bytes = Field(default=0, alias="amountRemaining")


class ScLiveVolume(ScObject):
    """A Live Volume; after SwapRoles primary and secondary exchange places, the id stays."""

    type: Text = ""
    primary_volume: ScRef | None = None
    secondary_volume: ScRef | None = None
    primary_sc_serial_number: Ssn | None = None
    secondary_sc_serial_number: Ssn | None = None
    secondary_role: Text = ""
    status: Text = ""
    replication_state: Text = ""
    failover_state: Text = ""
    secondary_status: Text = ""
    primary_swap_role_state: Text = ""
    replicate_active_replay: bool = False
    sc_serial_number: Ssn | None = None
    primary_qos_node: ScRef | None = None
    secondary_qos_node: ScRef | None = None


class ScCopyMirrorMigrate(ScObject):
    """A volume copy; `state` is `Running`, `Finished`, `Erred` or `Paused`."""

    state: Text = ""
    source_volume: ScRef | None = None
    destination_volume: ScRef | None = None


M = TypeVar("M", bound=ScModel)


def parse(model: type[M], data: Any, method: str, path: str) -> M:
    """`data` as a `model`; a reply that does not fit is an ScApiError naming the first faults."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:3]
        )
        raise ScApiError(
            200, f"unexpected {model.__name__} in reply ({detail})", method, path
        ) from exc


def parse_list(model: type[M], data: Any, method: str, path: str) -> list[M]:
    """A list reply as `model`s; null is an empty list and a lone object a list of one.
    Consumes `data` (its items are dropped as they are parsed)."""
    if data is None:
        return []
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ScApiError(200, f"expected a list of {model.__name__}", method, path)
    models = []
    for index, item in enumerate(data):
        models.append(parse(model, item, method, path))
        data[index] = None  # a bulk reply's dicts go as their models come: a lower peak
    return models


__all__ = [
    "ApiConnection",
    "AsyncTask",
    "ReplicationProgress",
    "ScConfiguration",
    "ScControllerPort",
    "ScControllerPortIscsiConfiguration",
    "ScCopyMirrorMigrate",
    "ScDataReductionProfile",
    "ScFolder",
    "LenientObject",
    "ScIscsiFaultDomain",
    "ScLiveVolume",
    "ScMapping",
    "ScMappingProfile",
    "ScModel",
    "ScObject",
    "ScQosProfile",
    "ScRef",
    "ScReplay",
    "ScReplayConsistencyGroup",
    "ScReplayProfile",
    "ScReplayProfileRule",
    "ScReplication",
    "ScReplicationQosNode",
    "ScServer",
    "ScServerHba",
    "ScServerFolder",
    "ScServerOperatingSystem",
    "ScStorageProfile",
    "ScVolume",
    "ScVolumeConfiguration",
    "ScVolumeFolder",
    "StorageCenter",
    "StorageUsage",
    "UserPreferences",
    "parse",
    "parse_list",
]
