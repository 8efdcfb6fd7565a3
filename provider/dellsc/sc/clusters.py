"""Server clusters (`ScServerCluster`): one server object standing for its member servers.

Corroborated by DSM's other clients (reference §9.1a): `POST StorageCenter/ScServerCluster`
(`Name`, `StorageCenter`, `Notes`, `OperatingSystem`, `ServerFolder`), `POST
StorageCenter/ScPhysicalServer/{id}/AddToCluster {"Parent": <cluster id>}`, a member's
`parent` reference, clusters listed among servers with `objectType` `ScServerCluster`,
deleted as servers. Inferred: `PUT StorageCenter/ScServerCluster/{id}` (the pattern of
physical servers). No public call takes a server out of a cluster, so there is none here.
Members are read from the server list (`parent`), never from a cluster sub-list whose shape
no client shows.
"""

from __future__ import annotations

from typing import Any

from .models import ScMappingProfile, ScServer
from .notes import DEFAULT_NOTES
from .servers import ServersMixin
from .validation import check_id, check_name

CLUSTER_OBJECT_TYPE = "ScServerCluster"


def is_cluster(server: ScServer) -> bool:
    """A server cluster (SK-CERT tells them apart by `objectType`; `type` is lenient)."""
    return server.object_type == CLUSTER_OBJECT_TYPE or server.type.casefold() == "cluster"


class ClustersMixin(ServersMixin):
    def find_clusters(self, name: str) -> list[ScServer]:
        """Server clusters of this SC named `name` (case-insensitively)."""
        return [s for s in self.find_servers(name) if is_cluster(s)]

    def create_server_cluster(
        self,
        name: str,
        *,
        os_id: str | None = None,
        folder_id: str | None = None,
        notes: str | None = None,
    ) -> ScServer:
        check_name(name, "server cluster name")
        body: dict[str, Any] = {
            "Name": name,
            "StorageCenter": self.ssn,
            "Notes": DEFAULT_NOTES if notes is None else notes,
        }
        if os_id is not None:
            body["OperatingSystem"] = check_id(os_id, "operating system id")
        if folder_id is not None:
            body["ServerFolder"] = check_id(folder_id, "server folder id")
        return self._create(ScServer, "StorageCenter/ScServerCluster", body)

    def update_server_cluster(
        self,
        instance_id: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        os_id: str | None = None,
        folder_id: str | None = None,
    ) -> ScServer:
        """Rename, re-note, retype and/or move a cluster."""
        return self.update_server(
            instance_id, name=name, notes=notes, os_id=os_id, folder_id=folder_id,
            kind="ScServerCluster",
        )  # fmt: skip

    def add_to_cluster(self, server_id: str, cluster_id: str) -> None:
        """Put a physical server under a cluster: it sees the cluster's volumes."""
        check_id(server_id, "server id")
        body = {"Parent": check_id(cluster_id, "server cluster id")}
        self._write("POST", f"StorageCenter/ScPhysicalServer/{server_id}/AddToCluster", body)

    def cluster_members(self, cluster_id: str) -> list[ScServer]:
        """The servers whose `parent` is this cluster, by instance id."""
        check_id(cluster_id, "server cluster id")
        members = [s for s in self.servers() if s.parent and s.parent.instance_id == cluster_id]
        return sorted(members, key=lambda s: s.instance_id)

    def profiles_presented_with(self, server: ScServer) -> list[ScMappingProfile]:
        """The mapping profiles whose volumes this server sees, or whose LUNs it shares: its
        own, and those of its cluster (a member) or of its members (a cluster)."""
        related = [server.instance_id]
        if is_cluster(server):
            related += [m.instance_id for m in self.cluster_members(server.instance_id)]
        elif server.parent is not None:
            related.append(server.parent.instance_id)
        return [p for sid in related for p in self.server_mapping_profiles(sid)]
