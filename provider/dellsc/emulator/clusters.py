"""Server clusters (`ScServerCluster`): a server that stands for its member physical servers.

Corroborated by DSM's other clients (reference §9.1a): `POST StorageCenter/ScServerCluster`
with `Name`, `StorageCenter`, `Notes`, `OperatingSystem` (CoprHD) and `ServerFolder` (puppet);
`POST StorageCenter/ScPhysicalServer/{id}/AddToCluster {"Parent": <cluster id>}` (CoprHD),
after which the member's `parent` names the cluster (CoprHD reads it); clusters are listed
among the servers with `objectType` `ScServerCluster` (SK-CERT) and deleted as servers
(puppet); mapping a volume to the cluster presents it to every member. Inferred (no public
client shows it): `type` `Cluster`; `PUT StorageCenter/ScServerCluster/{id}`; that
AddToCluster moves a server out of another cluster and refuses one whose own mappings use a
LUN the cluster's use; the mapping shapes (one profile for the cluster, one path per member
HBA x port, each path's `server` the member). No call takes a server out of a cluster.
"""

from __future__ import annotations

from .model import Ctx
from .routing import route
from .servers import _update_server, create_server, refresh_server
from .wire import Body, Doc, bad_request, ref_of


@route("POST", "StorageCenter/ScServerCluster", 201)
def create_cluster(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    """Made as a physical server is (name, folder, operating system, notes), then typed."""
    if body.get("Parent") is not None:
        raise bad_request("Parent: a server cluster cannot be in a cluster")
    made = create_server(ctx, p, body)
    cluster = ctx.txn.edit("ScServer", made["instanceId"])
    assert cluster is not None
    cluster |= {"objectType": "ScServerCluster", "type": "Cluster", "removeHbasAllowed": False}
    return ctx.render(ctx.txn.put("ScServer", cluster))


@route("PUT", "StorageCenter/ScServerCluster/{id}")
def update_cluster(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    if ctx.find("ScServer", p["id"])["objectType"] != "ScServerCluster":
        raise bad_request(f"Server '{p['id']}' is not a server cluster")
    return _update_server(ctx, p["id"], body)


@route("POST", "StorageCenter/ScPhysicalServer/{id}/AddToCluster")
def add_to_cluster(ctx: Ctx, p: dict[str, str], body: Body) -> Doc:
    server = ctx.find_to_edit("ScServer", p["id"])
    if server["objectType"] != "ScPhysicalServer":
        raise bad_request(f"Server '{p['id']}' is not a physical server")
    ssn = server["scSerialNumber"]
    cluster = ctx.resolve("ScServer", body.require("Parent"), "Parent", ssn)
    cid = cluster["instanceId"]
    if cluster["objectType"] != "ScServerCluster":
        raise bad_request(f"Parent: '{cid}' is not a server cluster")
    previous = server.get("parent")
    if previous is not None and previous["instanceId"] == cid:
        return ctx.render(server)
    own = ctx.where("ScMappingProfile", server=p["id"])
    for profile in ctx.where("ScMappingProfile", server=cid):
        for mine in own:
            what = profile["volume"]["instanceName"]
            if mine["volume"]["instanceId"] == profile["volume"]["instanceId"]:
                raise bad_request(
                    f"Server '{server['name']}' cannot join cluster '{cluster['name']}': "
                    f"volume '{what}' is mapped to both"
                )
            if set(mine["lunUsed"]) & set(profile["lunUsed"]):
                raise bad_request(
                    f"Server '{server['name']}' cannot join cluster '{cluster['name']}': its "
                    f"volume '{mine['volume']['instanceName']}' uses LUN "
                    f"{mine['lunUsed'][0]}, at which the cluster presents '{what}'"
                )
    server |= {"parent": ref_of(cluster), "parentIndex": int(cid.split(".")[1])}
    ctx.txn.put("ScServer", server)
    ctx.repath(cid)
    refresh_server(ctx, cid)
    if previous is not None:  # moved out of another cluster
        ctx.repath(previous["instanceId"])
        refresh_server(ctx, previous["instanceId"])
    return ctx.render(ctx.find("ScServer", server["instanceId"]))
