"""Storage Center level endpoints, folders, ports, and the generic GET / GetList routes.

The generic `{kind}` routes are tried after every specific one whatever the import order
(`routing.route` keeps them last).
"""

from __future__ import annotations

from typing import Any

from .filters import parse_filter, select
from .model import COLLECTION_OF, Ctx, replay_expired
from .routing import route
from .seed import SYSTEM_BYTES
from .wire import Body, Doc, bad_request, java_double_bytes, not_found, now_iso

# Attribute names (lower case) whose value is computed at render time.
COMPUTED = {"configuredsize", "volumefolderpath", "folderpath", "serverfolderpath", "size"}

# Kinds served by `POST StorageCenter/<Kind>/GetList` and `GET StorageCenter/<Kind>/<id>`.
LISTABLE = {
    kind: COLLECTION_OF.get(kind, kind)
    for kind in (
        "StorageCenter",
        "ScVolume",
        "ScVolumeConfiguration",
        "ScVolumeFolder",
        "ScServerFolder",
        "ScServer",
        "ScPhysicalServer",
        "ScServerCluster",
        "ScServerHba",
        "ScServerOperatingSystem",
        "ScStorageProfile",
        "ScQosProfile",
        "ScDataReductionProfile",
        "ScReplayProfile",
        "ScReplayProfileRule",
        "ScReplay",
        "ScReplayConsistencyGroup",
        "ScReplicationQosNode",
        "ScDiskFolder",
        "ScReplication",
        "ScLiveVolume",
        "ScMappingProfile",
        "ScMapping",
        "ScController",
        "ScControllerPort",
        "ScCopyMirrorMigrate",
    )
}


def is_visible(ctx: Ctx, kind: str, doc: Doc) -> bool:
    """Whether GetList / GET show `doc` as a `kind` (recycled volumes and their parts hide)."""
    if kind in ("ScPhysicalServer", "ScServerCluster"):
        return bool(doc["objectType"] == kind)
    if kind == "ScVolume":
        return not doc["inRecycleBin"]
    if kind in ("ScVolumeConfiguration", "ScReplay"):
        key = "volume" if kind == "ScVolumeConfiguration" else "createVolume"
        volume = ctx.txn.get("ScVolume", doc[key]["instanceId"])
        gone = kind == "ScReplay" and replay_expired(doc)
        return volume is not None and not volume["inRecycleBin"] and not gone
    return True


def visible(ctx: Ctx, kind: str) -> list[Doc]:
    """Objects a GetList may show: not recycled, on a Storage Center that is up."""
    return [d for d in ctx.txn.all(LISTABLE[kind]) if is_visible(ctx, kind, d) and ctx.reachable(d)]


def get_list(ctx: Ctx, kind: str, body: Body) -> list[Doc]:
    """A GetList; one that asks for the objects of a Storage Center that is down fails."""
    flt = parse_filter(body.raw, ctx.settings.legacy_filters)
    if kind != "StorageCenter":
        for condition in flt.conditions:
            if condition.attribute.lower() == "scserialnumber" and not condition.negate:
                try:
                    ctx.check_up(int(str(condition.value)))
                except ValueError:
                    continue
    return select(visible(ctx, kind), flt, ctx.render, COMPUTED)


# -- StorageCenter level (#4-#9) ---------------------------------------------------------------


@route("GET", "StorageCenter/StorageCenter")
def list_storage_centers(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    return ctx.render_all(ctx.txn.all("StorageCenter"))


@route("GET", "StorageCenter/StorageCenter/{ssn}/StorageUsage")
def storage_usage(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.path_ssn(p["ssn"])
    sc = ctx.find("StorageCenter", str(ssn))
    available = sc["_availableBytes"]
    configured = sum(v["_sizeBytes"] for v in ctx.volumes_of(ssn))
    replays = sum(r["_sizeBytes"] for r in ctx.txn.all("ScReplay") if r["scSerialNumber"] == ssn)
    used = SYSTEM_BYTES + replays
    return ctx.header("StorageCenterStorageUsage", str(ssn), ctx.sc_name(ssn), ssn) | {
        "availableSpace": java_double_bytes(available),
        "freeSpace": java_double_bytes(available - used),
        "allocatedSpace": java_double_bytes(used),
        "usedSpace": java_double_bytes(used),
        "configuredSpace": java_double_bytes(configured),
        "systemSpace": java_double_bytes(SYSTEM_BYTES),
        "oversubscribedSpace": java_double_bytes(max(0, configured - available)),
        "badSpace": java_double_bytes(0),
        "alertThresholdSpace": java_double_bytes(available * 9 // 10),
        "storageAlertThreshold": 10,
        "savingVsRaidTen": java_double_bytes(0),
        "time": now_iso(),
    }


@route("GET", "StorageCenter/StorageCenter/{ssn}/UserPreferences")
def user_preferences(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.path_ssn(p["ssn"])
    return ctx.render(ctx.find("ScUserPreferences", str(ssn)))


@route("GET", "StorageCenter/ScConfiguration/{ssn}")
def sc_configuration(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.path_ssn(p["ssn"])
    return ctx.render(ctx.find("ScConfiguration", str(ssn)))


# -- folders (#11, #13) ------------------------------------------------------------------------


def _create_folder(ctx: Ctx, kind: str, body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    name = ctx.check_name(body.get("Name"))
    if "/" in name:
        raise bad_request(f"Name '{name}' must not contain '/'")
    parent = (
        ctx.resolve(kind, body.get("Parent"), "Parent", ssn)
        if body.get("Parent") is not None
        else ctx.find(kind, f"{ssn}.0")
    )
    for sibling in ctx.where(kind, parent=parent["instanceId"]):
        if sibling["name"].casefold() == name.casefold():
            raise bad_request(f"A folder named '{name}' already exists in {parent['name']}")
    return ctx.render(ctx.create_folder(kind, name, parent, body.text("Notes") or ""))


@route("POST", "StorageCenter/ScVolumeFolder", 201)
def create_volume_folder(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return _create_folder(ctx, "ScVolumeFolder", body)


@route("POST", "StorageCenter/ScServerFolder", 201)
def create_server_folder(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return _create_folder(ctx, "ScServerFolder", body)


def _delete_folder(ctx: Ctx, kind: str, oid: str) -> Doc:
    """`DELETE Sc<Volume|Server>Folder/{id}` (Dell's puppet module): the root folder and a
    folder that holds anything (a folder, a volume, a server) are refused (inferred)."""
    folder = ctx.find(kind, oid)
    fid = folder["instanceId"]
    if folder.get("root"):
        raise bad_request(f"Folder '{fid}' is the root folder and cannot be deleted")
    held = "ScVolume" if kind == "ScVolumeFolder" else "ScServer"
    key = "volumeFolder" if kind == "ScVolumeFolder" else "serverFolder"
    if ctx.where(kind, parent=fid) or [
        d for d in ctx.where(held, **{key: fid}) if not d.get("inRecycleBin")
    ]:
        raise bad_request(f"Folder '{folder['name']}' is not empty")
    ctx.txn.delete(kind, fid)
    return {"result": True}


@route("DELETE", "StorageCenter/ScVolumeFolder/{id}")
def delete_volume_folder(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return _delete_folder(ctx, "ScVolumeFolder", p["id"])


@route("DELETE", "StorageCenter/ScServerFolder/{id}")
def delete_server_folder(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return _delete_folder(ctx, "ScServerFolder", p["id"])


# -- ports (#42-#44) ---------------------------------------------------------------------------


@route("GET", "StorageCenter/ScControllerPort/{id}/FaultDomainList")
def port_fault_domains(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    port = ctx.find("ScControllerPort", p["id"])
    domain = port.get("faultDomain")
    if domain is None:
        return []
    return [ctx.render(ctx.find("ScIscsiFaultDomain", domain["instanceId"]))]


@route("GET", "StorageCenter/ScControllerPortIscsiConfiguration/{id}")
def port_iscsi_configuration(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return ctx.render(ctx.find("ScControllerPortIscsiConfiguration", p["id"]))


# -- generic -----------------------------------------------------------------------------------


@route("POST", "StorageCenter/{kind}/GetList")
def generic_get_list(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    kind = p["kind"]
    if kind not in LISTABLE:
        raise bad_request(f"GetList is not supported for '{kind}'")
    return get_list(ctx, kind, body)


@route("GET", "StorageCenter/{kind}/{id}")
def generic_get(ctx: Ctx, p: dict[str, str], body: Body) -> Any:
    kind, oid = p["kind"], p["id"]
    if kind not in LISTABLE:
        raise not_found(kind, oid)
    if kind == "ScReplay":
        return ctx.render(ctx.find_replay(oid)[0])
    doc = ctx.txn.get(LISTABLE[kind], oid)
    if doc is None or not is_visible(ctx, kind, doc):
        raise not_found(kind, oid)
    return ctx.render(ctx.reach(doc))
