"""Servers and their HBAs (#34-#39); server GetLists go through the generic route.

Besides the driver's calls, a server can be modified (`PUT`: name, notes, operating system,
folder) and lose an initiator (`RemoveHba`, body `ServerHba`), as in the DSM client (inferred:
the Cinder driver never does either). Server clusters are in `clusters`: a cluster's HbaList
and MappingList hold its members' (inferred), a member's MappingList its cluster's paths
through it.
"""

from __future__ import annotations

from .model import Ctx
from .routing import route
from .seed import hba_doc
from .wire import Body, Doc, bad_request, parse_bool, ref_of

PORT_TYPES = {"iscsi": "Iscsi", "fibrechannel": "FibreChannel"}


def refresh_server(ctx: Ctx, server_id: str) -> Doc:
    """Recompute HBA-derived attributes of a server (a cluster: of its members), and of its
    cluster."""
    server = ctx.txn.edit("ScServer", server_id)
    assert server is not None
    hbas = [h for sid in ctx.hba_owners(server) for h in ctx.where("ScServerHba", server=sid)]
    server["hbaCount"] = len(hbas)
    server["hbaPresent"] = bool(hbas)
    server["portType"] = sorted({h["portType"] for h in hbas})
    server["status"] = "Up" if hbas else "Down"
    server["connectivity"] = "Up" if hbas else "Down"
    parent = server.get("parent")
    done = ctx.txn.put("ScServer", server)
    if parent is not None:
        refresh_server(ctx, parent["instanceId"])
    return done


def _check_unique_name(ctx: Ctx, ssn: int, name: str, own_id: str | None = None) -> None:
    for other in ctx.where("ScServer", scSerialNumber=ssn):
        if other["name"].casefold() == name.casefold() and other["instanceId"] != own_id:
            raise bad_request(f"A server named '{name}' already exists on Storage Center {ssn}")


@route("POST", "StorageCenter/ScPhysicalServer", 201)
def create_server(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    ssn = ctx.storage_center(body.require("StorageCenter"))
    name = ctx.check_name(body.get("Name"))
    _check_unique_name(ctx, ssn, name)
    folder = (
        ctx.resolve("ScServerFolder", body.get("ServerFolder"), "ServerFolder", ssn)
        if body.get("ServerFolder") is not None
        else ctx.find("ScServerFolder", f"{ssn}.0")
    )
    os_doc = (
        ctx.resolve("ScServerOperatingSystem", body.get("OperatingSystem"), "OperatingSystem", ssn)
        if body.get("OperatingSystem") is not None
        else ctx.find("ScServerOperatingSystem", f"{ssn}.40")
    )
    alert = parse_bool(body.get("AlertOnConnectivity", True), "AlertOnConnectivity")
    cluster = (
        ctx.resolve("ScServer", body.get("Parent"), "Parent", ssn)
        if body.get("Parent") is not None
        else None
    )
    if cluster is not None and cluster["objectType"] != "ScServerCluster":
        raise bad_request(f"Parent: '{cluster['instanceId']}' is not a server cluster")
    sid = f"{ssn}.{ctx.txn.next_id(f'{ssn}:server', start=1)}"
    server = ctx.header("ScPhysicalServer", sid, name, ssn) | {
        "name": name,
        "type": "Physical",
        "status": "Down",
        "statusMessage": "",
        "connectivity": "Down",
        "portType": [],
        "hbaPresent": False,
        "hbaCount": 0,
        "pathCount": 0,
        "volumeCount": 0,
        "mapped": False,
        "deleteAllowed": True,
        "removeHbasAllowed": True,
        "alertOnConnectivity": alert,
        "notes": body.text("Notes") or "",
        "serverFolder": ref_of(folder),
        "serverFolderIndex": int(folder["instanceId"].split(".")[1]),
        "operatingSystem": ref_of(os_doc),
    }
    if cluster is not None:  # puppet's `Parent` (inferred: as AddToCluster)
        index = int(cluster["instanceId"].split(".")[1])
        server |= {"parent": ref_of(cluster), "parentIndex": index}
    ctx.txn.put("ScServer", server)
    return ctx.render(server)


@route("POST", "StorageCenter/ScPhysicalServer/{id}/AddHba")
def add_hba(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    server = ctx.find("ScServer", p["id"], "ScPhysicalServer")
    if server["objectType"] != "ScPhysicalServer":
        raise bad_request(f"Server '{p['id']}' is not a physical server")
    ssn = server["scSerialNumber"]
    port_type = PORT_TYPES.get(str(body.require("HbaPortType")).lower())
    if port_type is None:
        raise bad_request("HbaPortType must be 'Iscsi' or 'FibreChannel'")
    name = body.text("WwnOrIscsiName", required=True) or ""
    name = name.strip().lower()
    if not name:
        raise bad_request("WwnOrIscsiName must not be empty")
    if port_type == "FibreChannel" and (
        len(name) != 16 or any(c not in "0123456789abcdef" for c in name)
    ):
        raise bad_request(f"WwnOrIscsiName '{name}' is not a 16-hex-digit WWN")
    if port_type == "Iscsi" and not name.startswith(("iqn.", "eui.")):
        raise bad_request(f"WwnOrIscsiName '{name}' is not an iSCSI name (iqn. or eui.)")
    existing = [
        h for h in ctx.where("ScServerHba", scSerialNumber=ssn) if h["instanceName"] == name
    ]
    if existing:
        hba = dict(existing[0])
        owner = hba.get("server")
        if owner is not None and owner["instanceId"] != server["instanceId"]:
            raise bad_request(f"HBA '{name}' already belongs to server '{owner['instanceId']}'")
        hba["server"] = ref_of(server)
        hba["portType"] = port_type
    else:
        hba = hba_doc(ctx, ssn, name, port_type, server)
    ctx.txn.put("ScServerHba", hba)
    refresh_server(ctx, server["instanceId"])
    ctx.repath(server["instanceId"])
    return ctx.render(hba)


def _update_server(ctx: Ctx, oid: str, body: Body) -> Doc:
    server = ctx.find_to_edit("ScServer", oid)
    ssn = server["scSerialNumber"]
    if server["objectType"] not in ("ScPhysicalServer", "ScServerCluster"):
        raise bad_request(f"Server '{oid}' cannot be modified")
    if body.has("Name"):
        name = ctx.check_name(body.get("Name"))
        _check_unique_name(ctx, ssn, name, server["instanceId"])
        server["name"] = server["instanceName"] = name
    if body.has("Notes"):
        server["notes"] = body.text("Notes") or ""
    if body.has("OperatingSystem"):
        os_doc = ctx.resolve(
            "ScServerOperatingSystem", body.get("OperatingSystem"), "OperatingSystem", ssn
        )
        server["operatingSystem"] = ref_of(os_doc)
    if body.has("ServerFolder"):
        folder = ctx.resolve("ScServerFolder", body.get("ServerFolder"), "ServerFolder", ssn)
        server["serverFolder"] = ref_of(folder)
        server["serverFolderIndex"] = int(folder["instanceId"].split(".")[1])
    if body.has("AlertOnConnectivity"):
        server["alertOnConnectivity"] = parse_bool(
            body.get("AlertOnConnectivity"), "AlertOnConnectivity"
        )
    return ctx.render(ctx.txn.put("ScServer", server))


@route("PUT", "StorageCenter/ScPhysicalServer/{id}")
def update_physical_server(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return _update_server(ctx, p["id"], body)


@route("PUT", "StorageCenter/ScServer/{id}")
def update_server(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    return _update_server(ctx, p["id"], body)


@route("POST", "StorageCenter/ScPhysicalServer/{id}/RemoveHba")
def remove_hba(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    """Detach an initiator; like a deleted server's, the HBA object stays, without `server`."""
    server = ctx.find("ScServer", p["id"], "ScPhysicalServer")
    hba = ctx.resolve("ScServerHba", body.require("ServerHba"), "ServerHba")
    owner = hba.get("server")
    if owner is None or owner["instanceId"] != server["instanceId"]:
        raise bad_request(
            f"HBA '{hba['instanceName']}' does not belong to server '{server['instanceId']}'"
        )
    detached = dict(hba)
    del detached["server"]
    ctx.txn.put("ScServerHba", detached)
    refresh_server(ctx, server["instanceId"])
    ctx.repath(server["instanceId"])
    return ctx.render(server)


@route("DELETE", "StorageCenter/ScServer/{id}")
def delete_server(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    server = ctx.find("ScServer", p["id"])
    sid = server["instanceId"]
    if not server["deleteAllowed"]:
        raise bad_request(f"Server '{sid}' cannot be deleted")
    if ctx.where("ScMappingProfile", server=sid):
        raise bad_request(f"Server '{sid}' has mapped volumes; unmap them first")
    for hba in ctx.where("ScServerHba", server=sid):
        detached = dict(hba)
        del detached["server"]
        ctx.txn.put("ScServerHba", detached)
    for member in ctx.cluster_members(sid):  # a deleted cluster releases its servers (inferred)
        released = {k: v for k, v in member.items() if k not in ("parent", "parentIndex")}
        ctx.txn.put("ScServer", released)
    parent = server.get("parent")
    ctx.txn.delete("ScServer", sid)
    if parent is not None:  # a member: the cluster's mappings lose its paths
        ctx.repath(parent["instanceId"])
        refresh_server(ctx, parent["instanceId"])
    return {"result": True}


@route("GET", "StorageCenter/ScServer/{id}/HbaList")
def hba_list(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    server = ctx.find("ScServer", p["id"])
    hbas = [h for sid in ctx.hba_owners(server) for h in ctx.where("ScServerHba", server=sid)]
    return ctx.render_all(hbas)


@route("GET", "StorageCenter/ScServer/{id}/MappingList")
def server_mappings(ctx: Ctx, p: dict[str, str], body: Body) -> list[Doc]:
    sid = ctx.find("ScServer", p["id"])["instanceId"]
    profiles = {p["instanceId"] for p in ctx.where("ScMappingProfile", server=sid)}
    rows = [
        m
        for m in ctx.txn.all("ScMapping")
        if m["server"]["instanceId"] == sid or m["profile"]["instanceId"] in profiles
    ]
    return ctx.render_all(rows)
