"""Deterministic seed objects for each Storage Center, and benchmark preloading."""

from __future__ import annotations

from .model import Ctx
from .wire import GIB, Doc, java_double_bytes, ref, ref_of

OS_TYPES = (
    (38, "Red Hat Linux 6.x", "Red Hat Linux", "6.x", True),
    (39, "Red Hat Linux 7.x", "Red Hat Linux", "7.x", True),
    (40, "Other Multipath", "Other", "Multipath", True),
    (41, "Other Singlepath", "Other", "Singlepath", False),
    (42, "VMware ESXi 6.5", "VMware ESXi", "6.5", True),
    (43, "Windows 2016", "Windows", "2016", True),
)
STORAGE_PROFILES = ("Recommended", "High Priority", "Medium Priority", "Low Priority")
# Standard snapshot profiles: (index, name, schedule, expiration in minutes)
REPLAY_PROFILES = (
    (2, "Daily", "Daily at 12:01 AM", 7 * 24 * 60),
    (3, "Weekly", "Weekly on Sunday at 12:01 AM", 4 * 7 * 24 * 60),
)
AVAILABLE_BYTES = 100 * 1024**4
SYSTEM_BYTES = 738197504


def seed_storage_center(ctx: Ctx, ssn: int) -> None:
    """Create the built-in objects of SC `ssn` unless they already exist."""
    txn = ctx.txn
    if txn.get("StorageCenter", str(ssn)) is not None:
        return
    name = ctx.sc_name(ssn)
    txn.put(
        "StorageCenter",
        ctx.header("StorageCenter", str(ssn), name, ssn)
        | {
            "name": name,
            "serialNumber": ssn,
            "status": "Up",
            "connected": True,
            "userConnected": True,
            "version": "7.4.10.30",
            "hostOrIpAddress": f"192.168.{ssn % 250}.80",
            "managementIp": f"192.168.{ssn % 250}.80",
            "operationMode": "Normal",
            "userName": ctx.settings.username,
            "portsBalanced": True,
            "flashOptimizedConfigured": False,
            "nonFlashOptimizedConfigured": True,
            "_availableBytes": AVAILABLE_BYTES,
        },
    )
    txn.put(
        "ScConfiguration",
        ctx.header("ScConfiguration", str(ssn), name, ssn)
        | {"iscsiTransportMode": ctx.settings.iscsi_transport_mode},
    )
    for coll, root_name in (("ScVolumeFolder", "Volumes"), ("ScServerFolder", "Servers")):
        txn.put(
            coll,
            ctx.header(coll, f"{ssn}.0", root_name, ssn)
            | {
                "name": root_name,
                "root": True,
                "okToDelete": False,
                "parentIndex": 0,
                "notes": "",
                "status": "Up",
            },
        )
    controllers = []
    for offset in (0, 1):
        serial = ssn + offset
        controllers.append(
            txn.put(
                "ScController",
                ctx.header("ScController", f"{ssn}.{serial}", f"SN {serial}", ssn)
                | {
                    "name": f"SN {serial}",
                    "hardwareSerialNumber": serial,
                    "status": "Up",
                    "leader": offset == 0,
                },
            )
        )
    _seed_ports(ctx, ssn, controllers)
    for index, os_name, product, version, multipath in OS_TYPES:
        txn.put(
            "ScServerOperatingSystem",
            ctx.header("ScServerOperatingSystem", f"{ssn}.{index}", os_name, ssn)
            | {
                "name": os_name,
                "product": product,
                "version": version,
                "multipath": multipath,
                "allowsLunGaps": True,
                "requiresLunZero": False,
            },
        )
    for index, profile_name in enumerate(STORAGE_PROFILES, start=1):
        txn.put(
            "ScStorageProfile",
            ctx.header("ScStorageProfile", f"{ssn}.{index}", profile_name, ssn)
            | {
                "index": index,
                "name": profile_name,
                "userCreated": False,
                "volumeCount": 0,
                "useTier1Storage": index <= 2,
                "useTier2Storage": index in (1, 3),
                "useTier3Storage": index in (1, 4),
                "raidTypeUsed": "Mixed",
                "allowedForFlashOptimized": False,
                "allowedForNonFlashOptimized": True,
            },
        )
    replay_profiles = {}
    for index, profile_name, schedule, expiration in REPLAY_PROFILES:
        profile = replay_profiles[profile_name] = txn.put(
            "ScReplayProfile",
            ctx.header("ScReplayProfile", f"{ssn}.{index}", profile_name, ssn)
            | {
                "name": profile_name,
                "type": "Standard",
                "notes": "",
                "userCreated": False,
                "ruleCount": 1,
                "expireIncompleteReplaySets": True,
                "replayCreationTimeout": 20,
                "enforceReplayCreationTimeout": False,
            },
        )
        rule_id = f"{ssn}.{index}.1"
        txn.put(
            "ScReplayProfileRule",
            ctx.header("ScReplayProfileRule", rule_id, schedule, ssn)
            | {
                "name": schedule,
                "replayProfile": ref_of(profile),
                "schedule": ref(rule_id, schedule, "ScSchedule"),
                "expiration": expiration,
                "enabled": True,
            },
        )
    qos = {}
    for index, qos_name, kind in (
        (20, "Default", "VolumeQosProfile"),
        (21, "Premium", "VolumeQosProfile"),
        (22, "Group Default", "GroupQosProfile"),
        (23, "Group Limited", "GroupQosProfile"),
    ):
        limited = qos_name in ("Premium", "Group Limited")
        qos[qos_name] = txn.put(
            "ScQosProfile",
            ctx.header("ScQosProfile", f"{ssn}.{index}", qos_name, ssn)
            | {
                "name": qos_name,
                "profileType": kind,
                "userCreated": False,
                "limitIopsEnabled": limited,
                "maxIops": 10000 if limited else 0,
                "limitBandwidthEnabled": False,
                "maxBandwidth": java_double_bytes(0),
                "relativePriority": 100,
            },
        )
    reductions = {}
    for index, dr_name, kind in (
        (30, "None", "None"),
        (31, "Compression", "Compression"),
        (32, "Deduplication with Compression", "Deduplication"),
    ):
        reductions[kind] = txn.put(
            "ScDataReductionProfile",
            ctx.header("ScDataReductionProfile", f"{ssn}.{index}", dr_name, ssn)
            | {"name": dr_name, "type": kind, "userCreated": False},
        )
    txn.put(
        "ScDiskFolder",
        ctx.header("ScDiskFolder", f"{ssn}.3", "Assigned", ssn) | {"name": "Assigned"},
    )
    recommended = txn.get("ScStorageProfile", f"{ssn}.1")
    assert recommended is not None
    txn.put(
        "ScUserPreferences",
        ctx.header("ScUserPreferences", str(ssn), "User Preferences", ssn)
        | {
            "allowStorageProfileSelection": True,
            "allowQosProfileSelection": True,
            "allowDataReductionSelection": True,
            "storageProfile": _pref_ref(recommended),
            "volumeQosProfile": _pref_ref(qos["Default"]),
            "groupQosProfile": None,
            "dataReductionProfile": _pref_ref(reductions["None"]),
            "replayProfileList": [ref_of(replay_profiles["Daily"])],
        },
    )
    _seed_server(ctx, ssn)


def _pref_ref(doc: Doc) -> Doc:
    return ref_of(doc) | {"name": doc["name"]}


def _seed_ports(ctx: Ctx, ssn: int, controllers: list[Doc]) -> None:
    txn = ctx.txn
    domains = []
    for d in (1, 2):
        domains.append(
            txn.put(
                "ScIscsiFaultDomain",
                ctx.header("ScIscsiFaultDomain", f"{ssn}.6.{d}", f"iSCSI 10G {d}", ssn)
                | {
                    "name": f"iSCSI 10G {d}",
                    "targetIpv4Address": f"10.{ssn % 250}.{d}.10",
                    "wellKnownIpAddress": f"10.{ssn % 250}.{d}.10",
                    "portNumber": 3260,
                    "iscsiName": "",
                    "subnetMask": "255.255.255.0",
                    "gateway": f"10.{ssn % 250}.{d}.1",
                    "vlanId": 0,
                    "chapEnabled": False,
                    "status": "Up",
                    "transportType": "Iscsi",
                },
            )
        )
    number = 0x40
    for c, controller in enumerate(controllers):
        for transport in ("Iscsi", "Iscsi", "FibreChannel", "FibreChannel"):
            number += 1
            wwn = f"5000D310{ssn:06X}{number:02X}"
            pid = f"{ssn}.{int(wwn, 16)}.{number}"
            is_iscsi = transport == "Iscsi"
            domain = domains[number % 2] if is_iscsi else None
            ip = f"10.{ssn % 250}.{number % 2 + 1}.{20 + number}" if is_iscsi else ""
            port = ctx.header("ScControllerPort", pid, wwn, ssn) | {
                "name": wwn,
                "WWN": wwn,
                "iscsiName": f"iqn.2002-03.com.compellent:{wwn.lower()}" if is_iscsi else "",
                "iscsiIpAddress": ip or "0.0.0.0",
                "transportType": transport,
                "purpose": "FrontEnd",
                "virtual": True,
                "status": "Up",
                "controller": ref_of(controller),
                "controllerIndex": c,
            }
            if domain is not None:
                port["faultDomain"] = ref_of(domain)
            txn.put("ScControllerPort", port)
            if is_iscsi:
                txn.put(
                    "ScControllerPortIscsiConfiguration",
                    ctx.header("ScControllerPortIscsiConfiguration", pid, wwn, ssn)
                    | {
                        "ipAddress": ip,
                        "portNumber": 3260,
                        "subnetMask": "255.255.255.0",
                        "gatewayIpAddress": f"10.{ssn % 250}.{number % 2 + 1}.1",
                        "chapName": "",
                        "macAddress": f"00:c0:dd:{ssn % 256:02x}:00:{number:02x}",
                        "speed": "10 Gbps",
                    },
                )


def _seed_server(ctx: Ctx, ssn: int) -> None:
    txn = ctx.txn
    sid = f"{ssn}.1"
    iqn = f"iqn.1993-08.org.debian:01:emulator{ssn}"
    name = f"seed-host-{ssn}"
    server = ctx.header("ScPhysicalServer", sid, name, ssn) | {
        "name": name,
        "type": "Physical",
        "status": "Up",
        "statusMessage": "",
        "connectivity": "Up",
        "portType": ["Iscsi"],
        "hbaPresent": True,
        "hbaCount": 1,
        "pathCount": 2,
        "volumeCount": 0,
        "mapped": False,
        "deleteAllowed": True,
        "removeHbasAllowed": True,
        "alertOnConnectivity": False,
        "notes": "Seeded by the dellsc emulator",
        "serverFolder": ref(f"{ssn}.0", "Servers", "ScServerFolder"),
        "serverFolderIndex": 0,
        "operatingSystem": ref(f"{ssn}.38", "Red Hat Linux 6.x", "ScServerOperatingSystem"),
    }
    txn.next_id(f"{ssn}:server", start=1)
    txn.put("ScServer", server)
    txn.put("ScServerHba", hba_doc(ctx, ssn, iqn, "Iscsi", server))


def hba_doc(ctx: Ctx, ssn: int, name: str, port_type: str, server: Doc | None) -> Doc:
    index = ctx.txn.next_id(f"{ssn}:hba", start=3454975614)
    doc = ctx.header("ScServerHba", f"{ssn}.{index}", name, ssn) | {
        "name": name,
        "portType": port_type,
        "connectivity": "Up",
        "pathCount": 2,
        "iscsiName": name if port_type == "Iscsi" else "",
        "iscsiIpAddress": "0.0.0.0",
        "portWwnList": [] if port_type == "Iscsi" else [name],
        "remoteStorageCenter": False,
        "notes": "",
    }
    if server is not None:
        doc["server"] = ref_of(server)
    return doc


def preload_volumes(ctx: Ctx, ssn: int, count: int) -> None:
    """Make sure `count` volumes named `preload-00001`... (1 GB) exist on SC `ssn`."""
    have = sum(1 for v in ctx.volumes_of(ssn) if v["name"].startswith("preload-"))
    for n in range(have + 1, count + 1):
        ctx.create_volume(ssn, f"preload-{n:05d}", GIB, notes="Preloaded by the dellsc emulator")
