"""Whole-Storage-Center listings, one GetList each, for work over many objects at once
(a failover or failback of many volumes reads each SC once instead of once per volume), and
the single writes such work sends once it knows the state of each object."""

from __future__ import annotations

from .base import ClientCore
from .models import ScMappingProfile, ScReplication, ScServer, ScServerHba, ScVolume
from .units import GIB, format_gb
from .validation import check_id


class BulkMixin(ClientCore):
    def managed_serials(self) -> list[int]:
        """The SCs the DSM manages."""
        return self._managed_serials()

    def reachability(self) -> dict[int, bool]:
        """Whether the DSM reaches each SC it manages (one request for all)."""
        return {
            sc.sc_serial_number: sc.connected and sc.status.casefold() != "down"
            for sc in self.storage_centers()
        }

    def volumes_of(self, ssn: int) -> list[ScVolume]:
        """Every volume of SC `ssn` outside the recycle bin."""
        found = self._query(ScVolume, "ScVolume", scSerialNumber=int(ssn))
        return [v for v in found if not v.in_recycle_bin]

    def mapping_profiles_of(self, ssn: int) -> list[ScMappingProfile]:
        """Every mapping profile (volume to server) of SC `ssn`."""
        return self._query(ScMappingProfile, "ScMappingProfile", scSerialNumber=int(ssn))

    def hbas_of(self, ssn: int) -> list[ScServerHba]:
        """Every initiator (HBA) SC `ssn` knows, with the server owning it."""
        return self._query(ScServerHba, "ScServerHba", scSerialNumber=int(ssn))

    def servers_of(self, ssn: int) -> list[ScServer]:
        return self._query(ScServer, "ScServer", scSerialNumber=int(ssn))

    def replications_of(self, ssn: int) -> list[ScReplication]:
        """Every replication whose source is on SC `ssn`."""
        return self._query(ScReplication, "ScReplication", scSerialNumber=int(ssn))

    def map_to_server(self, volume_id: str, server_id: str) -> ScMappingProfile | None:
        """`MapToServer` without looking for an existing mapping first: for a caller that
        has just read the volume's mappings (the array answers an existing pair with it)."""
        check_id(volume_id, "volume id")
        body = {"server": check_id(server_id, "server id"),
                "Advanced": {"MapToDownServerHbas": True}}  # fmt: skip
        path = f"StorageCenter/ScVolume/{volume_id}/MapToServer"
        return self._write_one(ScMappingProfile, "POST", path, body)

    def snapshot_active(self, volume_id: str, description: str, expire_minutes: int) -> None:
        """`CreateReplay` of a volume known to be active (no read to check it first)."""
        check_id(volume_id, "volume id")
        body = {"description": description, "expireTime": expire_minutes}
        self._write("POST", f"StorageCenter/ScVolume/{volume_id}/CreateReplay", body)

    def grow_to(self, volume_id: str, size_bytes: int) -> None:
        """Grow a volume to exactly `size_bytes` (whole GiB as `N GB`, as the driver sends
        sizes; anything else in bytes)."""
        check_id(volume_id, "volume id")
        size = format_gb(size_bytes // GIB) if size_bytes % GIB == 0 else f"{size_bytes} Bytes"
        self._write("POST", f"StorageCenter/ScVolume/{volume_id}/ExpandToSize", {"NewSize": size})
