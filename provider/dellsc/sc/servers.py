"""Servers, HBAs and volume-to-server mappings (§4.6, §4.7)."""

from __future__ import annotations

from typing import Any

from .base import DEFAULT_NOTES, ClientCore
from .errors import ScApiError, ScNotFound, ScValidationError
from .models import (
    ScMapping,
    ScMappingProfile,
    ScServer,
    ScServerHba,
    ScServerOperatingSystem,
)
from .units import ssn_of
from .validation import check_id, check_name

PORT_TYPES = {"iscsi": "Iscsi", "fibrechannel": "FibreChannel"}


class ServersMixin(ClientCore):
    # -- servers -------------------------------------------------------------------------------

    def servers(self) -> list[ScServer]:
        return self._query(ScServer, "ScServer", scSerialNumber=self.ssn)

    def get_server(self, instance_id: str) -> ScServer:
        check_id(instance_id, "server id")
        return self._get(ScServer, f"StorageCenter/ScServer/{instance_id}")

    def server_hbas(self, instance_id: str) -> list[ScServerHba]:
        check_id(instance_id, "server id")
        return self._get_list(ScServerHba, f"StorageCenter/ScServer/{instance_id}/HbaList")

    def server_mappings(self, instance_id: str) -> list[ScMapping]:
        check_id(instance_id, "server id")
        return self._get_list(ScMapping, f"StorageCenter/ScServer/{instance_id}/MappingList")

    def find_server_by_initiator(self, wwn_or_iqn: str, ssn: int | None = None) -> ScServer | None:
        """The server owning an initiator (WWN or IQN) on SC `ssn` (default: this one), or
        None; HBAs can outlive servers."""
        if not wwn_or_iqn.strip():
            raise ScValidationError("initiator must not be empty")
        serial = self.ssn if ssn is None else int(ssn)
        hbas = self._query(
            ScServerHba, "ScServerHba", scSerialNumber=serial, instanceName=wwn_or_iqn.upper()
        )
        for hba in hbas:
            if hba.instance_name.casefold() == wwn_or_iqn.casefold() and hba.server is not None:
                found = self._query(
                    ScServer, "ScServer", scSerialNumber=serial, instanceId=hba.server.instance_id
                )
                if found:
                    return found[0]
        return None

    def operating_systems(self) -> list[ScServerOperatingSystem]:
        return self._query(
            ScServerOperatingSystem, "ScServerOperatingSystem", scSerialNumber=self.ssn
        )

    def create_server(
        self,
        name: str,
        *,
        os_name: str | None = None,
        folder_id: str | None = None,
        notes: str | None = None,
    ) -> ScServer:
        """Create a physical server; `os_name` is matched case-insensitively (ScNotFound lists
        the available ones)."""
        check_name(name, "server name")
        body: dict[str, Any] = {
            "Name": name,
            "StorageCenter": self.ssn,
            "Notes": DEFAULT_NOTES if notes is None else notes,
            "AlertOnConnectivity": False,
        }
        if os_name is not None:
            systems = self.operating_systems()
            match = [o for o in systems if o.name.casefold() == os_name.casefold()]
            if not match:
                choices = ", ".join(sorted(o.name for o in systems)) or "none"
                raise ScNotFound(
                    404,
                    f"operating system {os_name!r} not found; available: {choices}",
                    "POST",
                    "StorageCenter/ScServerOperatingSystem/GetList",
                )
            body["OperatingSystem"] = match[0].instance_id
        if folder_id is not None:
            body["ServerFolder"] = check_id(folder_id, "server folder id")
        return self._create(ScServer, "StorageCenter/ScPhysicalServer", body)

    def add_hba(self, server_id: str, port_type: str, initiator: str) -> None:
        """Add an initiator to a server; `port_type` is `Iscsi` or `FibreChannel`."""
        check_id(server_id, "server id")
        kind = PORT_TYPES.get(port_type.replace(" ", "").casefold())
        if kind is None:
            raise ScValidationError(f"port_type must be Iscsi or FibreChannel, got {port_type!r}")
        if not initiator.strip():
            raise ScValidationError("initiator must not be empty")
        body = {"HbaPortType": kind, "WwnOrIscsiName": initiator, "AllowManual": True}
        self._write("POST", f"StorageCenter/ScPhysicalServer/{server_id}/AddHba", body)

    def delete_server(self, instance_id: str) -> None:
        check_id(instance_id, "server id")
        self._write_existing("DELETE", f"StorageCenter/ScServer/{instance_id}")

    # -- mappings ------------------------------------------------------------------------------

    def map_volume(self, volume_id: str, server_id: str) -> ScMappingProfile:
        """Map a volume to a server; an existing mapping profile for that server is reused."""
        check_id(volume_id, "volume id")
        check_id(server_id, "server id")
        for profile in self.volume_mapping_profiles(volume_id):
            if profile.server and profile.server.instance_id == server_id:
                return profile
        path = f"StorageCenter/ScVolume/{volume_id}/MapToServer"
        body = {"server": server_id, "Advanced": {"MapToDownServerHbas": True}}
        return self._create(ScMappingProfile, path, body)

    def volume_mapping_profiles(self, instance_id: str) -> list[ScMappingProfile]:
        check_id(instance_id, "volume id")
        return self._get_list(
            ScMappingProfile, f"StorageCenter/ScVolume/{instance_id}/MappingProfileList"
        )

    def unmap_volume(self, volume_id: str, server_id: str) -> None:
        """Remove every mapping profile of the volume to that server (none: nothing to do)."""
        check_id(volume_id, "volume id")
        check_id(server_id, "server id")
        for profile in self.volume_mapping_profiles(volume_id):
            if profile.server and profile.server.instance_id == server_id:
                self._delete_mapping_profile(profile.instance_id)

    def _delete_mapping_profile(self, profile_id: str) -> None:
        path = f"StorageCenter/ScMappingProfile/{profile_id}"
        result = self._write("DELETE", path)
        ok = result is True or (isinstance(result, dict) and bool(result.get("result")))
        if not ok:  # the API reports success only as true / {"result": true} (§2.5)
            raise ScApiError(
                200, f"unmap not confirmed by the array (reply {result!r})", "DELETE", path
            )

    def unmap_all(self, volume_id: str) -> None:
        """Remove every mapping of the volume."""
        check_id(volume_id, "volume id")
        self._write("POST", f"StorageCenter/ScVolume/{volume_id}/Unmap", {})

    def volume_initiators(self, volume_id: str) -> list[str]:
        """Initiators (WWNs, IQNs) of the hosts a volume is mapped to; replication links to
        other Storage Centers are not hosts."""
        initiators: set[str] = set()
        for profile in self.volume_mapping_profiles(volume_id):
            server = profile.server
            if server is None or server.object_type == "ScRemoteStorageCenter":
                continue
            initiators.update(h.instance_name for h in self.server_hbas(server.instance_id))
        return sorted(initiators)

    def map_to_initiators(self, volume_id: str, initiators: list[str]) -> list[str]:
        """Map a volume to the servers of its SC that own these initiators; the server ids."""
        ssn = ssn_of(check_id(volume_id, "volume id"))
        servers: list[str] = []
        for initiator in initiators:
            server = self.find_server_by_initiator(initiator, ssn)
            if server is not None and server.instance_id not in servers:
                self.map_volume(volume_id, server.instance_id)
                servers.append(server.instance_id)
        return servers

    def volume_mappings(self, volume_id: str) -> list[ScMapping]:
        """Per-path mappings of the volume (none when the volume is not active)."""
        check_id(volume_id, "volume id")
        return self._get_list(ScMapping, f"StorageCenter/ScVolume/{volume_id}/MappingList")
