"""One Storage Center as a failover, failback or refresh of a replication plan sees it: its
volumes, their mappings and replications, and which servers own which initiators; the steps
that change a volume keep its facts here up to date.

How the facts of the plan's K volumes are read follows their cost (issue 20: a plan's cost
follows the configuration, not the array). With `count` = K, a Site reads its volumes,
mappings and replications

- in bulk, one GetList of each kind for the whole SC when first needed, when K single reads
  would cost at least as much as those lists: K >= `cache.reads_before_listing(M)` for an SC
  of M volumes (as its storage profiles count them), i.e. always on an SC of at most 2,000
  volumes, and from K >= M / 200 on a larger one (a bulk list of 200 objects costs a DSM
  about one single read). A failover or failback of many volumes so reads each SC a handful
  of times, not K times;
- else by volume, each once (`GET ScVolume/{id}`, its `MappingProfileList`, its
  `ReplicationSourceList`): O(K) requests and memory on an SC of 8,000 volumes. The caller
  reads its volumes concurrently (`bounded.each`).

The initiators (HBAs) are listed whole either way: an SC has as many as its servers have
ports, not as many as it has volumes, and one list answers every host match.

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

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from dellsc.sc import errors
from dellsc.sc.cache import reads_before_listing

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScMappingProfile, ScReplication, ScVolume

log = logging.getLogger("dellsc.resources.dr_sites")
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


def lists_whole(client: ScClient, ssn: int, count: int | None) -> bool:
    """Whether work over `count` volumes of SC `ssn` reads it in bulk (None: as many as it
    holds); see the module's docstring."""
    if count is None:
        return True
    try:
        size = client.for_ssn(ssn).volume_count()
    except errors.ScError as exc:  # an estimate only: without it, the unknown-size threshold
        if client.down_error(exc, ssn):  # one failing list of each kind, not a failing read each
            return True
        log.debug("volume count of Storage Center %s unknown", ssn, exc_info=True)
        size = None
    return count >= reads_before_listing(size)


class Site:
    """The facts of SC `ssn` for work over `count` volumes (None: many), read in bulk or by
    volume (see the module's docstring); safe to share between threads."""

    def __init__(self, client: ScClient, ssn: int, count: int | None = None) -> None:
        self.client = client
        self.ssn = ssn
        self.count = count
        self._whole: bool | None = None
        self._lock = threading.Lock()  # the facts below
        self._loading: dict[str, threading.Lock] = {}  # one per kind: kinds load at once
        self._volumes: dict[str, ScVolume | None] | None = None
        self._mappings: dict[str, list[ScMappingProfile]] | None = None
        self._owners: dict[str, Host] | None = None
        self._clusters: dict[str, Host] | None = None
        self._replications: dict[str, list[ScReplication]] | None = None
        self._failed: dict[str, errors.ScError] = {}

    def _load(self, attribute: str, fetch: Callable[[], T]) -> T:
        """One bulk read per kind; a read that failed fails again without a request."""
        with self._lock:
            loading = self._loading.setdefault(attribute, threading.Lock())
        with loading:
            with self._lock:
                failed = self._failed.get(attribute)
                if failed is not None:
                    raise failed
                value = getattr(self, attribute)
            if value is None:
                try:
                    value = fetch()
                except errors.ScError as exc:
                    with self._lock:
                        self._failed[attribute] = exc
                    raise
                with self._lock:
                    setattr(self, attribute, value)
            return value  # type: ignore[no-any-return]

    @property
    def whole(self) -> bool:
        """Whether this SC's volumes, mappings and replications are listed in bulk."""
        with self._lock:
            loading = self._loading.setdefault("_whole", threading.Lock())
        with loading:
            if self._whole is None:
                self._whole = lists_whole(self.client, self.ssn, self.count)
            return self._whole

    def _keyed(
        self,
        attribute: str,
        key: str,
        listing: Callable[[], dict[str, T]],
        one: Callable[[str], T],
        default: T,
    ) -> T:
        """The fact of one volume: from the bulk list of its kind, or read alone once."""
        if self.whole:
            return self._load(attribute, listing).get(key, default)
        with self._lock:
            known = getattr(self, attribute)
            if known is not None and key in known:
                return known[key]  # type: ignore[no-any-return]
        value = one(key)
        with self._lock:
            known = getattr(self, attribute)
            if known is None:
                known = {}
                setattr(self, attribute, known)
            return known.setdefault(key, value)  # type: ignore[no-any-return]

    def prefetch(
        self, *, mappings: bool = True, replications: bool = False
    ) -> list[Callable[[], object]]:
        """The bulk reads of this SC (its volumes, and as asked its mappings and its
        replications), to be run at once before any step changes the array: none when it is
        read by volume."""
        if not self.whole:
            return []
        reads: list[Callable[[], object]] = [lambda: self.volume("")]
        if mappings:
            reads.append(lambda: self.mappings(""))
        if replications:
            reads.append(lambda: self.replications(""))
        return reads

    # -- volumes -------------------------------------------------------------------------

    def volume(self, volume_id: str | None) -> ScVolume | None:
        if volume_id is None:
            return None

        def one(key: str) -> ScVolume | None:
            try:
                return self.client.get_volume(key)
            except errors.ScNotFound:  # gone, or in the recycle bin
                return None

        def listing() -> dict[str, ScVolume | None]:
            return {v.instance_id: v for v in self.client.volumes_of(self.ssn)}

        return self._keyed("_volumes", volume_id, listing, one, None)

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

        none: list[ScMappingProfile] = []
        found = self._keyed(
            "_mappings", volume_id, fetch, self.client.volume_mapping_profiles, none
        )
        return list(found)

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

        none: list[ScReplication] = []
        found = self._keyed(
            "_replications", volume_id, fetch, self.client.volume_replications, none
        )
        return list(found)

    def replication_to(self, volume_id: str, ssn: int) -> ScReplication | None:
        for replication in self.replications(volume_id):
            if replication.destination_sc_serial_number == ssn:
                return replication
        return None
