"""The request context handlers work in: lookups, validation, rendering, and shared builders.

Stored documents hold the wire shape minus what depends on the server's settings or on other
objects; `Ctx.render` adds those: sizes as Java-double strings (from private `_sizeBytes`),
folder paths in the style of the reported API version, current names inside references.
Keys starting with `_` are private and never sent.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .store import Txn
from .wire import (
    ApiError,
    Doc,
    bad_request,
    epoch_iso,
    is_past,
    java_double_bytes,
    minutes_from_now_iso,
    not_found,
    now_iso,
    parse_ssn,
    ref,
    ref_of,
)

MAX_NAME_LENGTH = 250
REPLAY_DESCRIPTION_LENGTH = 30

# objectType -> collection, where they differ.
COLLECTION_OF = {
    "ScPhysicalServer": "ScServer",
    "ScRemoteStorageCenter": "ScServer",
    "ScServerCluster": "ScServer",
}


def replay_expired(replay: Doc) -> bool:
    """The array removes a replay once its expiry time has passed: it is gone from then on."""
    return bool(replay["expires"]) and is_past(replay["expireTime"])


@dataclass(frozen=True)
class Settings:
    """Server-wide behaviour that handlers consult."""

    ssns: tuple[int, ...]
    reported_api_version: str
    direct: bool
    task_polls: int
    username: str
    iscsi_transport_mode: str = "VirtualPort"
    # "next": a taken PreferredLun is replaced by the lowest free LUN whatever the client
    # asks (an array that ignores UseNextAvailable)
    lun_conflict: str = "refuse"

    @property
    def legacy_filters(self) -> bool:
        return version_tuple(self.reported_api_version) < (2, 2)

    @property
    def legacy_paths(self) -> bool:
        # The driver compares the major component as a string (reference §1.6).
        return self.reported_api_version.split(".")[0] < "4"


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.strip().split("."))


@dataclass
class Reply:
    """A handler result whose status differs from the route's default."""

    status: int
    body: Any


@dataclass
class Ctx:
    """One request's view of the store."""

    txn: Txn
    settings: Settings
    # GETs per object since the server started (not persisted): a copy finishes on its 2nd read.
    read_counts: dict[str, int]
    asynchronous: bool = False
    _paths: dict[tuple[str, str], str] = field(default_factory=dict)
    _profile_volumes: dict[tuple[str, str], int] | None = None

    # -- lookups ---------------------------------------------------------------------------
    def find(self, coll: str, oid: str, label: str | None = None) -> Doc:
        """The object or a 404; an error when its Storage Center is down."""
        doc = self.txn.get(coll, oid)
        if doc is None or (coll == "ScVolume" and doc.get("inRecycleBin")):
            raise not_found(label or coll, oid)
        return self.reach(doc)

    def find_to_edit(self, coll: str, oid: str) -> Doc:
        """A private copy of the object to modify and `txn.put` back, or a 404."""
        return copy.deepcopy(self.find(coll, oid))

    def resolve(self, coll: str, value: Any, field_name: str, ssn: int | None = None) -> Doc:
        """A referenced object (by instanceId) or a 400 naming the id."""
        if isinstance(value, dict):
            value = value.get("instanceId")
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise bad_request(f"{field_name} must be an instanceId string, got {value!r}")
        oid = str(value)
        doc = self.txn.get(coll, oid)
        if doc is None or (coll == "ScVolume" and doc.get("inRecycleBin")):
            raise bad_request(f"{field_name}: {coll} '{oid}' does not exist")
        if ssn is not None and doc.get("scSerialNumber") != ssn:
            raise bad_request(f"{field_name}: {coll} '{oid}' is not on Storage Center {ssn}")
        return self.reach(doc)

    def storage_center(self, value: Any, field_name: str = "StorageCenter") -> int:
        ssn = parse_ssn(value, field_name)
        if ssn not in self.settings.ssns:
            raise bad_request(f"{field_name}: Storage Center '{ssn}' is not managed")
        self.check_up(ssn)
        return ssn

    def path_ssn(self, value: str) -> int:
        """An SSN taken from a URL: a managed SC, else 404 (a body SSN is a 400 instead)."""
        ssn = parse_ssn(value, "ssn")
        if ssn not in self.settings.ssns:
            raise not_found("StorageCenter", value)
        self.check_up(ssn)
        return ssn

    # -- Storage Centers that are down ---------------------------------------------------
    def sc_down(self, ssn: Any) -> bool:
        """True while SC `ssn` is switched off (admin `storage_centers/{ssn}/down`)."""
        sc = self.txn.get("StorageCenter", str(ssn))
        return sc is not None and not sc["connected"]

    def check_up(self, ssn: int) -> None:
        if self.sc_down(ssn):
            raise ApiError(500, f"Storage Center {ssn} is not connected to the Data Collector")

    def reachable(self, doc: Doc) -> bool:
        """Whether the DSM can reach `doc`: its SC is up (a Live Volume: either of its SCs)."""
        kind = doc.get("objectType")
        if kind == "StorageCenter":
            return True
        if kind == "ScLiveVolume":
            sides = (doc["primaryScSerialNumber"], doc["secondaryScSerialNumber"])
            return not all(self.sc_down(s) for s in sides)
        ssn = doc.get("scSerialNumber")
        return ssn is None or not self.sc_down(ssn)

    def reach(self, doc: Doc) -> Doc:
        """`doc`, or the DSM's error for an object on a Storage Center that is down."""
        if not self.reachable(doc):
            self.check_up(doc["scSerialNumber"])
        return doc

    def sc_name(self, ssn: int) -> str:
        return f"Storage Center {ssn}"

    def volumes_of(self, ssn: int | None = None) -> list[Doc]:
        return [
            v
            for v in self.txn.all("ScVolume")
            if not v.get("inRecycleBin") and (ssn is None or v["scSerialNumber"] == ssn)
        ]

    def where(self, coll: str, **attrs: Any) -> list[Doc]:
        """Objects of `coll` whose top-level attributes or reference ids equal `attrs`."""
        out = []
        for doc in self.txn.all(coll):
            for key, want in attrs.items():
                have = doc.get(key)
                if isinstance(have, dict):
                    have = have.get("instanceId")
                if have != want:
                    break
            else:
                out.append(doc)
        return out

    # -- paths -----------------------------------------------------------------------------
    def folder_full_path(self, coll: str, folder_id: str | None) -> str:
        """Path of a folder including itself (`a/b/`, or `/a/b/` for API 4+); root: `` or `/`."""
        root = "" if self.settings.legacy_paths else "/"
        if folder_id is None:
            return root
        key = (coll, folder_id)
        cached = self._paths.get(key)
        if cached is not None:
            return cached
        folder = self.txn.get(coll, folder_id)
        if folder is None or folder.get("root"):
            path = root
        else:
            parent = folder.get("parent")
            parent_id = parent["instanceId"] if parent else None
            path = self.folder_full_path(coll, parent_id) + folder["name"] + "/"
        self._paths[key] = path
        return path

    # -- rendering -------------------------------------------------------------------------
    def render(self, doc: Doc) -> Doc:
        out: Doc = {}
        for key, value in doc.items():
            if key[0] == "_":
                continue
            if isinstance(value, dict) and "objectType" in value and "instanceId" in value:
                value = self._fresh_ref(value)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                value = [self._fresh_ref(v) if "objectType" in v else v for v in value]
            out[key] = value
        kind = doc.get("objectType")
        if "_sizeBytes" in doc:
            out["size" if kind == "ScReplay" else "configuredSize"] = java_double_bytes(
                doc["_sizeBytes"]
            )
        if kind == "ScVolume":
            folder = doc.get("volumeFolder")
            out["volumeFolderPath"] = self.folder_full_path(
                "ScVolumeFolder", folder["instanceId"] if folder else None
            )
        elif kind in ("ScVolumeFolder", "ScServerFolder"):
            parent = doc.get("parent")
            out["folderPath"] = self.folder_full_path(kind, parent["instanceId"]) if parent else ""
        elif kind in ("ScPhysicalServer", "ScRemoteStorageCenter", "ScServerCluster"):
            folder = doc.get("serverFolder")
            out["serverFolderPath"] = self.folder_full_path(
                "ScServerFolder", folder["instanceId"] if folder else None
            )
        elif kind in ("ScStorageProfile", "ScReplayProfile"):
            out["volumeCount"] = self.profile_volumes().get((kind, doc["instanceId"]), 0)
        return out

    def profile_volumes(self) -> dict[tuple[str, str], int]:
        """Volumes (outside the recycle bin) per (profile kind, id), for storage and snapshot
        profiles (their ids may coincide), counted once a request."""
        if self._profile_volumes is None:
            counts: dict[tuple[str, str], int] = {}
            for config in self.txn.all("ScVolumeConfiguration"):
                volume = self.txn.get("ScVolume", config["instanceId"])
                if volume is None or volume["inRecycleBin"]:
                    continue
                profile = config.get("storageProfile")
                refs = [profile, *config["replayProfileList"]] if profile else []
                for target in refs:
                    key = (target["objectType"], target["instanceId"])
                    counts[key] = counts.get(key, 0) + 1
            self._profile_volumes = counts
        return self._profile_volumes

    def _fresh_ref(self, value: Doc) -> Doc:
        kind: str = value["objectType"]
        coll = COLLECTION_OF.get(kind, kind)
        target = self.txn.get(coll, value["instanceId"])
        if target is None or target.get("instanceName") == value.get("instanceName"):
            return value
        return {**value, "instanceName": target["instanceName"]}

    def render_all(self, docs: list[Doc]) -> list[Doc]:
        return [self.render(d) for d in docs]

    # -- validation ------------------------------------------------------------------------
    def check_name(self, value: Any, field_name: str = "Name") -> str:
        if not isinstance(value, str) or not value.strip():
            raise bad_request(f"{field_name} must be a non-empty string")
        if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
            # inferred: the DSM's name fields are single lines of text
            raise bad_request(f"{field_name} must not contain control characters")
        if len(value) > MAX_NAME_LENGTH:
            raise bad_request(
                f"{field_name} is {len(value)} characters long; the limit is {MAX_NAME_LENGTH}"
            )
        return value

    def header(self, kind: str, instance_id: str, name: str, ssn: int) -> Doc:
        return {
            "objectType": kind,
            "instanceId": instance_id,
            "instanceName": name,
            "scSerialNumber": ssn,
            "scName": self.sc_name(ssn),
        }

    # -- builders --------------------------------------------------------------------------
    def create_folder(self, kind: str, name: str, parent: Doc, notes: str = "") -> Doc:
        """Store a new `ScVolumeFolder` / `ScServerFolder` under `parent` (no checks)."""
        ssn = parent["scSerialNumber"]
        oid = f"{ssn}.{self.txn.next_id(f'{ssn}:{kind}', start=10)}"
        return self.txn.put(
            kind,
            self.header(kind, oid, name, ssn)
            | {
                "name": name,
                "root": False,
                "okToDelete": True,
                "parent": ref_of(parent),
                "parentIndex": int(parent["instanceId"].split(".")[1]),
                "notes": notes,
                "status": "Up",
            },
        )

    def create_volume(
        self,
        ssn: int,
        name: str,
        size: int,
        *,
        folder: Doc | None = None,
        notes: str = "",
        storage_profile: Doc | None = None,
        replay_profiles: list[Doc] | None = None,
        volume_qos: Doc | None | bool = True,
        group_qos: Doc | None | bool = True,
        data_reduction: Doc | None | bool = True,
    ) -> Doc:
        """Create a volume and its configuration; `True` for a profile means the user default."""
        prefs = self.txn.get("ScUserPreferences", str(ssn)) or {}
        index = self.txn.next_id(f"{ssn}:volume", start=101)
        vpd = index + 2
        vid = f"{ssn}.{index}"
        if folder is None:
            folder = self.find("ScVolumeFolder", f"{ssn}.0")
        controllers = sorted(
            (c for c in self.txn.all("ScController") if c["scSerialNumber"] == ssn),
            key=lambda c: c["instanceId"],
        )
        controller = controllers[index % len(controllers)]
        volume = self.header("ScVolume", vid, name, ssn) | {
            "name": name,
            "index": index,
            "vpdId": vpd,
            "_sizeBytes": size,
            "deviceId": f"6000d31{ssn:07x}{vpd:018x}",
            "serialNumber": f"{ssn:08x}-{vpd:08x}",
            "active": False,
            "replayAllowed": True,
            "mapped": False,
            "deleteAllowed": True,
            "inRecycleBin": False,
            "status": "Up",
            "statusMessage": "",
            "notes": notes,
            "volumeFolder": ref_of(folder),
            "volumeFolderIndex": int(folder["instanceId"].split(".")[1]),
            "storageType": ref(f"{ssn}.1", "Assigned - Redundant - 2 MB", "ScStorageType"),
            "replicationSource": False,
            "replicationDestination": False,
            "liveVolume": False,
            "cmmSource": False,
            "cmmDestination": False,
            "portableVolumeDestination": False,
            "hostCacheEnabled": False,
            "flashOptimized": False,
            "secureDataUsed": False,
            "usedByLegacyFluidFsNasVolume": False,
            "createdTime": now_iso(),
            "_nextReplay": 1,
        }
        self.txn.put("ScVolume", volume)

        def default(value: Doc | None | bool, key: str) -> Doc | None:
            if value is True:
                pref = prefs.get(key)
                return (
                    ref(pref["instanceId"], pref["instanceName"], pref["objectType"])
                    if pref
                    else None
                )
            return ref_of(value) if isinstance(value, dict) else None

        storage = storage_profile or self.find(
            "ScStorageProfile", prefs["storageProfile"]["instanceId"]
        )
        replays = (
            [ref_of(p) for p in replay_profiles]
            if replay_profiles is not None
            else list(prefs.get("replayProfileList", []))
        )
        dr = default(data_reduction, "dataReductionProfile")
        config = self.header("ScVolumeConfiguration", vid, name, ssn) | {
            "volume": ref_of(volume),
            "controller": ref_of(controller),
            "storageProfile": ref_of(storage),
            "replayProfileList": replays,
            "volumeQosProfile": default(volume_qos, "volumeQosProfile"),
            "groupQosProfile": default(group_qos, "groupQosProfile"),
            "dataReductionProfile": dr,
            "diskFolder": ref(f"{ssn}.3", "Assigned", "ScDiskFolder"),
            "readCacheEnabled": True,
            "writeCacheEnabled": True,
            "compressionEnabled": False,
            "replayCreationPaused": False,
            "replayExpirationPaused": False,
            "maximumSiblingCount": 100,
            "currentSiblingCount": 1,
            "notes": notes,
            "createUser": self.settings.username,
            "dateCreated": now_iso(),
        }
        self.set_compression_flag(config)
        self.txn.put("ScVolumeConfiguration", config)
        return volume

    def set_compression_flag(self, config: Doc) -> None:
        dr = config.get("dataReductionProfile")
        profile = self.txn.get("ScDataReductionProfile", dr["instanceId"]) if dr else None
        config["compressionEnabled"] = bool(profile and profile["type"] != "None")

    def volume_replays(self, volume: Doc) -> list[Doc]:
        """The volume's frozen replays, oldest first, without those past their expiry."""
        return [
            r
            for r in self.txn.all("ScReplay")
            if r["createVolume"]["instanceId"] == volume["instanceId"] and not replay_expired(r)
        ]

    def add_replay(
        self,
        volume: Doc,
        description: str,
        expire_minutes: int,
        *,
        consistent: bool = False,
        global_index: str | None = None,
        size: int | None = None,
        frozen_at: str | None = None,
    ) -> Doc:
        """Freeze a replay of `volume` (an editable copy is stored back); `frozen_at` is the
        freeze time shared by the replays of one group snapshot."""
        vol = self.txn.edit("ScVolume", volume["instanceId"])
        assert vol is not None
        index = vol["_nextReplay"]
        vol["_nextReplay"] = index + 1
        self.txn.put("ScVolume", vol)
        ssn, vidx = vol["scSerialNumber"], vol["index"]
        rid = f"{ssn}.{vidx}.{index}"
        stamp = frozen_at or now_iso()
        previous = self.volume_replays(vol)
        replay = self.header("ScReplay", rid, stamp, ssn) | {
            "globalIndex": global_index or f"{ssn}-{vidx}-{index}",
            "description": description[:REPLAY_DESCRIPTION_LENGTH],
            "createVolume": ref_of(vol),
            "freezeTime": stamp,
            "expireTime": minutes_from_now_iso(expire_minutes) if expire_minutes else epoch_iso(),
            "expires": expire_minutes > 0,
            "markedForExpiration": False,
            "active": False,
            "consistent": consistent,
            "source": "Manual",
            "spaceRecovery": False,
            "writesHeldDuration": 0,
            "_sizeBytes": 0,
            "_volumeSizeBytes": vol["_sizeBytes"] if size is None else size,
        }
        if previous:
            replay["parent"] = ref_of(previous[-1])
        return self.txn.put("ScReplay", replay)

    def active_replay(self, volume: Doc) -> Doc:
        """The synthetic active replay: index = the volume's next replay index."""
        ssn, vidx, index = volume["scSerialNumber"], volume["index"], volume["_nextReplay"]
        stamp = now_iso()
        return self.header("ScReplay", f"{ssn}.{vidx}.{index}", stamp, ssn) | {
            "globalIndex": f"{ssn}-{vidx}-{index}",
            "description": "",
            "createVolume": ref_of(volume),
            "freezeTime": stamp,
            "expireTime": stamp,
            "expires": False,
            "markedForExpiration": False,
            "active": True,
            "consistent": False,
            "source": "Active",
            "spaceRecovery": False,
            "writesHeldDuration": 0,
            "_sizeBytes": 0,
        }

    def find_replay(self, replay_id: str) -> tuple[Doc, bool]:
        """(replay, is_active) for a stored or active replay id, else 404.

        Replays of a recycled volume are hidden like the volume itself.
        """
        replay = self.txn.get("ScReplay", replay_id)
        if replay is not None and not replay_expired(replay):
            volume = self.txn.get("ScVolume", replay["createVolume"]["instanceId"])
            if volume is not None and not volume["inRecycleBin"]:
                return self.reach(replay), False
            raise not_found("ScReplay", replay_id)
        parts = replay_id.split(".")
        if len(parts) == 3:
            volume = self.txn.get("ScVolume", f"{parts[0]}.{parts[1]}")
            if (
                volume is not None
                and volume["active"]
                and not volume["inRecycleBin"]
                and str(volume["_nextReplay"]) == parts[2]
            ):
                return self.reach(self.active_replay(volume)), True
        raise not_found("ScReplay", replay_id)

    # -- server clusters (inferred: see docs/emulator.md) -----------------------------------
    def cluster_members(self, cluster_id: str) -> list[Doc]:
        """The physical servers whose `parent` is this cluster."""
        return self.where("ScServer", parent=cluster_id)

    def hba_owners(self, server: Doc) -> list[str]:
        """Whose HBAs a server's mappings reach: a cluster's members, else the server."""
        if server["objectType"] == "ScServerCluster":
            return [m["instanceId"] for m in self.cluster_members(server["instanceId"])]
        return [server["instanceId"]]

    def presented_to(self, server: Doc) -> list[str]:
        """The server first, then the servers whose mappings it also sees or lends its LUNs
        to: a cluster's members, a member's cluster."""
        sid = server["instanceId"]
        if server["objectType"] == "ScServerCluster":
            return [sid, *(m["instanceId"] for m in self.cluster_members(sid))]
        parent = server.get("parent")
        return [sid, parent["instanceId"]] if parent else [sid]

    def repath(self, *server_ids: str) -> None:
        """Rebuild the paths of every profile that reaches these servers' HBAs: their own
        profiles and their clusters'."""
        owners: list[str] = []
        for sid in server_ids:
            server = self.txn.get("ScServer", sid)
            parent = server.get("parent") if server is not None else None
            owners += [sid, parent["instanceId"]] if parent else [sid]
        for sid in dict.fromkeys(owners):
            for profile in self.where("ScMappingProfile", server=sid):
                self.add_paths(profile)

    # -- mappings --------------------------------------------------------------------------
    def map_volume(
        self,
        volume: Doc,
        server: Doc,
        preferred_lun: int | None = None,
        *,
        next_free: bool = False,
    ) -> Doc:
        """Create the mapping profile and per-path mappings; activates the volume.

        Without a preferred LUN the lowest free one (from 1) is used; a preferred LUN that
        another volume already uses on this server is refused, or with `next_free` replaced
        by the lowest free one.
        """
        existing = self.where(
            "ScMappingProfile", volume=volume["instanceId"], server=server["instanceId"]
        )
        if existing:
            return existing[0]
        ssn = volume["scSerialNumber"]
        related = self.presented_to(server)
        for other in related[1:]:
            if self.where("ScMappingProfile", volume=volume["instanceId"], server=other):
                raise bad_request(
                    f"Volume '{volume['name']}' is already mapped to server "
                    f"'{server['instanceName']}' through '{other}' (a cluster and its members)"
                )
        used = {
            lun
            for sid in related
            for p in self.where("ScMappingProfile", server=sid)
            for lun in p["lunUsed"]
        }
        if preferred_lun is not None and preferred_lun in used and not next_free:
            raise bad_request(
                f"LUN {preferred_lun} is already used on server '{server['instanceName']}'"
            )
        lun = (
            preferred_lun
            if preferred_lun is not None and preferred_lun not in used
            else next(n for n in range(1, 4097) if n not in used)
        )
        config = self.find("ScVolumeConfiguration", volume["instanceId"])
        controller = config["controller"]
        pid = f"{ssn}.{self.txn.next_id(f'{ssn}:mappingprofile', start=2000)}"
        profile = self.header(
            "ScMappingProfile", pid, f"{volume['index']}-{server['instanceId'].split('.')[1]}", ssn
        ) | {
            "volume": ref_of(volume),
            "server": ref_of(server),
            "controller": controller,
            "lunUsed": [lun],
            "lunRequested": "N/A" if preferred_lun is None else str(preferred_lun),
            "mapCount": 0,
            "connectivity": "Up",
            "readOnly": False,
            "hostCache": False,
            "mappedVia": "Server",
        }
        self.txn.put("ScMappingProfile", profile)
        self.add_paths(profile)
        vol = self.txn.edit("ScVolume", volume["instanceId"])
        assert vol is not None
        vol["active"] = True
        vol["mapped"] = True
        self.txn.put("ScVolume", vol)
        srv = self.txn.edit("ScServer", server["instanceId"])
        assert srv is not None
        srv["mapped"] = True
        srv["volumeCount"] = len(self.where("ScMappingProfile", server=srv["instanceId"]))
        self.txn.put("ScServer", srv)
        return self.find("ScMappingProfile", pid)

    def add_paths(self, profile: Doc) -> None:
        """(Re)create the ScMapping rows of a profile: server HBAs x active-controller ports."""
        for old in self.where("ScMapping", profile=profile["instanceId"]):
            self.txn.delete("ScMapping", old["instanceId"])
        ssn = profile["scSerialNumber"]
        server = self.find("ScServer", profile["server"]["instanceId"])
        controller_id = profile["controller"]["instanceId"]
        ports = [
            p
            for p in self.txn.all("ScControllerPort")
            if p["scSerialNumber"] == ssn and p["controller"]["instanceId"] == controller_id
        ]
        hbas = [h for sid in self.hba_owners(server) for h in self.where("ScServerHba", server=sid)]
        pairs: list[tuple[Doc | None, Doc]] = [
            (h, p) for h in hbas for p in ports if p["transportType"] == h["portType"]
        ]
        if server["type"] == "RemoteStorageCenter":
            fc_ports = [p for p in ports if p["transportType"] == "FibreChannel"]
            pairs = [(None, p) for p in fc_ports[:1]]
        lun = profile["lunUsed"][0]
        volume = profile["volume"]
        for hba, port in pairs:
            mid = f"{ssn}.{self.txn.next_id(f'{ssn}:mapping', start=900)}.{ssn}"
            row = self.header("ScMapping", mid, f"{ssn}-{mid.split('.')[1]}", ssn) | {
                "profile": ref_of(profile),
                "volume": volume,
                "server": hba["server"] if hba is not None else ref_of(server),
                "controller": profile["controller"],
                "controllerPort": ref_of(port),
                "lun": lun,
                "lunUsed": [lun],
                "readOnly": False,
                "status": "Up",
                "statusMessage": "",
                "transport": port["transportType"],
            }
            if hba is not None:
                row["serverHba"] = ref_of(hba)
                row["path"] = ref(
                    f"{ssn}.{ssn}.{mid.split('.')[1]}",
                    f"{hba['instanceName']}-{port['instanceName']}",
                    "ScServerHbaPath",
                )
            self.txn.put("ScMapping", row)
        updated = dict(profile)
        updated["mapCount"] = len(pairs)
        self.txn.put("ScMappingProfile", updated)

    def unmap_profile(self, profile: Doc) -> None:
        """Delete a mapping profile and its paths; unmapping a remote SC breaks replication."""
        for row in self.where("ScMapping", profile=profile["instanceId"]):
            self.txn.delete("ScMapping", row["instanceId"])
        self.txn.delete("ScMappingProfile", profile["instanceId"])
        volume_id = profile["volume"]["instanceId"]
        server_id = profile["server"]["instanceId"]
        vol = self.txn.edit("ScVolume", volume_id)
        if vol is not None:
            vol["mapped"] = bool(self.where("ScMappingProfile", volume=volume_id))
            if profile["server"]["objectType"] == "ScRemoteStorageCenter":
                self.break_replications_to(vol)
            self.txn.put("ScVolume", vol)
        srv = self.txn.edit("ScServer", server_id)
        if srv is not None:
            remaining = self.where("ScMappingProfile", server=server_id)
            srv["mapped"] = bool(remaining)
            srv["volumeCount"] = len(remaining)
            self.txn.put("ScServer", srv)

    def break_replications_to(self, destination: Doc) -> None:
        """The destination of a replication lost its link: mark replications Down (kept)."""
        for repl in self.where("ScReplication", destinationVolume=destination["instanceId"]):
            edited = dict(repl)
            edited["state"] = "Down"
            edited["status"] = "Down"
            self.txn.put("ScReplication", edited)
            destination["replicationDestination"] = False

    def copies_follow(self, source: Doc) -> None:
        """A replicated volume grew: the destination of each of its Up replications, and its
        Live Volume partner, grow to its size while both SCs are up (the array carries the
        new size with the replication; a destination that cannot be reached follows once
        both are up again, see `catch_up`)."""
        partners = [
            repl["destinationVolume"]["instanceId"]
            for repl in self.where("ScReplication", sourceVolume=source["instanceId"])
            if repl["state"] == "Up"
        ]
        for live in self.txn.all("ScLiveVolume"):
            if live["primaryVolume"]["instanceId"] == source["instanceId"]:
                partners.append(live["secondaryVolume"]["instanceId"])
        for partner_id in partners:
            partner = self.txn.edit("ScVolume", partner_id)
            if partner is None or partner["_sizeBytes"] >= source["_sizeBytes"]:
                continue
            if self.sc_down(source["scSerialNumber"]) or self.sc_down(partner["scSerialNumber"]):
                continue
            partner["_sizeBytes"] = source["_sizeBytes"]
            self.txn.put("ScVolume", partner)

    def catch_up(self) -> None:
        """Every replication source's copies follow its size (an SC came back)."""
        sources = {r["sourceVolume"]["instanceId"] for r in self.txn.all("ScReplication")}
        sources |= {lv["primaryVolume"]["instanceId"] for lv in self.txn.all("ScLiveVolume")}
        for source_id in sorted(sources):
            source = self.txn.get("ScVolume", source_id)
            if source is not None:
                self.copies_follow(source)

    def remote_server(self, on_ssn: int, partner_ssn: int) -> Doc:
        """The server object on `on_ssn` that represents Storage Center `partner_ssn`."""
        sid = f"{on_ssn}.{900000 + partner_ssn % 100000}"
        existing = self.txn.get("ScServer", sid)
        if existing is not None:
            return existing
        name = self.sc_name(partner_ssn)
        server = self.header("ScRemoteStorageCenter", sid, name, on_ssn) | {
            "name": name,
            "type": "RemoteStorageCenter",
            "status": "Up",
            "statusMessage": "",
            "connectivity": "Up",
            "portType": ["FibreChannel"],
            "hbaPresent": False,
            "hbaCount": 0,
            "pathCount": 1,
            "volumeCount": 0,
            "mapped": False,
            "deleteAllowed": False,
            "removeHbasAllowed": False,
            "alertOnConnectivity": False,
            "notes": "",
            "serverFolder": ref(f"{on_ssn}.0", "Servers", "ScServerFolder"),
            "remoteScSerialNumber": partner_ssn,
        }
        return self.txn.put("ScServer", server)

    def require(self, condition: bool, message: str, status: int = 400) -> None:
        if not condition:
            raise ApiError(status, message)
