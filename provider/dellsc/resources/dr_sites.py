"""One Storage Center as a failover, failback or refresh of a replication plan sees it: its
volumes, their mappings and replications, and which servers own which initiators. Each is
read with one bulk GetList when first needed, so work over N volumes reads an SC a handful of
times, not N times; the steps that change a volume keep its facts here up to date.

Hosts are matched by initiator: the copy of a volume serves the servers of its SC that own an
initiator the volume served. `hosts_for` is the one place that decides it; a cluster server
(whose member servers own the initiators) would be chosen there, by grouping the owners by the
cluster they belong to, once servers can be clusters.
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

    def __str__(self) -> str:
        return f"{self.name!r} ({self.server_id})"


class Site:
    """The facts of SC `ssn`, read in bulk on first use; safe to share between threads."""

    def __init__(self, client: ScClient, ssn: int) -> None:
        self.client = client
        self.ssn = ssn
        self._lock = threading.Lock()
        self._volumes: dict[str, ScVolume] | None = None
        self._mappings: dict[str, list[ScMappingProfile]] | None = None
        self._owners: dict[str, Host] | None = None
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

    def initiators(self, volume_id: str) -> list[str]:
        """The initiators of the hosts the volume is mapped to."""
        hosts = self.host_ids(volume_id)
        if not hosts:
            return []
        return sorted(i for i, host in self._owner_of().items() if host.server_id in hosts)

    def hosts_for(self, initiators: list[str]) -> list[Host]:
        """The servers of this SC owning any of the initiators, each once."""
        owners = self._owner_of()
        found = {owners[i.casefold()] for i in initiators if i.casefold() in owners}
        return sorted(found, key=lambda h: h.server_id)

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
