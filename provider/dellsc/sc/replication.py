"""Replication, its QoS nodes, and Live Volume (§4.10, §4.11, §6.11, §6.12). Needs a DSM."""

from __future__ import annotations

from typing import Any

from .errors import ScApiError, ScUnavailable, ScValidationError
from .models import (
    ReplicationProgress,
    ScLiveVolume,
    ScMappingProfile,
    ScReplication,
    ScReplicationQosNode,
    ScVolume,
)
from .notes import DEFAULT_NOTES
from .units import ssn_of
from .validation import check_id, check_name
from .volumes import VolumesMixin


class ReplicationMixin(VolumesMixin):
    def _check_dsm(self) -> None:
        self.ssn  # noqa: B018 - connects first, so the provider kind is known
        if self.session.direct:
            raise ScValidationError(
                "replication and Live Volume need a DSM; this client is connected straight to an SC"
            )

    # -- QoS nodes -----------------------------------------------------------------------------

    def replication_qos_nodes(self, ssn: int) -> list[ScReplicationQosNode]:
        return self._query(ScReplicationQosNode, "ScReplicationQosNode", scSerialNumber=int(ssn))

    def ensure_replication_qos_node(
        self, name: str, ssn: int, link_speed: str = "1 Gbps", *, bandwidth_limited: bool = False
    ) -> ScReplicationQosNode:
        """The QoS node `name` on SC `ssn`, created when missing (and then remembered in
        `created_qos_nodes`: QoS nodes carry no notes to mark them with)."""
        check_name(name, "QoS node name")
        for node in self.replication_qos_nodes(ssn):
            if node.name == name:
                return node
        body = {
            "LinkSpeed": link_speed,
            "Name": name,
            "StorageCenter": int(ssn),
            "BandwidthLimited": bandwidth_limited,
        }
        node = self._create(ScReplicationQosNode, "StorageCenter/ScReplicationQosNode", body)
        self.created_qos_nodes[node.instance_id] = name
        return node

    def qos_node_in_use(self, node_id: str) -> bool:
        """Whether a replication or Live Volume on the node's SC may use it. A Live Volume
        that does not name its QoS nodes counts as a user (the safe answer)."""
        ssn = ssn_of(check_id(node_id, "QoS node id"))
        replications = self._query(ScReplication, "ScReplication", scSerialNumber=ssn)
        if any(r.qos_node and r.qos_node.instance_id == node_id for r in replications):
            return True
        for live in self.live_volumes(ssn):
            nodes = {n.instance_id for n in (live.primary_qos_node, live.secondary_qos_node) if n}
            if not nodes or node_id in nodes:
                return True
        return False

    def remove_unused_qos_node(self, node_id: str) -> bool:
        """Delete a replication QoS node that nothing uses; False when it is in use (kept).
        Confirmed by reading the SC's nodes back."""
        if self.qos_node_in_use(node_id):
            return False
        ssn = ssn_of(node_id)

        def exists() -> bool:
            return any(n.instance_id == node_id for n in self.replication_qos_nodes(ssn))

        self._delete_verified(
            f"StorageCenter/ScReplicationQosNode/{node_id}", f"QoS node {node_id}", exists
        )
        if exists():
            raise ScApiError(200, f"QoS node {node_id} is still there after its delete")
        self.created_qos_nodes.pop(node_id, None)
        return True

    # -- replication ---------------------------------------------------------------------------

    def create_replication(
        self,
        source_volume_id: str,
        destination_ssn: int,
        qos_node_id: str,
        *,
        synchronous: bool = False,
        sync_mode: str = "HighAvailability",
        replicate_active_replay: bool = False,
        destination_name: str | None = None,
        destination_volume_id: str | None = None,
        disk_folder_id: str | None = None,
        notes: str | None = None,
        check_destination: bool = True,
    ) -> ScReplication:
        """Replicate a volume to another SC, into a new volume (named `destination_name`, or as
        the array chooses) or into `destination_volume_id`. Synchronous replication always
        includes the active replay. `check_destination=False`: the caller knows the DSM
        manages `destination_ssn` (no request to check it)."""
        check_id(source_volume_id, "source volume id")
        check_id(qos_node_id, "QoS node id")
        self._check_dsm()
        if check_destination:
            self._check_managed(destination_ssn)
        body: dict[str, Any] = {
            "DestinationStorageCenter": int(destination_ssn),
            "QosNode": qos_node_id,
            "SourceVolume": source_volume_id,
            "StorageCenter": ssn_of(source_volume_id),
            "ReplicateActiveReplay": replicate_active_replay or synchronous,
            "Type": "Synchronous" if synchronous else "Asynchronous",
        }
        if synchronous:
            body["SyncMode"] = sync_mode
        if destination_volume_id is not None:
            body["DestinationVolume"] = check_id(destination_volume_id, "destination volume id")
        else:
            attributes: dict[str, Any] = {
                "CreateSourceVolumeFolderPath": True,
                "Notes": DEFAULT_NOTES if notes is None else notes,
            }
            if destination_name is not None:
                attributes["Name"] = check_name(destination_name)
            if disk_folder_id is not None:
                attributes["DiskFolder"] = check_id(disk_folder_id, "disk folder id")
            body["DestinationVolumeAttributes"] = attributes
        return self._create(ScReplication, "StorageCenter/ScReplication", body)

    def volumes_on(self, ssn: int) -> list[ScVolume]:
        """Every volume of SC `ssn` (replication partners live on other SCs than this one),
        except those in the recycle bin."""
        found = self._query(ScVolume, "ScVolume", scSerialNumber=int(ssn))
        return [v for v in found if not v.in_recycle_bin]

    def replication_to(self, volume_id: str, destination_ssn: int) -> ScReplication | None:
        """The replication of a volume to SC `destination_ssn`, if any."""
        for replication in self.volume_replications(volume_id):
            if replication.destination_sc_serial_number == int(destination_ssn):
                return replication
        return None

    def volume_replications(self, volume_id: str) -> list[ScReplication]:
        """Replications with this volume as source."""
        check_id(volume_id, "volume id")
        return self._get_list(
            ScReplication, f"StorageCenter/ScVolume/{volume_id}/ReplicationSourceList"
        )

    def get_replication(self, instance_id: str) -> ScReplication:
        check_id(instance_id, "replication id")
        return self._get_by_id(ScReplication, "ScReplication", instance_id)

    def update_replication(self, instance_id: str, replicate_active_replay: bool) -> None:
        check_id(instance_id, "replication id")
        self._write(
            "PUT",
            f"StorageCenter/ScReplication/{instance_id}",
            {"ReplicateActiveReplay": replicate_active_replay},
        )

    def delete_replication(
        self, instance_id: str, *, delete_destination: bool, recycle_destination: bool
    ) -> None:
        """Stop a replication; optionally delete (and recycle) the destination volume."""
        check_id(instance_id, "replication id")
        body = {
            "DeleteDestinationVolume": delete_destination,
            "RecycleDestinationVolume": recycle_destination,
            "DeleteRestorePoint": True,
        }
        self._write_existing("DELETE", f"StorageCenter/ScReplication/{instance_id}", body)

    def replication_progress(self, instance_id: str) -> ReplicationProgress:
        check_id(instance_id, "replication id")
        return self._get(
            ReplicationProgress, f"StorageCenter/ScReplication/{instance_id}/CurrentProgress"
        )

    # -- Live Volume ---------------------------------------------------------------------------

    def create_live_volume(
        self,
        primary_volume_id: str,
        secondary_ssn: int,
        primary_qos_node_id: str,
        secondary_qos_node_id: str,
        *,
        synchronous: bool = False,
        sync_mode: str = "HighAvailability",
        auto_failover: bool = False,
        replicate_active_replay: bool = False,
        secondary_name: str | None = None,
        notes: str | None = None,
    ) -> ScLiveVolume:
        """Make a volume a Live Volume with a secondary copy on `secondary_ssn`. Auto-failover
        forces synchronous replication of the active replay. The secondary keeps the
        primary's name unless `secondary_name` is given."""
        check_id(primary_volume_id, "volume id")
        check_id(primary_qos_node_id, "QoS node id")
        check_id(secondary_qos_node_id, "secondary QoS node id")
        self._check_dsm()
        self._check_managed(secondary_ssn)
        sync = synchronous or auto_failover
        name = secondary_name
        if name is None:
            name = self._fetch_volume(primary_volume_id).name
        body: dict[str, Any] = {
            "PrimaryVolume": primary_volume_id,
            "PrimaryQosNode": primary_qos_node_id,
            "SecondaryQosNode": secondary_qos_node_id,
            "SecondaryStorageCenter": int(secondary_ssn),
            "StorageCenter": ssn_of(primary_volume_id),
            "FailoverAutomaticallyEnabled": auto_failover,
            "RestoreAutomaticallyEnabled": auto_failover,
            "SwapRolesAutomaticallyEnabled": False,
            "ReplicateActiveReplay": replicate_active_replay or auto_failover,
            "Type": "Synchronous" if sync else "Asynchronous",
            "SecondaryVolumeAttributes": {
                "CreateSourceVolumeFolderPath": True,
                "Notes": DEFAULT_NOTES if notes is None else notes,
                "Name": check_name(name),
            },
        }
        if sync:
            body["SyncMode"] = sync_mode
        return self._create(ScLiveVolume, "StorageCenter/ScLiveVolume", body)

    def get_live_volume(self, instance_id: str) -> ScLiveVolume:
        check_id(instance_id, "Live Volume id")
        return self._get_by_id(ScLiveVolume, "ScLiveVolume", instance_id)

    def live_volumes(self, ssn: int | None = None) -> list[ScLiveVolume]:
        """Live Volumes of an SC (default: this one); with the cache on, listed once per SC
        until a write, however many volumes ask."""
        path = f"StorageCenter/StorageCenter/{self.ssn if ssn is None else int(ssn)}/LiveVolumeList"
        return self._memo(path, lambda: self._get_list(ScLiveVolume, path))

    def find_live_volume(self, volume_id: str) -> ScLiveVolume | None:
        """The Live Volume whose primary or secondary is `volume_id` (searching every SC)."""
        check_id(volume_id, "volume id")
        home = ssn_of(volume_id)  # most likely the primary's SC: search it first
        others = [s for s in self._managed_serials() if s != home]
        for serial in [home, *others]:
            try:
                found = self.live_volumes(serial)
            except ScApiError as exc:  # a Live Volume is listed by both of its SCs
                if isinstance(self._unavailable(exc, serial), ScUnavailable):
                    continue
                raise
            for live in found:
                ends = (live.primary_volume, live.secondary_volume)
                if any(ref and ref.instance_id == volume_id for ref in ends):
                    return live
        return None

    def delete_live_volume(
        self,
        instance_id: str,
        *,
        convert_to_replication: bool = False,
        delete_secondary: bool = True,
        recycle_secondary: bool = True,
    ) -> None:
        check_id(instance_id, "Live Volume id")
        body = {
            "ConvertToReplication": convert_to_replication,
            "DeleteSecondaryVolume": delete_secondary,
            "RecycleSecondaryVolume": recycle_secondary,
            "DeleteRestorePoint": True,
        }
        self._write_existing("DELETE", f"StorageCenter/ScLiveVolume/{instance_id}", body)

    def swap_live_volume_roles(self, instance_id: str) -> None:
        """Make the secondary the primary (the Live Volume keeps its id)."""
        check_id(instance_id, "Live Volume id")
        self._write("POST", f"StorageCenter/ScLiveVolume/{instance_id}/SwapRoles", {})

    def map_secondary_volume(self, instance_id: str, server_id: str) -> ScMappingProfile | None:
        """Map a Live Volume's secondary to a server on the secondary SC."""
        check_id(instance_id, "Live Volume id")
        check_id(server_id, "server id")
        body = {"Server": server_id, "Advanced": {"MapToDownServerHbas": True}}
        path = f"StorageCenter/ScLiveVolume/{instance_id}/MapSecondaryVolume"
        return self._write_one(ScMappingProfile, "POST", path, body)
