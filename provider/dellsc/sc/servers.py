"""Servers, HBAs and volume-to-server mappings (§4.6, §4.7).

Beyond the driver: servers are renamed / moved / retyped with `PUT ScPhysicalServer/{id}` and
lose initiators with `POST ScPhysicalServer/{id}/RemoveHba {"ServerHba": id}`; a mapping can
ask for a LUN with `Advanced.PreferredLun` (as DSM's other REST clients do).
"""

from __future__ import annotations

from typing import Any

from .base import ClientCore
from .errors import ScApiError, ScNotFound, ScValidationError
from .models import (
    ScMapping,
    ScMappingProfile,
    ScServer,
    ScServerHba,
    ScServerOperatingSystem,
)
from .notes import DEFAULT_NOTES
from .units import ssn_of
from .validation import check_id, check_name

PORT_TYPES = {"iscsi": "Iscsi", "fibrechannel": "FibreChannel"}


class ServersMixin(ClientCore):
    # -- servers -------------------------------------------------------------------------------

    def servers(self) -> list[ScServer]:
        return self._query(ScServer, "ScServer", scSerialNumber=self.ssn)

    def find_servers(self, name: str) -> list[ScServer]:
        """Servers of this SC named `name` (case-insensitively, as the array keeps them unique)."""
        check_name(name, "server name")
        found = self._query(ScServer, "ScServer", scSerialNumber=self.ssn, Name=name)
        return [s for s in found if s.name.casefold() == name.casefold()]

    def get_server(self, instance_id: str) -> ScServer:
        """The server; ScNotFound if it does not exist, ScUnavailable if its Storage Center
        is down."""
        check_id(instance_id, "server id")
        try:
            return self._get(ScServer, f"StorageCenter/ScServer/{instance_id}")
        except ScNotFound:
            raise
        except ScApiError as exc:
            raise self._unavailable(exc, ssn_of(instance_id)) from exc

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

    def update_server(
        self,
        instance_id: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        os_id: str | None = None,
        folder_id: str | None = None,
        kind: str = "ScPhysicalServer",
    ) -> ScServer:
        """Rename, re-note, retype (operating system) and/or move a physical server (or,
        with `kind`, a server cluster)."""
        check_id(instance_id, "server id")
        body: dict[str, Any] = {}
        if name is not None:
            body["Name"] = check_name(name, "server name")
        if notes is not None:
            body["Notes"] = notes
        if os_id is not None:
            body["OperatingSystem"] = check_id(os_id, "operating system id")
        if folder_id is not None:
            body["ServerFolder"] = check_id(folder_id, "server folder id")
        path = f"StorageCenter/{kind}/{instance_id}"
        server = self._write_one(ScServer, "PUT", path, body) if body else None
        return server or self.get_server(instance_id)

    def remove_hba(self, server_id: str, hba_id: str) -> None:
        """Detach an initiator from a server (the array keeps the HBA object, unowned)."""
        check_id(server_id, "server id")
        body = {"ServerHba": check_id(hba_id, "server HBA id")}
        self._write("POST", f"StorageCenter/ScPhysicalServer/{server_id}/RemoveHba", body)

    def delete_server(self, instance_id: str) -> None:
        check_id(instance_id, "server id")
        self._write_existing("DELETE", f"StorageCenter/ScServer/{instance_id}")

    # -- mappings ------------------------------------------------------------------------------

    def map_volume(
        self, volume_id: str, server_id: str, lun: int | None = None
    ) -> ScMappingProfile:
        """Map a volume to a server (at `lun` if given); an existing mapping profile for that
        server is reused, so a retry after a lost reply adopts what the first try made."""
        check_id(volume_id, "volume id")
        check_id(server_id, "server id")
        existing = self.find_mapping_profile(volume_id, server_id)
        if existing is not None:
            return existing
        path = f"StorageCenter/ScVolume/{volume_id}/MapToServer"
        advanced: dict[str, Any] = {"MapToDownServerHbas": True}
        if lun is not None:
            if isinstance(lun, bool) or not 0 <= lun <= 4095:
                raise ScValidationError(f"lun must be 0-4095, got {lun!r}")
            advanced["PreferredLun"] = lun
        return self._create(ScMappingProfile, path, {"server": server_id, "Advanced": advanced})

    def find_mapping_profile(self, volume_id: str, server_id: str) -> ScMappingProfile | None:
        """The mapping profile of this volume to this server, if there is one; ScUnavailable
        when the volume's Storage Center is down (nothing can be said then)."""
        try:
            profiles = self.volume_mapping_profiles(volume_id)
        except ScNotFound:
            raise
        except ScApiError as exc:
            raise self._unavailable(exc, ssn_of(volume_id)) from exc
        for profile in profiles:
            if profile.server and profile.server.instance_id == server_id:
                return profile
        return None

    def server_mapping_profiles(self, server_id: str) -> list[ScMappingProfile]:
        """Every mapping profile of a server (one per mapped volume)."""
        check_id(server_id, "server id")
        return self._query(
            ScMappingProfile, "ScMappingProfile", scSerialNumber=self.ssn, server=server_id
        )

    def get_mapping_profile(self, instance_id: str) -> ScMappingProfile:
        check_id(instance_id, "mapping profile id")
        return self._get(ScMappingProfile, f"StorageCenter/ScMappingProfile/{instance_id}")

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
                self._delete_mapping_profile(volume_id, profile.instance_id)

    def _delete_mapping_profile(self, volume_id: str, profile_id: str) -> None:
        path = f"StorageCenter/ScMappingProfile/{profile_id}"

        def exists() -> bool:
            try:
                profiles = self.volume_mapping_profiles(volume_id)
            except ScNotFound:  # the volume is gone, and its mappings with it
                return False
            return any(p.instance_id == profile_id for p in profiles)

        result = self._delete_verified(path, f"mapping profile {profile_id}", exists)
        if result is None and not exists():  # "gone" (or no body), and reading confirms it
            return
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
