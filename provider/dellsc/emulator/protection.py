"""Replay profiles and consistency groups, replication, Live Volume, copies (#8, #32, #49-#67)."""

from __future__ import annotations

from typing import Any

from .model import Ctx, replay_expired
from .routing import route
from .volumes import description_of, expire_minutes, snapshot
from .wire import Body, Doc, bad_request, now_iso, parse_bool, ref, ref_of

# -- replay profiles and consistency groups (#49-#54) -----------------------------------------


def members(ctx: Ctx, profile_id: str) -> list[Doc]:
    out = []
    for config in ctx.txn.all("ScVolumeConfiguration"):
        if any(r["instanceId"] == profile_id for r in config["replayProfileList"]):
            vol = ctx.txn.get("ScVolume", config["instanceId"])
            if vol is not None and not vol["inRecycleBin"]:
                out.append(vol)
    return out


@route("POST", "StorageCenter/ScReplayProfile", 201)
def create_replay_profile(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    name = ctx.check_name(body.get("Name"))
    kind = str(body.get("Type", "Standard"))
    kind = {"standard": "Standard", "consistent": "Consistent"}.get(kind.lower(), "")
    if not kind:
        raise bad_request("Type must be 'Standard' or 'Consistent'")
    notes = body.text("Notes") or ""
    if len(notes) > 255:
        raise bad_request("Notes is limited to 255 characters")
    pid = f"{ssn}.{ctx.txn.next_id(f'{ssn}:replayprofile', start=11)}"
    doc = ctx.header("ScReplayProfile", pid, name, ssn) | {
        "name": name,
        "type": kind,
        "notes": notes,
        "userCreated": True,
        "ruleCount": 0,
        "expireIncompleteReplaySets": True,
        "replayCreationTimeout": 20,
        "enforceReplayCreationTimeout": False,
    }
    ctx.txn.put("ScReplayProfile", doc)
    return render_profile(ctx, doc)


def render_profile(ctx: Ctx, doc: Doc) -> Doc:
    return ctx.render(doc) | {"volumeCount": len(members(ctx, doc["instanceId"]))}


@route("DELETE", "StorageCenter/ScReplayProfile/{id}")
def delete_replay_profile(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    profile = ctx.find("ScReplayProfile", p["id"])
    pid = profile["instanceId"]
    if not profile["userCreated"]:
        raise bad_request(f"Replay profile '{profile['name']}' is built in and cannot be deleted")
    for config in ctx.txn.all("ScVolumeConfiguration"):
        if any(r["instanceId"] == pid for r in config["replayProfileList"]):
            edited = dict(config)
            edited["replayProfileList"] = [
                r for r in config["replayProfileList"] if r["instanceId"] != pid
            ]
            ctx.txn.put("ScVolumeConfiguration", edited)
    ctx.txn.delete("ScReplayProfile", pid)
    return {"result": True}


@route("GET", "StorageCenter/ScReplayProfile/{id}/VolumeList")
def profile_volumes(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    return ctx.render_all(members(ctx, ctx.find("ScReplayProfile", p["id"])["instanceId"]))


@route("GET", "StorageCenter/ScReplayProfile/{id}/RuleList")
def profile_rules(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    """The schedule rules of a snapshot profile (`ruleCount` of them)."""
    pid = ctx.find("ScReplayProfile", p["id"])["instanceId"]
    return ctx.render_all(
        [r for r in ctx.txn.all("ScReplayProfileRule") if r["replayProfile"]["instanceId"] == pid]
    )


@route("POST", "StorageCenter/ScReplayProfile/{id}/CreateReplay", 204)
def profile_create_replay(ctx: Ctx, p: dict[str, str], body: Body) -> None:
    profile = ctx.find("ScReplayProfile", p["id"])
    vols = members(ctx, profile["instanceId"])
    if not vols:
        raise bad_request(f"Replay profile '{profile['instanceId']}' has no volumes")
    description = description_of(body)
    minutes = expire_minutes(body)
    consistent = profile["type"] == "Consistent"
    # a Consistent profile pauses I/O on every member and freezes them at one instant
    stamp = now_iso() if consistent else None
    replays = [snapshot(ctx, v, description, minutes, consistent, stamp) for v in vols]
    if stamp is None:
        return
    ssn = profile["scSerialNumber"]
    pidx = profile["instanceId"].split(".")[1]
    index = ctx.txn.next_id(f"{ssn}:cg:{pidx}", start=1)
    group = ctx.header("ScReplayConsistencyGroup", f"{ssn}.{ssn}.{pidx}.{index}", stamp, ssn) | {
        "globalIndex": f"{ssn}-{pidx}-{index}",
        "description": description,
        "profile": ref_of(profile),
        "expires": minutes > 0,
        "freezeTime": stamp,
        "expireTime": replays[0]["expireTime"],
        "expectedReplayCount": len(replays),
        "replayCount": len(replays),
        "writesHeldDuration": 0,
        "_replays": [r["instanceId"] for r in replays],
    }
    ctx.txn.put("ScReplayConsistencyGroup", group)


@route("GET", "StorageCenter/ScReplayProfile/{id}/ConsistencyGroupList")
def consistency_groups(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    pid = ctx.find("ScReplayProfile", p["id"])["instanceId"]
    return ctx.render_all(ctx.where("ScReplayConsistencyGroup", profile=pid))


@route("GET", "StorageCenter/ScReplayConsistencyGroup/{id}/ReplayList")
def consistency_group_replays(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    group = ctx.find("ScReplayConsistencyGroup", p["id"])
    found = [ctx.txn.get("ScReplay", rid) for rid in group["_replays"]]
    return ctx.render_all([r for r in found if r is not None and not replay_expired(r)])


# -- copies (#55, #56) -------------------------------------------------------------------------


@route("POST", "StorageCenter/ScCopyMirrorMigrate/Copy")
def copy_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    source = ctx.resolve("ScVolume", body.require("SourceVolume"), "SourceVolume", ssn)
    dest = ctx.resolve("ScVolume", body.require("DestinationVolume"), "DestinationVolume", ssn)
    if source["instanceId"] == dest["instanceId"]:
        raise bad_request("SourceVolume and DestinationVolume must differ")
    if dest["_sizeBytes"] < source["_sizeBytes"]:
        raise bad_request("DestinationVolume is smaller than SourceVolume")
    copy_replays = parse_bool(body.get("CopyReplays", False), "CopyReplays")
    if copy_replays:
        for replay in ctx.volume_replays(source):
            if not replay["markedForExpiration"]:
                ctx.add_replay(dest, replay["description"], 0)
    set_flag(ctx, source["instanceId"], cmmSource=True)
    set_flag(ctx, dest["instanceId"], cmmDestination=True)
    cid = f"{ssn}.{ctx.txn.next_id(f'{ssn}:cmm', start=1)}"
    doc = ctx.header("ScCopyMirrorMigrate", cid, f"Copy of {source['name']}", ssn) | {
        "type": "Copy",
        "state": "Running",
        "priority": str(body.get("Priority", "Medium")),
        "copyReplays": copy_replays,
        "sourceVolume": ref_of(source),
        "destinationVolume": ref_of(dest),
        "percentComplete": 0,
    }
    ctx.txn.put("ScCopyMirrorMigrate", doc)
    return ctx.render(doc)


@route("GET", "StorageCenter/ScCopyMirrorMigrate/{id}")
def get_copy(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    """A copy reports Running on its first read and Finished from the second read on."""
    doc = ctx.find("ScCopyMirrorMigrate", p["id"])
    reads = ctx.read_counts.get(doc["instanceId"], 0) + 1
    ctx.read_counts[doc["instanceId"]] = reads
    if doc["state"] == "Running" and reads >= 2:
        doc = ctx.txn.put(
            "ScCopyMirrorMigrate", doc | {"state": "Finished", "percentComplete": 100}
        )
        set_flag(ctx, doc["sourceVolume"]["instanceId"], cmmSource=False)
        set_flag(ctx, doc["destinationVolume"]["instanceId"], cmmDestination=False)
    return ctx.render(doc)


# -- QoS nodes (#58) ---------------------------------------------------------------------------


@route("POST", "StorageCenter/ScReplicationQosNode", 201)
def create_qos_node(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    name = ctx.check_name(body.get("Name"))
    speed = body.text("LinkSpeed", required=True) or ""
    parts = speed.split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1].lower() not in ("mbps", "gbps"):
        raise bad_request(f"LinkSpeed '{speed}' must look like '1 Gbps' or '100 Mbps'")
    nid = f"{ssn}.{ctx.txn.next_id(f'{ssn}:qosnode', start=1)}"
    doc = ctx.header("ScReplicationQosNode", nid, name, ssn) | {
        "name": name,
        "linkSpeed": speed,
        "bandwidthLimited": parse_bool(body.get("BandwidthLimited", False), "BandwidthLimited"),
        "numberDevices": 0,
        "advancedSettings": {"globalMaxIoCount": 32, "globalMaxSectorPerIo": 512},
    }
    ctx.txn.put("ScReplicationQosNode", doc)
    return ctx.render(doc)


@route("DELETE", "StorageCenter/ScReplicationQosNode/{id}")
def delete_qos_node(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    """Inferred (the generic DELETE of a kind): refused while a replication or Live Volume
    uses the node."""
    node = ctx.find("ScReplicationQosNode", p["id"])
    nid = node["instanceId"]
    users = [r["instanceId"] for r in ctx.where("ScReplication") if _uses(r, "qosNode", nid)]
    users += [
        lv["instanceId"]
        for lv in ctx.where("ScLiveVolume")
        if _uses(lv, "primaryQosNode", nid) or _uses(lv, "secondaryQosNode", nid)
    ]
    if users:
        raise bad_request(f"QoS node '{nid}' is in use by {', '.join(sorted(users))}")
    ctx.txn.delete("ScReplicationQosNode", nid)
    return {"result": True}


def _uses(doc: Doc, key: str, node_id: str) -> bool:
    ref = doc.get(key)
    return ref is not None and bool(ref["instanceId"] == node_id)


# -- replication (#32, #60-#63) ----------------------------------------------------------------


def partner_ssn(ctx: Ctx, value: Any, field_name: str, source_ssn: int) -> int:
    if ctx.settings.direct:
        raise bad_request("Replication needs a Data Collector; this is a direct connection")
    ssn = ctx.storage_center(value, field_name)
    if ssn == source_ssn:
        raise bad_request(f"{field_name} must be another Storage Center than {source_ssn}")
    return ssn


def partner_volume(ctx: Ctx, source: Doc, dest_ssn: int, attrs: Body, default_name: str) -> Doc:
    """Create the destination/secondary volume on `dest_ssn`, mapped to the source SC."""
    name = ctx.check_name(attrs.get("Name") or default_name, "Name")
    folder = None
    if attrs.get("CreateSourceVolumeFolderPath") and source["volumeFolder"]:
        folder = mirror_folder(ctx, source["volumeFolder"]["instanceId"], dest_ssn)
    if attrs.get("DiskFolder") is not None:
        ctx.resolve("ScDiskFolder", attrs.get("DiskFolder"), "DiskFolder", dest_ssn)
    dest = ctx.create_volume(
        dest_ssn, name, source["_sizeBytes"], folder=folder, notes=attrs.text("Notes") or ""
    )
    ctx.map_volume(dest, ctx.remote_server(dest_ssn, source["scSerialNumber"]))
    return ctx.find("ScVolume", dest["instanceId"])


def mirror_folder(ctx: Ctx, folder_id: str, dest_ssn: int) -> Doc | None:
    chain = []
    folder = ctx.txn.get("ScVolumeFolder", folder_id)
    while folder is not None and not folder.get("root"):
        chain.append(folder["name"])
        folder = ctx.txn.get("ScVolumeFolder", folder["parent"]["instanceId"])
    current = ctx.find("ScVolumeFolder", f"{dest_ssn}.0")
    for name in reversed(chain):
        found = [
            f
            for f in ctx.where("ScVolumeFolder", parent=current["instanceId"])
            if f["name"] == name
        ]
        if found:
            current = found[0]
            continue
        current = ctx.create_folder("ScVolumeFolder", name, current)
    return current


def set_flag(ctx: Ctx, volume_id: str, **flags: Any) -> None:
    """Set top-level attributes of a volume, if it still exists."""
    vol = ctx.txn.edit("ScVolume", volume_id)
    if vol is not None:
        vol.update(flags)
        ctx.txn.put("ScVolume", vol)


def copy_history(ctx: Ctx, source: Doc, dest: Doc) -> None:
    known = {r["globalIndex"] for r in ctx.volume_replays(dest)}
    for replay in ctx.volume_replays(source):
        if not replay["markedForExpiration"] and replay["globalIndex"] not in known:
            ctx.add_replay(dest, replay["description"], 0, global_index=replay["globalIndex"])


SYNC_MODES = ("HighAvailability", "HighConsistency")


def sync_settings(body: Body, *, live: bool = False) -> tuple[str, str, bool]:
    """Type, SyncMode and active-replay flag of a new replication or Live Volume.

    Synchronous replication has a mode (HighAvailability by default) and always carries the
    active replay; a synchronous Live Volume must run in HighAvailability mode.
    """
    kind = str(body.get("Type", "Asynchronous"))
    if kind not in ("Asynchronous", "Synchronous"):
        raise bad_request("Type must be 'Asynchronous' or 'Synchronous'")
    sync = kind == "Synchronous"
    mode = str(body.get("SyncMode") or ("HighAvailability" if sync else "None"))
    if sync and mode not in SYNC_MODES:
        raise bad_request(f"SyncMode '{mode}' must be one of {', '.join(SYNC_MODES)}")
    if not sync and mode != "None":
        raise bad_request("SyncMode applies to synchronous replication only")
    if live and sync and mode != "HighAvailability":
        raise bad_request("A synchronous Live Volume must use SyncMode 'HighAvailability'")
    active = parse_bool(body.get("ReplicateActiveReplay", False), "ReplicateActiveReplay")
    return kind, mode, active or sync


def store_replication(
    ctx: Ctx,
    source: Doc,
    dest: Doc,
    qos: Doc | None,
    kind: str,
    mode: str,
    sync_status: str,
    replicate_active: bool,
) -> Doc:
    """Store a new, Up replication from `source` to `dest` (volume flags are the caller's)."""
    ssn, dest_ssn = source["scSerialNumber"], dest["scSerialNumber"]
    rid = f"{ssn}.{ctx.txn.next_id(f'{ssn}:replication', start=1)}"
    doc = ctx.header("ScReplication", rid, f"Replication of '{source['name']}'", ssn) | {
        "type": kind,
        "syncMode": mode,
        "syncStatus": sync_status,
        "state": "Up",
        "status": "Up",
        "replicateActiveReplay": replicate_active,
        "dedup": False,
        "sourceVolume": ref_of(source),
        "destinationVolume": ref_of(dest),
        "sourceStorageCenter": ref(str(ssn), ctx.sc_name(ssn), "StorageCenter"),
        "destinationStorageCenter": ref(str(dest_ssn), ctx.sc_name(dest_ssn), "StorageCenter"),
        "destinationScSerialNumber": dest_ssn,
        "qosNode": None if qos is None else ref_of(qos),
        "transportTypes": ["FibreChannel"],
        "managedByLiveVolume": False,
        "pauseAllowed": True,
        "replicateStorageToLowestTier": True,
        "simulation": False,
    }
    return ctx.txn.put("ScReplication", doc)


@route("POST", "StorageCenter/ScReplication", 201)
def create_replication(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    source = ctx.resolve("ScVolume", body.require("SourceVolume"), "SourceVolume", ssn)
    dest_ssn = partner_ssn(
        ctx, body.require("DestinationStorageCenter"), "DestinationStorageCenter", ssn
    )
    qos = ctx.resolve("ScReplicationQosNode", body.require("QosNode"), "QosNode", ssn)
    kind, mode, active = sync_settings(body)
    for existing in ctx.where("ScReplication", sourceVolume=source["instanceId"]):
        if existing["destinationScSerialNumber"] == dest_ssn:
            raise bad_request(
                f"Volume '{source['instanceId']}' already replicates to Storage Center {dest_ssn}"
            )
    if body.get("DestinationVolume") is not None:
        dest = ctx.resolve("ScVolume", body.get("DestinationVolume"), "DestinationVolume", dest_ssn)
        if dest["_sizeBytes"] < source["_sizeBytes"]:
            raise bad_request("DestinationVolume is smaller than SourceVolume")
        ctx.map_volume(dest, ctx.remote_server(dest_ssn, ssn))
    else:
        dest = partner_volume(
            ctx,
            source,
            dest_ssn,
            body.sub("DestinationVolumeAttributes"),
            f"Repl of {source['name']}",
        )
    set_flag(ctx, dest["instanceId"], replicationDestination=True)
    set_flag(ctx, source["instanceId"], replicationSource=True)
    copy_history(ctx, source, dest)
    sync_status = "Current" if kind == "Synchronous" else "NotApplicable"
    doc = store_replication(ctx, source, dest, qos, kind, mode, sync_status, active)
    return ctx.render(doc)


@route("PUT", "StorageCenter/ScReplication/{id}")
def update_replication(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find_to_edit("ScReplication", p["id"])
    if body.has("ReplicateActiveReplay"):
        doc["replicateActiveReplay"] = parse_bool(
            body.get("ReplicateActiveReplay"), "ReplicateActiveReplay"
        )
    ctx.txn.put("ScReplication", doc)
    return ctx.render(doc)


def retire_volume(ctx: Ctx, volume_id: str, delete: bool, recycle: bool) -> None:
    """Unmap a partner volume from its remote SC server; to delete it, unmap it everywhere.

    A deleted volume keeps no mapping, recycled or not: its paths would otherwise linger on
    servers while the volume itself is hidden.
    """
    for profile in ctx.where("ScMappingProfile", volume=volume_id):
        if delete or profile["server"]["objectType"] == "ScRemoteStorageCenter":
            ctx.unmap_profile(profile)
    if not delete:
        return
    if recycle:
        set_flag(ctx, volume_id, inRecycleBin=True, status="Recycled")
    else:
        for replay in ctx.where("ScReplay", createVolume=volume_id):
            ctx.txn.delete("ScReplay", replay["instanceId"])
        ctx.txn.delete("ScVolumeConfiguration", volume_id)
        ctx.txn.delete("ScVolume", volume_id)


@route("DELETE", "StorageCenter/ScReplication/{id}")
def delete_replication(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find("ScReplication", p["id"])
    delete = parse_bool(body.get("DeleteDestinationVolume", False), "DeleteDestinationVolume")
    recycle = parse_bool(body.get("RecycleDestinationVolume", False), "RecycleDestinationVolume")
    ctx.txn.delete("ScReplication", doc["instanceId"])
    source_id = doc["sourceVolume"]["instanceId"]
    dest_id = doc["destinationVolume"]["instanceId"]
    set_flag(ctx, dest_id, replicationDestination=False)
    set_flag(
        ctx, source_id, replicationSource=bool(ctx.where("ScReplication", sourceVolume=source_id))
    )
    retire_volume(ctx, dest_id, delete, recycle)
    return {"result": True}


@route("GET", "StorageCenter/ScReplication/{id}/CurrentProgress")
def replication_progress(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find("ScReplication", p["id"])
    up = doc["state"] == "Up" and not ctx.sc_down(doc["destinationScSerialNumber"])
    source = ctx.txn.get("ScVolume", doc["sourceVolume"]["instanceId"])
    remaining = 0 if up or source is None else source["_sizeBytes"]
    return {"synced": up, "amountRemaining": f"{remaining} Bytes"}


@route("GET", "StorageCenter/ScVolume/{id}/ReplicationSourceList")
def replication_sources(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    vid = ctx.find("ScVolume", p["id"])["instanceId"]
    return ctx.render_all(ctx.where("ScReplication", sourceVolume=vid))


# -- Live Volume (#8, #64-#67) -----------------------------------------------------------------


@route("GET", "StorageCenter/StorageCenter/{ssn}/LiveVolumeList")
def live_volumes(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    ssn = ctx.path_ssn(p["ssn"])
    return ctx.render_all(
        [
            lv
            for lv in ctx.txn.all("ScLiveVolume")
            if ssn in (lv["primaryScSerialNumber"], lv["secondaryScSerialNumber"])
        ]
    )


@route("POST", "StorageCenter/ScLiveVolume", 201)
def create_live_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    primary = ctx.resolve("ScVolume", body.require("PrimaryVolume"), "PrimaryVolume", ssn)
    second_ssn = partner_ssn(
        ctx, body.require("SecondaryStorageCenter"), "SecondaryStorageCenter", ssn
    )
    primary_qos = ctx.resolve(
        "ScReplicationQosNode", body.require("PrimaryQosNode"), "PrimaryQosNode", ssn
    )
    secondary_qos = ctx.resolve(
        "ScReplicationQosNode", body.require("SecondaryQosNode"), "SecondaryQosNode", second_ssn
    )
    if primary["liveVolume"]:
        raise bad_request(f"Volume '{primary['instanceId']}' is already a Live Volume")
    kind, mode, active = sync_settings(body, live=True)
    secondary = partner_volume(
        ctx, primary, second_ssn, body.sub("SecondaryVolumeAttributes"), primary["name"]
    )
    set_flag(ctx, primary["instanceId"], liveVolume=True)
    set_flag(ctx, secondary["instanceId"], liveVolume=True)
    copy_history(ctx, primary, secondary)
    flags = {
        key: parse_bool(body.get(key, False), key)
        for key in (
            "FailoverAutomaticallyEnabled",
            "RestoreAutomaticallyEnabled",
            "SwapRolesAutomaticallyEnabled",
        )
    }
    lid = f"{ssn}.{ctx.txn.next_id(f'{ssn}:livevolume', start=10001)}"
    doc = ctx.header("ScLiveVolume", lid, primary["name"], ssn) | {
        "primaryVolume": ref_of(primary),
        "primaryScSerialNumber": ssn,
        "secondaryVolume": ref_of(secondary),
        "secondaryScSerialNumber": second_ssn,
        "secondaryRole": "Secondary",
        "type": kind,
        "syncMode": mode,
        "replicateActiveReplay": active,
        "status": "Up",
        "replicationState": "Up",
        "failoverState": "Protected",
        "secondaryStatus": "Up",
        "primarySwapRoleState": "NotSwapping",
        "primaryQosNode": ref_of(primary_qos),
        "secondaryQosNode": ref_of(secondary_qos),
        "failoverAutomaticallyEnabled": flags["FailoverAutomaticallyEnabled"],
        "restoreAutomaticallyEnabled": flags["RestoreAutomaticallyEnabled"],
        "swapRolesAutomaticallyEnabled": flags["SwapRolesAutomaticallyEnabled"],
    }
    ctx.txn.put("ScLiveVolume", doc)
    return ctx.render(doc)


@route("POST", "StorageCenter/ScLiveVolume/{id}/SwapRoles", 204)
def swap_roles(ctx: Ctx, p: dict[str, str], body: Body) -> None:
    doc = ctx.find_to_edit("ScLiveVolume", p["id"])
    doc["primaryVolume"], doc["secondaryVolume"] = doc["secondaryVolume"], doc["primaryVolume"]
    doc["primaryScSerialNumber"], doc["secondaryScSerialNumber"] = (
        doc["secondaryScSerialNumber"],
        doc["primaryScSerialNumber"],
    )
    if "primaryQosNode" in doc:
        doc["primaryQosNode"], doc["secondaryQosNode"] = (
            doc["secondaryQosNode"],
            doc["primaryQosNode"],
        )
    doc["secondaryRole"] = "Secondary"
    ctx.txn.put("ScLiveVolume", doc)


@route("POST", "StorageCenter/ScLiveVolume/{id}/MapSecondaryVolume")
def map_secondary(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find("ScLiveVolume", p["id"])
    secondary = ctx.find("ScVolume", doc["secondaryVolume"]["instanceId"])
    server = ctx.resolve("ScServer", body.require("Server"), "Server", secondary["scSerialNumber"])
    return ctx.render(ctx.map_volume(secondary, server))


@route("DELETE", "StorageCenter/ScLiveVolume/{id}")
def delete_live_volume(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    doc = ctx.find("ScLiveVolume", p["id"])
    convert = parse_bool(body.get("ConvertToReplication", False), "ConvertToReplication")
    delete = parse_bool(body.get("DeleteSecondaryVolume", False), "DeleteSecondaryVolume")
    recycle = parse_bool(body.get("RecycleSecondaryVolume", False), "RecycleSecondaryVolume")
    primary_id = doc["primaryVolume"]["instanceId"]
    secondary_id = doc["secondaryVolume"]["instanceId"]
    ctx.txn.delete("ScLiveVolume", doc["instanceId"])
    set_flag(ctx, primary_id, liveVolume=False)
    set_flag(ctx, secondary_id, liveVolume=False)
    if convert and not delete:
        primary = ctx.find("ScVolume", primary_id)
        nodes = ctx.where("ScReplicationQosNode", scSerialNumber=primary["scSerialNumber"])
        secondary = ctx.find("ScVolume", secondary_id)
        set_flag(ctx, primary_id, replicationSource=True)
        set_flag(ctx, secondary_id, replicationDestination=True)
        store_replication(
            ctx,
            primary,
            secondary,
            nodes[0] if nodes else None,
            doc["type"],
            doc["syncMode"],
            "NotApplicable",
            doc["replicateActiveReplay"],
        )
        return {"result": True}
    retire_volume(ctx, secondary_id, delete, recycle)
    return {"result": True}
