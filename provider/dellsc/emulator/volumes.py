"""Volumes, volume configuration, replays (snapshots), view volumes and mappings (#14-#31)."""

from __future__ import annotations

from typing import Any

from .model import REPLAY_DESCRIPTION_LENGTH, Ctx, Reply
from .routing import route
from .wire import (
    Body,
    Doc,
    bad_request,
    epoch_iso,
    minutes_from_now_iso,
    parse_bool,
    parse_int,
    parse_size,
    ref_of,
)

CONFIG_KEYS = {
    "replayprofilelist",
    "storageprofile",
    "volumeqosprofile",
    "groupqosprofile",
    "datareductionprofile",
}


def qos_profile(ctx: Ctx, value: Any, field_name: str, kind: str, ssn: int) -> Doc:
    profile = ctx.resolve("ScQosProfile", value, field_name, ssn)
    if profile["profileType"] != kind:
        raise bad_request(f"{field_name}: ScQosProfile '{profile['instanceId']}' is not a {kind}")
    return profile


def replay_profiles(ctx: Ctx, value: Any, field_name: str, ssn: int) -> list[Doc]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{field_name} must be an array of instanceIds")
    profiles = [ctx.resolve("ScReplayProfile", v, field_name, ssn) for v in value]
    return list({p["instanceId"]: p for p in profiles}.values())


def profile_choices(ctx: Ctx, body: Body, ssn: int) -> dict[str, Any]:
    """`create_volume` keywords for the profiles a volume or view-volume create may name.

    Absent keys are left out, so `create_volume` applies the user's defaults.
    """
    choices: dict[str, Any] = {}
    if body.has("ReplayProfileList"):
        choices["replay_profiles"] = replay_profiles(
            ctx, body.get("ReplayProfileList"), "ReplayProfileList", ssn
        )
    for key, keyword in (("VolumeQosProfile", "volume_qos"), ("GroupQosProfile", "group_qos")):
        if body.get(key) is not None:
            choices[keyword] = qos_profile(ctx, body.get(key), key, key, ssn)
    return choices


def volume_folder(ctx: Ctx, value: Any, ssn: int) -> Doc | None:
    return None if value is None else ctx.resolve("ScVolumeFolder", value, "VolumeFolder", ssn)


MAX_EXPIRE_MINUTES = 2**31 - 1  # inferred: the DSM's minute counters are Java ints


def expire_minutes(body: Body) -> int:
    minutes = parse_int(body.get("expireTime", 0), "expireTime")
    if not 0 <= minutes <= MAX_EXPIRE_MINUTES:
        raise bad_request(
            f"expireTime must be 0 (never) or a number of minutes up to {MAX_EXPIRE_MINUTES}"
        )
    return minutes


def description_of(body: Body) -> str:
    value = body.get("description", "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_request(f"description must be a string, got {value!r}")
    return value


def volume(ctx: Ctx, oid: str) -> Doc:
    return ctx.find("ScVolume", oid)


# -- volumes -----------------------------------------------------------------------------------


@route("POST", "StorageCenter/ScVolume", 201)
def create_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    name = ctx.check_name(body.get("Name"))
    size = parse_size(body.require("Size"), "Size")
    kwargs: dict[str, Any] = {}
    if body.get("StorageProfile") is not None:
        kwargs["storage_profile"] = ctx.resolve(
            "ScStorageProfile", body.get("StorageProfile"), "StorageProfile", ssn
        )
    kwargs |= profile_choices(ctx, body, ssn)
    if body.get("DataReductionProfile") is not None:
        kwargs["data_reduction"] = ctx.resolve(
            "ScDataReductionProfile", body.get("DataReductionProfile"), "DataReductionProfile", ssn
        )
    created = ctx.create_volume(
        ssn,
        name,
        size,
        folder=volume_folder(ctx, body.get("VolumeFolder"), ssn),
        notes=body.text("Notes") or "",
        **kwargs,
    )
    return ctx.render(created)


@route("PUT", "StorageCenter/ScVolume/{id}")
def update_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find_to_edit("ScVolume", p["id"])
    ssn = doc["scSerialNumber"]
    if body.has("Name"):
        name = ctx.check_name(body.get("Name"))
        doc["name"] = doc["instanceName"] = name
        config = ctx.txn.edit("ScVolumeConfiguration", doc["instanceId"])
        assert config is not None
        config["instanceName"] = name
        ctx.txn.put("ScVolumeConfiguration", config)
    if body.get("VolumeFolder") is not None:
        folder = ctx.resolve("ScVolumeFolder", body.get("VolumeFolder"), "VolumeFolder", ssn)
        doc["volumeFolder"] = ref_of(folder)
        doc["volumeFolderIndex"] = int(folder["instanceId"].split(".")[1])
    if body.has("Notes"):
        doc["notes"] = body.text("Notes") or ""
    ctx.txn.put("ScVolume", doc)
    return ctx.render(doc)


@route("DELETE", "StorageCenter/ScVolume/{id}")
def delete_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Any:
    doc = ctx.find_to_edit("ScVolume", p["id"])
    vid = doc["instanceId"]
    if ctx.where("ScMappingProfile", volume=vid):
        if not ctx.asynchronous:
            return Reply(200, False)
        raise bad_request(f"Volume '{vid}' is mapped to a server; unmap it before deleting it")
    for key, what in (
        ("replicationSource", "the source of a replication"),
        ("replicationDestination", "the destination of a replication"),
        ("liveVolume", "part of a Live Volume"),
        ("cmmSource", "the source of a running copy"),
        ("cmmDestination", "the destination of a running copy"),
    ):
        if doc.get(key):
            raise bad_request(f"Volume '{vid}' is {what}; remove that first")
    doc["inRecycleBin"] = True
    doc["status"] = "Recycled"
    ctx.txn.put("ScVolume", doc)
    return {"result": True}


@route("POST", "StorageCenter/ScVolume/{id}/ExpandToSize")
def expand_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find_to_edit("ScVolume", p["id"])
    size = parse_size(body.require("NewSize"), "NewSize")
    if size < doc["_sizeBytes"]:
        raise bad_request(
            f"NewSize {size} bytes is smaller than the current size {doc['_sizeBytes']} bytes; "
            "volumes cannot shrink"
        )
    doc["_sizeBytes"] = size
    ctx.txn.put("ScVolume", doc)
    ctx.copies_follow(doc)
    return ctx.render(doc)


# -- configuration -----------------------------------------------------------------------------


@route("GET", "StorageCenter/ScVolume/{id}/VolumeConfiguration")
def get_configuration(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    vid = volume(ctx, p["id"])["instanceId"]
    return ctx.render(ctx.find("ScVolumeConfiguration", vid))


@route("PUT", "StorageCenter/ScVolumeConfiguration/{id}")
def update_configuration(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    vol = volume(ctx, p["id"])
    ssn = vol["scSerialNumber"]
    config = ctx.txn.edit("ScVolumeConfiguration", vol["instanceId"])
    assert config is not None
    prefs = ctx.find("ScUserPreferences", str(ssn))
    unknown = [k for k in body.raw if k.lower() not in CONFIG_KEYS]
    if unknown:
        raise bad_request(
            f"Unsupported attribute(s) {', '.join(sorted(unknown))}; this emulator accepts "
            "ReplayProfileList, storageProfile, volumeQosProfile, groupQosProfile, "
            "dataReductionProfile"
        )
    if body.has("ReplayProfileList"):
        profiles = replay_profiles(ctx, body.get("ReplayProfileList"), "ReplayProfileList", ssn)
        config["replayProfileList"] = [ref_of(x) for x in profiles]
    if body.has("storageProfile"):
        ctx.require(
            prefs["allowStorageProfileSelection"], "Storage profile selection is not allowed"
        )
        value = body.get("storageProfile")
        profile = (
            ctx.resolve("ScStorageProfile", value, "storageProfile", ssn)
            if value is not None
            else ctx.find("ScStorageProfile", prefs["storageProfile"]["instanceId"])
        )
        config["storageProfile"] = ref_of(profile)
    for key, kind in (
        ("volumeQosProfile", "VolumeQosProfile"),
        ("groupQosProfile", "GroupQosProfile"),
    ):
        if body.has(key):
            ctx.require(prefs["allowQosProfileSelection"], "QoS profile selection is not allowed")
            value = body.get(key)
            config[key] = None if value is None else ref_of(qos_profile(ctx, value, key, kind, ssn))
    if body.has("dataReductionProfile"):
        ctx.require(
            prefs["allowDataReductionSelection"], "Data reduction profile selection is not allowed"
        )
        value = body.get("dataReductionProfile")
        config["dataReductionProfile"] = (
            None
            if value is None
            else ref_of(ctx.resolve("ScDataReductionProfile", value, "dataReductionProfile", ssn))
        )
        ctx.set_compression_flag(config)
    ctx.txn.put("ScVolumeConfiguration", config)
    return ctx.render(config)


# -- replays -----------------------------------------------------------------------------------


def replicate_replay(ctx: Ctx, source: Doc, replay: Doc) -> None:
    """Copy a new replay to every up replication / Live Volume partner (same globalIndex)
    whose Storage Center is up."""
    partners = [
        r["destinationVolume"]["instanceId"]
        for r in ctx.where("ScReplication", sourceVolume=source["instanceId"])
        if r["state"] == "Up"
    ] + [
        lv["secondaryVolume"]["instanceId"]
        for lv in ctx.where("ScLiveVolume", primaryVolume=source["instanceId"])
    ]
    for partner_id in partners:
        partner = ctx.txn.get("ScVolume", partner_id)
        if partner is not None and not ctx.sc_down(partner["scSerialNumber"]):
            ctx.add_replay(
                partner,
                replay["description"],
                0,
                consistent=replay["consistent"],
                global_index=replay["globalIndex"],
            )


def snapshot(
    ctx: Ctx,
    vol: Doc,
    description: str,
    minutes: int,
    consistent: bool,
    frozen_at: str | None = None,
) -> Doc:
    if not (vol["active"] and vol["replayAllowed"]):
        raise bad_request(
            f"Volume '{vol['instanceId']}' is not active (it has never been mapped); "
            "cannot create a replay of an empty volume"
        )
    replay = ctx.add_replay(vol, description, minutes, consistent=consistent, frozen_at=frozen_at)
    replicate_replay(ctx, vol, replay)
    return replay


@route("POST", "StorageCenter/ScVolume/{id}/CreateReplay")
def create_replay(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    vol = volume(ctx, p["id"])
    return ctx.render(snapshot(ctx, vol, description_of(body), expire_minutes(body), False))


@route("GET", "StorageCenter/ScVolume/{id}/ReplayList")
def replay_list(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    vol = volume(ctx, p["id"])
    replays = list(reversed(ctx.volume_replays(vol)))
    if vol["active"]:
        replays.insert(0, ctx.active_replay(vol))
    return ctx.render_all(replays)


def frozen_replay(ctx: Ctx, replay_id: str, action: str) -> Doc:
    replay, active = ctx.find_replay(replay_id)
    if active:
        raise bad_request(f"Replay '{replay_id}' is the active replay; it cannot be {action}")
    edited = ctx.txn.edit("ScReplay", replay["instanceId"])
    assert edited is not None
    return edited


@route("PUT", "StorageCenter/ScReplay/{id}")
def update_replay(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    replay = frozen_replay(ctx, p["id"], "modified")
    if body.has("description"):
        replay["description"] = description_of(body)[:REPLAY_DESCRIPTION_LENGTH]
    if body.has("expireTime"):
        minutes = expire_minutes(body)
        replay["expires"] = minutes > 0
        replay["expireTime"] = minutes_from_now_iso(minutes) if minutes else epoch_iso()
    ctx.txn.put("ScReplay", replay)
    return ctx.render(replay)


@route("POST", "StorageCenter/ScReplay/{id}/Expire", 204)
def expire_replay(ctx: Ctx, p: dict[str, str], body: Body) -> None:
    replay = frozen_replay(ctx, p["id"], "expired")
    replay["markedForExpiration"] = True
    ctx.txn.put("ScReplay", replay)


@route("POST", "StorageCenter/ScReplay/{id}/CreateView")
def create_view(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    replay, active = ctx.find_replay(p["id"])
    if replay["markedForExpiration"]:
        raise bad_request(f"Replay '{replay['instanceId']}' is marked for expiration")
    parent = volume(ctx, replay["createVolume"]["instanceId"])
    ssn = parent["scSerialNumber"]
    parent_config = ctx.find("ScVolumeConfiguration", parent["instanceId"])
    storage = ctx.find("ScStorageProfile", parent_config["storageProfile"]["instanceId"])
    choices = profile_choices(ctx, body, ssn)
    size = parent["_sizeBytes"] if active else replay["_volumeSizeBytes"]
    view = ctx.create_volume(
        ssn,
        ctx.check_name(body.get("Name")),
        size,
        folder=volume_folder(ctx, body.get("VolumeFolder"), ssn),
        notes=body.text("Notes") or "",
        storage_profile=storage,
        **choices,
    )
    edited = dict(view)
    edited["_viewOf"] = replay["instanceId"]
    ctx.txn.put("ScVolume", edited)
    return ctx.render(edited)


# -- mappings ----------------------------------------------------------------------------------


@route("POST", "StorageCenter/ScVolume/{id}/MapToServer")
def map_to_server(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    vol = volume(ctx, p["id"])
    server = ctx.resolve("ScServer", body.require("server"), "server", vol["scSerialNumber"])
    advanced = body.sub("Advanced")
    lun = None
    if advanced.get("PreferredLun") is not None:
        lun = parse_int(advanced.get("PreferredLun"), "PreferredLun")
        if not 0 <= lun <= 4095:
            raise bad_request(f"PreferredLun must be 0-4095, got {lun}")
    next_free = ctx.settings.lun_conflict == "next"
    if advanced.get("UseNextAvailable") is not None:
        next_free = next_free or parse_bool(advanced.get("UseNextAvailable"), "UseNextAvailable")
    return ctx.render(ctx.map_volume(vol, server, lun, next_free=next_free))


@route("GET", "StorageCenter/ScVolume/{id}/MappingProfileList")
def mapping_profiles(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    vid = volume(ctx, p["id"])["instanceId"]
    return ctx.render_all(ctx.where("ScMappingProfile", volume=vid))


@route("GET", "StorageCenter/ScVolume/{id}/MappingList")
def mappings(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    vid = volume(ctx, p["id"])["instanceId"]
    return ctx.render_all(ctx.where("ScMapping", volume=vid))


@route("DELETE", "StorageCenter/ScMappingProfile/{id}")
def delete_mapping_profile(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ctx.unmap_profile(ctx.find("ScMappingProfile", p["id"]))
    return {"result": True}


@route("POST", "StorageCenter/ScVolume/{id}/Unmap", 204)
def unmap_all(ctx: Ctx, p: dict[str, str], body: Body) -> None:
    vid = volume(ctx, p["id"])["instanceId"]
    for profile in ctx.where("ScMappingProfile", volume=vid):
        ctx.unmap_profile(profile)
