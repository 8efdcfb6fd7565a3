"""One Storage Center as a failover, failback or refresh of a replication plan sees it: its
volumes, their mappings and replications, and which servers own which initiators. Each is
read with one bulk GetList when first needed, so work over N volumes reads an SC a handful of
times, not N times; the steps that change a volume keep its facts here up to date.

Hosts are matched by initiator: the copy of a volume serves the servers of its SC that own an
initiator the volume served. `hosts_for` is the one place that decides it, by this rule: an
owning server that is a member of a server cluster is served through its cluster (one mapping,
one LUN on every member, once however many members own an initiator); an owning server in no
cluster is served itself. So a volume mapped to a cluster fails over to the standby cluster
whose members own the same initiators, and back; a volume mapped to standalone servers whose
standbys are members of one cluster is mapped to that cluster (which presents it to every
member, also one that served nothing before). The initiators a volume serves (`initiators`)
are those of the servers it is mapped to, a cluster's being those of its members. Cluster
membership is read from the SC's server list (each member's `parent`), one GetList when first
needed: by `hosts_for` when an initiator has an owner, by `initiators` when a mapped server
owns no initiator itself (a cluster).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScMappingProfile, ScReplication, ScVolume

REMOTE_SC = "ScRemoteStorageCenter"  # the server object a replication maps its destination to
T = TypeVar("T")


@dataclass(frozen=True)
class Host:
    """A server that a copy (or a volume on failback) is mapped to."""

    server_id: str
    name: str
    cluster: bool = False

    def __str__(self) -> str:
        kind = "server cluster " if self.cluster else ""
        return f"{kind}{self.name!r} ({self.server_id})"


class Site:
    """The facts of SC `ssn`, read in bulk on first use; safe to share between threads."""

    def __init__(self, client: ScClient, ssn: int) -> None:
        self.client = client
        self.ssn = ssn
        self._lock = threading.Lock()
        self._volumes: dict[str, ScVolume] | None = None
        self._mappings: dict[str, list[ScMappingProfile]] | None = None
        self._owners: dict[str, Host] | None = None
        self._clusters: dict[str, Host] | None = None
        self._replications: dict[str, list[ScReplication]] | None = None
        self._failed: dict[str, errors.ScError] = {}

    def _load(self, attribute: str, fetch: Callable[[], T]) -> T:
        """One bulk read per kind; a read that failed fails again without a request."""
        with self._lock:
            failed = self._failed.get(attribute)
            if failed is not None:
                raise failed
            value = getattr(self, attribute)
            if value is None:
                try:
                    value = fetch()
                except errors.ScError as exc:
                    self._failed[attribute] = exc
                    raise
                setattr(self, attribute, value)
            return value  # type: ignore[no-any-return]

    # -- volumes -------------------------------------------------------------------------

    def volume(self, volume_id: str | None) -> ScVolume | None:
        if volume_id is None:
            return None
        found = self._load(
            "_volumes", lambda: {v.instance_id: v for v in self.client.volumes_of(self.ssn)}
        )
        return found.get(volume_id)

    def renamed(self, volume_id: str, name: str) -> None:
        volume = self.volume(volume_id)
        if volume is not None:
            with self._lock:
                assert self._volumes is not None
                self._volumes[volume_id] = volume.model_copy(update={"name": name})

    # -- mappings ------------------------------------------------------------------------

    def mappings(self, volume_id: str) -> list[ScMappingProfile]:
        def fetch() -> dict[str, list[ScMappingProfile]]:
            found: dict[str, list[ScMappingProfile]] = {}
            for profile in self.client.mapping_profiles_of(self.ssn):
                if profile.volume is not None:
                    found.setdefault(profile.volume.instance_id, []).append(profile)
            return found

        return list(self._load("_mappings", fetch).get(volume_id, []))

    def host_ids(self, volume_id: str) -> set[str]:
        """The servers (not replication links) the volume is mapped to."""
        return {
            p.server.instance_id
            for p in self.mappings(volume_id)
            if p.server is not None and p.server.object_type != REMOTE_SC
        }

    def hosts(self, volume_id: str) -> list[Host]:
        """The servers (not replication links) the volume is mapped to, with their names."""
        found = {
            Host(p.server.instance_id, p.server.instance_name)
            for p in self.mappings(volume_id)
            if p.server is not None and p.server.object_type != REMOTE_SC
        }
        return sorted(found, key=lambda h: h.server_id)

    def linked(self, volume_id: str) -> bool:
        """Whether the volume is mapped to another SC: it is a replication's destination."""
        return any(
            p.server is not None and p.server.object_type == REMOTE_SC
            for p in self.mappings(volume_id)
        )

    def unmapped(self, volume_id: str) -> None:
        """The volume lost every mapping (`Unmap`)."""
        self.mappings(volume_id)
        with self._lock:
            assert self._mappings is not None
            self._mappings[volume_id] = []

    def mapped(self, volume_id: str, profile: ScMappingProfile) -> None:
        self.mappings(volume_id)
        with self._lock:
            assert self._mappings is not None
            self._mappings.setdefault(volume_id, []).append(profile)

    # -- hosts ---------------------------------------------------------------------------

    def _owner_of(self) -> dict[str, Host]:
        def fetch() -> dict[str, Host]:
            return {
                h.instance_name.casefold(): Host(h.server.instance_id, h.server.instance_name)
                for h in self.client.hbas_of(self.ssn)
                if h.server is not None and not h.remote_storage_center
            }

        return self._load("_owners", fetch)

    def cluster_of(self, server_id: str) -> Host | None:
        """The server cluster that a server is (or is a member of); None outside clusters."""

        def fetch() -> dict[str, Host]:
            from dellsc.sc.clusters import is_cluster  # the client stack only when read

            found: dict[str, Host] = {}
            for server in self.client.servers_of(self.ssn):
                if is_cluster(server):
                    found[server.instance_id] = Host(server.instance_id, server.name, True)
                elif server.parent is not None:
                    parent = server.parent
                    found[server.instance_id] = Host(parent.instance_id, parent.instance_name, True)
            return found

        return self._load("_clusters", fetch).get(server_id)

    def initiators(self, volume_id: str) -> list[str]:
        """The initiators of the hosts the volume is mapped to (a cluster's: its members')."""
        hosts = self.host_ids(volume_id)
        if not hosts:
            return []
        owners = self._owner_of()
        if hosts - {h.server_id for h in owners.values()}:  # a cluster owns no initiator
            hosts |= {
                h.server_id
                for h in owners.values()
                if (c := self.cluster_of(h.server_id)) and c.server_id in hosts
            }
        return sorted(i for i, host in owners.items() if host.server_id in hosts)

    def hosts_for(self, initiators: list[str]) -> list[Host]:
        """The servers of this SC owning any of the initiators, each once, those in a
        cluster through their cluster."""
        owners = self._owner_of()
        found = {owners[i.casefold()] for i in initiators if i.casefold() in owners}
        served = {self.cluster_of(h.server_id) or h for h in found}
        return sorted(served, key=lambda h: h.server_id)

    # -- replications ----------------------------------------------------------------------

    def replications(self, volume_id: str) -> list[ScReplication]:
        """The replications with the volume as source."""

        def fetch() -> dict[str, list[ScReplication]]:
            found: dict[str, list[ScReplication]] = {}
            for replication in self.client.replications_of(self.ssn):
                if replication.source_volume is not None:
                    found.setdefault(replication.source_volume.instance_id, []).append(replication)
            return found

        return list(self._load("_replications", fetch).get(volume_id, []))

    def replication_to(self, volume_id: str, ssn: int) -> ScReplication | None:
        for replication in self.replications(volume_id):
            if replication.destination_sc_serial_number == ssn:
                return replication
        return None
