"""Replays (snapshots), view volumes, volume activation and copies (§4.5, §6.3, §6.5, §6.6)."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from .errors import ScConflict, ScError, ScNotFound, ScTaskFailed, ScTimeout
from .models import ScCopyMirrorMigrate, ScReplay, ScServer, ScVolume
from .notes import ACTIVATION_NOTES, ACTIVATION_SERVER, DEFAULT_NOTES
from .servers import ServersMixin
from .tasks import Poller
from .validation import check_id, check_minutes, check_name, replay_description
from .volumes import VolumesMixin

# One activation per volume at a time in this process: snapshots of one volume created in
# parallel would otherwise unmap the mapping another thread's activation still relies on.
_ACTIVATING: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_ACTIVATING_GUARD = threading.Lock()


class ReplaysMixin(VolumesMixin, ServersMixin):
    def activate_volume(self, instance_id: str) -> ScVolume:
        """Make a volume active (able to take replays) if it is not: map it for a moment to
        the activation server (`dellsc-activation`, no initiators: no host ever sees the
        volume), then unmap it again (§6.3; never an arbitrary host as the driver does,
        §9.2 #21). A mapping to that server left by an interrupted activation is removed."""
        volume = self._fetch_volume(check_id(instance_id, "volume id"))
        if volume.active and volume.replay_allowed and not volume.mapped:
            return volume
        with _ACTIVATING_GUARD:
            lock = _ACTIVATING[instance_id]
        with lock:
            return self._activate(instance_id)

    def _activate(self, instance_id: str) -> ScVolume:
        volume = self._fetch_volume(instance_id)
        if volume.mapped and self.remove_activation_mappings(instance_id):
            volume = self._fetch_volume(instance_id)
        if volume.active and volume.replay_allowed:  # (another thread activated it meanwhile)
            return volume
        server = self.activation_server(volume.sc_serial_number)
        path = f"StorageCenter/ScVolume/{instance_id}/MapToServer"
        self.map_volume(instance_id, server.instance_id)
        volume = self._fetch_volume(instance_id)
        try:
            self.unmap_volume(instance_id, server.instance_id)
        except ScError as exc:
            raise ScConflict(
                409,
                f"volume {instance_id} was activated through server {ACTIVATION_SERVER!r} "
                f"({server.instance_id}, no initiators: it reaches no host), but removing that "
                f"temporary mapping failed ({exc}); the next apply that snapshots or deletes "
                "the volume removes it",
                "DELETE",
                "StorageCenter/ScMappingProfile",
            ) from exc
        if not volume.active:
            raise ScConflict(
                409,
                f"volume {instance_id} is not active, and mapping it to server "
                f"{ACTIVATION_SERVER!r} (which reaches no host) did not activate it; map it "
                "to one of your servers first (a dellsc_volume_mapping that the snapshot "
                "depends on): the provider never maps a volume to a host it was not asked to",
                "POST",
                path,
            )
        return self._fetch_volume(instance_id)

    def activation_server(self, ssn: int) -> ScServer:
        """The activation server of SC `ssn`, made when missing (its name is unique on the
        array, so a create whose reply was lost is found again); ScConflict if someone gave
        it initiators."""
        with _ACTIVATING_GUARD:
            lock = _ACTIVATING[f"server:{ssn}"]
        with lock:
            found = self._activation_servers(ssn)
            if not found:
                try:
                    found = [
                        self.for_ssn(ssn).create_server(ACTIVATION_SERVER, notes=ACTIVATION_NOTES)
                    ]
                except ScError:  # a lost reply: the name is unique, look for it
                    found = self._activation_servers(ssn)
                    if not found:
                        raise
        server = found[0]
        if self.server_hbas(server.instance_id):
            raise ScConflict(
                409,
                f"server {ACTIVATION_SERVER!r} ({server.instance_id}) has initiators; the "
                "provider maps new volumes to it for a moment to activate them, so it must "
                "reach no host: remove its initiators",
                "GET",
                f"StorageCenter/ScServer/{server.instance_id}/HbaList",
            )
        return server

    def _activation_servers(self, ssn: int) -> list[ScServer]:
        found = self._query(ScServer, "ScServer", scSerialNumber=ssn, Name=ACTIVATION_SERVER)
        return [s for s in found if s.name.casefold() == ACTIVATION_SERVER]

    def remove_activation_mappings(self, volume_id: str) -> list[str]:
        """Unmap the volume from the activation server (what an interrupted activation left);
        the mapping profiles removed."""
        removed = []
        for profile in self.volume_mapping_profiles(check_id(volume_id, "volume id")):
            server = profile.server
            if server is not None and server.instance_name.casefold() == ACTIVATION_SERVER:
                self._delete_mapping_profile(volume_id, profile.instance_id)
                removed.append(profile.instance_id)
        return removed

    def volume_replays(self, instance_id: str) -> list[ScReplay]:
        """All replays of a volume, including its `active` one."""
        check_id(instance_id, "volume id")
        return self._get_list(ScReplay, f"StorageCenter/ScVolume/{instance_id}/ReplayList")

    def get_replay(self, replay_id: str) -> ScReplay:
        """One replay (the volume's active one included); ScNotFound if it does not exist."""
        check_id(replay_id, "replay id")
        return self._get(ScReplay, f"StorageCenter/ScReplay/{replay_id}")

    def create_replay(self, volume_id: str, description: str, expire_minutes: int = 0) -> ScReplay:
        """Snapshot a volume (activating it first if needed); `expire_minutes` 0 = never.
        The description is truncated to 30 characters."""
        check_id(volume_id, "volume id")
        check_minutes(expire_minutes)
        self.activate_volume(volume_id)
        path = f"StorageCenter/ScVolume/{volume_id}/CreateReplay"
        body = {"description": replay_description(description), "expireTime": expire_minutes}
        return self._create(ScReplay, path, body)

    def update_replay(
        self,
        replay_id: str,
        *,
        description: str | None = None,
        expire_minutes: int | None = None,
    ) -> None:
        """Change a replay's expiry (minutes from now, 0 = never) and/or its description;
        what is None is left as it is."""
        check_id(replay_id, "replay id")
        body: dict[str, Any] = {}
        if expire_minutes is not None:
            body["expireTime"] = check_minutes(expire_minutes)
        if description is not None:
            body["description"] = replay_description(description)
        self._write("PUT", f"StorageCenter/ScReplay/{replay_id}", body)

    def expire_replay(self, replay_id: str) -> None:
        """Mark a replay for expiration; ScNotFound if it does not exist."""
        check_id(replay_id, "replay id")
        self._write_existing("POST", f"StorageCenter/ScReplay/{replay_id}/Expire", {})

    def create_view_volume(
        self,
        replay_id: str,
        name: str,
        *,
        folder_id: str | None = None,
        replay_profile_ids: list[str] | None = None,
        volume_qos_profile_id: str | None = None,
        group_qos_profile_id: str | None = None,
        notes: str | None = None,
    ) -> ScVolume:
        """A new volume from a replay. Storage and data-reduction profiles are not part of the
        call: set them afterwards with set_volume_profile."""
        check_id(replay_id, "replay id")
        check_name(name)
        body: dict[str, Any] = {"Name": name, "Notes": DEFAULT_NOTES if notes is None else notes}
        if folder_id is not None:
            body["VolumeFolder"] = check_id(folder_id, "folder id")
        if replay_profile_ids is not None:
            body["ReplayProfileList"] = [
                check_id(i, "replay profile id") for i in replay_profile_ids
            ]
        if volume_qos_profile_id is not None:
            body["VolumeQosProfile"] = check_id(volume_qos_profile_id, "QoS profile id")
        if group_qos_profile_id is not None:
            body["GroupQosProfile"] = check_id(group_qos_profile_id, "group QoS profile id")
        path = f"StorageCenter/ScReplay/{replay_id}/CreateView"
        return self._create(ScVolume, path, body)

    def copy_volume(self, source_id: str, destination_id: str) -> None:
        """Copy a volume's data (and replays) onto another volume and wait for the copy.

        The copy object may vanish once finished; a 404 while waiting counts as done.
        """
        check_id(source_id, "source volume id")
        check_id(destination_id, "destination volume id")
        path = "StorageCenter/ScCopyMirrorMigrate/Copy"
        body = {
            "CopyReplays": True,
            "DestinationVolume": destination_id,
            "SourceVolume": source_id,
            "StorageCenter": self._fetch_volume(source_id).sc_serial_number,
            "Priority": "High",
        }
        copy = self._write_one(ScCopyMirrorMigrate, "POST", path, body)
        if copy is None:
            return
        poller = Poller(self.config.task_timeout, self.config.poll_interval)
        while True:
            if copy.state in ("Erred", "Paused"):
                raise ScTaskFailed(
                    500, f"volume copy {copy.instance_id} is {copy.state}", "POST", path
                )
            if copy.state == "Finished":
                return
            if not poller.wait():
                raise ScTimeout(f"volume copy {copy.instance_id} still {copy.state or 'running'}")
            try:
                copy = self._get(
                    ScCopyMirrorMigrate, f"StorageCenter/ScCopyMirrorMigrate/{copy.instance_id}"
                )
            except ScNotFound:
                return
            finally:
                self._invalidate()  # the destination changes while the copy runs
