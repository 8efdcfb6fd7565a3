"""Servers, HBAs and volume-to-server mappings (§4.6, §4.7).

Beyond the driver: servers are renamed / moved / retyped with `PUT ScPhysicalServer/{id}` and
lose initiators with `POST ScPhysicalServer/{id}/RemoveHba {"ServerHba": id}`; a mapping can
ask for a LUN with `Advanced.PreferredLun` (as DSM's other REST clients do). What the array
does with the two uncorroborated ones (§9.1a: a PUT of a server's operating system or folder,
a preferred LUN that is taken) is read back and checked, never assumed.

With the cache on, a server, its HBAs and a volume's mapping profiles and mappings are read
singly or from bulk lists as the reads so far make cheaper (cache.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from .errors import (
    ScApiError,
    ScAuthError,
    ScError,
    ScNotApplied,
    ScNotFound,
    ScUnavailable,
    ScValidationError,
)
from .models import (
    ScMapping,
    ScMappingProfile,
    ScModel,
    ScRef,
    ScServer,
    ScServerHba,
    ScServerOperatingSystem,
)
from .notes import DEFAULT_NOTES
from .profiles import ProfilesMixin
from .units import ssn_of
from .validation import check_id, check_name

PORT_TYPES = {"iscsi": "Iscsi", "fibrechannel": "FibreChannel"}
PATHS_PER_MAPPING = 4  # mapping rows per mapping profile, to estimate a bulk list's size
UNCORROBORATED = "no public client of the DSM API confirms this change"

T = TypeVar("T", bound=ScModel)


def _by(items: Iterable[T], ref: str) -> dict[str, list[T]]:
    """`items` grouped by the id of their reference `ref` (items without one are left out)."""
    out: defaultdict[str, list[T]] = defaultdict(list)
    for item in items:
        target = getattr(item, ref)
        if isinstance(target, ScRef):
            out[target.instance_id].append(item)
    return dict(out)


class ServersMixin(ProfilesMixin):
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
            return self._read(
                "servers",
                instance_id,
                lambda i: self._get(ScServer, f"StorageCenter/ScServer/{i}"),
                lambda: {s.instance_id: s for s in self.servers()},
            )
        except ScNotFound:
            raise
        except ScApiError as exc:
            raise self._unavailable(exc, ssn_of(instance_id)) from exc

    def server_exists(self, instance_id: str) -> bool:
        """True while the array lists the server (read now, never from a cache)."""
        check_id(instance_id, "server id")
        found = self._query(
            ScServer, "ScServer", scSerialNumber=ssn_of(instance_id), instanceId=instance_id
        )
        return any(s.instance_id == instance_id for s in found)

    def server_hbas(self, instance_id: str) -> list[ScServerHba]:
        check_id(instance_id, "server id")
        return self._read(
            "server HBAs",
            instance_id,
            lambda i: self._get_list(ScServerHba, f"StorageCenter/ScServer/{i}/HbaList"),
            lambda: _by(self._query(ScServerHba, "ScServerHba", scSerialNumber=self.ssn), "server"),
        )

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
        with `kind`, a server cluster); the server is read back, and ScNotApplied names what
        the array kept instead."""
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
        if not body:
            return self.get_server(instance_id)
        inferred = [k for k in ("OperatingSystem", "ServerFolder") if k in body]
        try:
            server = self._write_one(ScServer, "PUT", path, body)
        except ScApiError as exc:
            if not inferred or isinstance(exc, ScAuthError | ScUnavailable):
                raise
            exc.message = f"{exc.message} (changing {' and '.join(inferred)}: {UNCORROBORATED})"
            raise
        if inferred or server is None:  # read back what the array did, not what it echoed
            server = self.get_server(instance_id)
        missed = _not_applied(server, body)
        if missed:
            raise ScNotApplied(
                200,
                f"the array accepted the change of server {instance_id} but kept "
                f"{'; '.join(missed)} ({UNCORROBORATED}); make the change in Dell Storage "
                "Manager, then plan again",
                "PUT",
                path,
            )
        return server

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
        server is reused, so a retry after a lost reply adopts what the first try made.

        With `lun`, the array is asked not to fall back to another LUN (`PreferredLun` with
        `UseNextAvailable` false, as DSM's other clients spell them) and the LUN it used is
        read back from the mapping list: a new mapping at another LUN is removed again and
        ScNotApplied says what the array did (its answer when the LUN is taken has no public
        evidence, §9.1a)."""
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
            advanced["UseNextAvailable"] = False
        profile = self._create(ScMappingProfile, path, {"server": server_id, "Advanced": advanced})
        if lun is not None:
            self._check_lun(volume_id, server_id, profile, lun, path)
        return profile

    def mapped_luns(self, volume_id: str, server_id: str) -> list[int]:
        """The LUNs the mapping list shows for the volume's paths to the server."""
        return sorted(
            {
                m.lun
                for m in self.volume_mappings(volume_id)
                if m.server and m.server.instance_id == server_id and m.lun is not None
            }
        )

    def _check_lun(
        self, volume_id: str, server_id: str, profile: ScMappingProfile, lun: int, path: str
    ) -> None:
        """ScNotApplied, after removing the new mapping, unless it is at `lun`."""
        used = self.mapped_luns(volume_id, server_id) or sorted(set(profile.lun_used))
        if not used or used == [lun]:
            return
        what = (
            f"the array mapped volume {volume_id} to server {server_id} at LUN "
            f"{', '.join(map(str, used))} although LUN {lun} was asked for with "
            f"UseNextAvailable false (LUN {lun} is probably in use on that server)"
        )
        try:
            self._delete_mapping_profile(volume_id, profile.instance_id)
        except ScError as exc:
            raise ScNotApplied(
                200, f"{what}; removing that mapping again failed: {exc}", "POST", path
            ) from exc
        raise ScNotApplied(200, f"{what}; that mapping was removed again", "POST", path)

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
        return self._get_by_id(ScMappingProfile, "ScMappingProfile", instance_id)

    def volume_mapping_profiles(self, instance_id: str) -> list[ScMappingProfile]:
        check_id(instance_id, "volume id")
        return self._read(
            "mapping profiles",
            instance_id,
            lambda i: self._get_list(
                ScMappingProfile, f"StorageCenter/ScVolume/{i}/MappingProfileList"
            ),
            lambda: _by(
                self._query(ScMappingProfile, "ScMappingProfile", scSerialNumber=self.ssn),
                "volume",
            ),
            self.volume_count,
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

        def size() -> int | None:
            volumes = self.volume_count()
            return None if volumes is None else volumes * PATHS_PER_MAPPING

        return self._read(
            "mappings",
            volume_id,
            lambda i: self._get_list(ScMapping, f"StorageCenter/ScVolume/{i}/MappingList"),
            lambda: _by(self._query(ScMapping, "ScMapping", scSerialNumber=self.ssn), "volume"),
            size,
        )


def _not_applied(server: ScServer, body: dict[str, Any]) -> list[str]:
    """What `server` still has of what the PUT `body` asked to change."""
    refs = {"OperatingSystem": server.operating_system, "ServerFolder": server.server_folder}
    missed = []
    for key, wanted in body.items():
        if key in refs:
            have = refs[key]
            if have is None or have.instance_id != wanted:
                shown = f"{have.instance_name or have.instance_id}" if have else "none"
                missed.append(f"{key} {shown} (asked for {wanted})")
        elif key == "Name" and server.name != wanted:
            missed.append(f"Name {server.name!r} (asked for {wanted!r})")
        elif key == "Notes" and server.notes != wanted:
            missed.append("its previous Notes")
    return missed
