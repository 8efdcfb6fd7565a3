"""Volumes and their configuration (§4.3, §4.4, §6.2, §6.7, §6.8)."""

from __future__ import annotations

from typing import Any

from .errors import ScApiError, ScAuthError, ScConflict, ScNotFound, ScValidationError
from .folders import split_path
from .models import ScVolume, ScVolumeConfiguration
from .notes import DEFAULT_NOTES
from .profiles import ProfilesMixin
from .units import GIB, format_gb, ssn_of
from .validation import check_id, check_name, check_size_gb

PROFILE_KINDS = ("storageProfile", "volumeQosProfile", "groupQosProfile", "dataReductionProfile")


class VolumesMixin(ProfilesMixin):
    # -- reads ---------------------------------------------------------------------------------

    def get_volume(self, instance_id: str) -> ScVolume:
        """The volume; ScNotFound if it does not exist or sits in the recycle bin,
        ScUnavailable if its Storage Center is down.

        With the cache on, read singly or from one bulk GetList of this SC's volumes, as the
        reads so far make cheaper (cache.py).
        """
        check_id(instance_id, "volume id")
        try:
            volume = self._cached_volume(instance_id)
        except ScApiError as exc:
            raise self._unavailable(exc, ssn_of(instance_id)) from exc
        if volume.in_recycle_bin:
            raise ScNotFound(
                404, f"volume {instance_id} is in the recycle bin", "GET", _volume_path(instance_id)
            )
        return volume

    def _cached_volume(self, instance_id: str) -> ScVolume:
        return self._read(
            "volumes", instance_id, self._fetch_volume, self._all_volumes, self.volume_count
        )

    def _all_volumes(self) -> dict[str, ScVolume]:
        return {
            v.instance_id: v for v in self._query(ScVolume, "ScVolume", scSerialNumber=self.ssn)
        }

    def _all_configurations(self) -> dict[str, ScVolumeConfiguration]:
        found = self._query(ScVolumeConfiguration, "ScVolumeConfiguration", scSerialNumber=self.ssn)
        return {c.instance_id: c for c in found}

    def _fetch_volume(self, instance_id: str) -> ScVolume:
        path = _volume_path(instance_id)
        try:
            return self._get(ScVolume, path)
        except ScAuthError:
            raise
        except ScApiError as exc:
            if exc.status < 400:
                raise
            # neither a 404 nor another failure proves "gone" (§10): confirm with a query
            found = self._lookup_volume(instance_id)
            if found is None:
                raise ScNotFound(404, f"volume {instance_id} not found", "GET", path) from None
            return found

    def fresh_volume(self, instance_id: str) -> ScVolume:
        """The volume read now, never from the cache (e.g. before rewriting its notes)."""
        return self._fetch_volume(check_id(instance_id, "volume id"))

    def _lookup_volume(self, instance_id: str) -> ScVolume | None:
        """The volume as a GetList by instanceId sees it (recycled ones included), or None."""
        found = self._query(
            ScVolume, "ScVolume", scSerialNumber=ssn_of(instance_id), instanceId=instance_id
        )
        return found[0] if found else None

    def volume_exists(self, instance_id: str) -> bool:
        """True while the volume exists outside the recycle bin (read, never from the cache)."""
        found = self._lookup_volume(instance_id)
        return found is not None and not found.in_recycle_bin

    def warm_cache(self) -> None:
        """List this SC's volumes and their configurations now (e.g. while Terraform builds
        its graph) if it holds so few that even a refresh's first wave of reads would cost
        more (cache.py); a no-op without a cache or once a write has dropped it."""
        for reader in (
            self._reader("volumes", self._all_volumes, self.volume_count),
            self._reader("configurations", self._all_configurations, self.volume_count),
        ):
            if reader is not None:
                reader.prefetch()

    def list_volumes(self) -> list[ScVolume]:
        """Every volume of this SC, except those in the recycle bin."""
        return [
            v
            for v in self._query(ScVolume, "ScVolume", scSerialNumber=self.ssn)
            if not v.in_recycle_bin
        ]

    def find_volumes(
        self,
        *,
        name: str | None = None,
        device_id: str | None = None,
        folder_path: str | None = None,
    ) -> list[ScVolume]:
        """Volumes of this SC by name and/or device id (WWN), optionally only in `folder_path`.

        The folder is compared on the volume's `volumeFolderPath` with slashes trimmed, so
        either path style (`a/b/`, `/a/b/`) matches `a/b`; `""` means the root folder.
        """
        found = self._query(
            ScVolume, "ScVolume", scSerialNumber=self.ssn, Name=name, DeviceId=device_id
        )
        found = [v for v in found if not v.in_recycle_bin]
        # filter again client-side: the array's string Equals may be case-insensitive
        if name is not None:
            found = [v for v in found if v.name == name]
        if device_id is not None:
            found = [v for v in found if v.device_id.casefold() == device_id.casefold()]
        if folder_path is not None:
            wanted = "/".join(split_path(folder_path))
            found = [v for v in found if v.volume_folder_path.strip("/") == wanted]
        return found

    def get_volume_configuration(self, instance_id: str) -> ScVolumeConfiguration:
        """Profiles of a volume; with the cache on, read as `get_volume` reads volumes."""
        check_id(instance_id, "volume id")
        return self._read(
            "configurations",
            instance_id,
            lambda i: self._get(ScVolumeConfiguration, f"{_volume_path(i)}/VolumeConfiguration"),
            self._all_configurations,
            self.volume_count,
        )

    # -- writes --------------------------------------------------------------------------------

    def create_volume(
        self,
        name: str,
        size_gb: int,
        *,
        folder_id: str | None = None,
        storage_profile_id: str | None = None,
        replay_profile_ids: list[str] | None = None,
        volume_qos_profile_id: str | None = None,
        group_qos_profile_id: str | None = None,
        data_reduction_profile_id: str | None = None,
        notes: str | None = None,
    ) -> ScVolume:
        """Create a volume of `size_gb` GiB. Without replay_profile_ids the SC applies the
        user's default snapshot profiles; `[]` means none."""
        check_name(name)
        check_size_gb(size_gb)
        body: dict[str, Any] = {
            "Name": name,
            "Notes": DEFAULT_NOTES if notes is None else notes,
            "Size": format_gb(size_gb),
            "StorageCenter": self.ssn,
        }
        optional = {
            "VolumeFolder": folder_id,
            "StorageProfile": storage_profile_id,
            "VolumeQosProfile": volume_qos_profile_id,
            "GroupQosProfile": group_qos_profile_id,
            "DataReductionProfile": data_reduction_profile_id,
        }
        for key, value in optional.items():
            if value is not None:
                body[key] = check_id(value, key)
        if replay_profile_ids is not None:
            body["ReplayProfileList"] = [
                check_id(i, "replay profile id") for i in replay_profile_ids
            ]
        volume = self._write_one(ScVolume, "POST", "StorageCenter/ScVolume", body)
        if volume is None:  # 2xx without a body: look it up by name (§4.3)
            matches = self.find_volumes(name=name)
            if len(matches) != 1:
                raise ScApiError(
                    201,
                    f"created volume {name!r} cannot be identified",
                    "POST",
                    "StorageCenter/ScVolume",
                )
            volume = matches[0]
        return volume

    def expand_volume(self, instance_id: str, size_gb: int) -> ScVolume:
        """Grow a volume to `size_gb` GiB; ScValidationError unless that is larger."""
        check_id(instance_id, "volume id")
        check_size_gb(size_gb)
        current = self._fetch_volume(instance_id)
        if size_gb * GIB <= current.configured_size_bytes:
            raise ScValidationError(
                f"volume {instance_id} is {current.configured_size_bytes} bytes "
                f"({current.size_gb} GiB); {size_gb} GiB is not larger and volumes cannot shrink"
            )
        path = f"{_volume_path(instance_id)}/ExpandToSize"
        volume = self._write_one(ScVolume, "POST", path, {"NewSize": format_gb(size_gb)})
        return volume or self._fetch_volume(instance_id)

    def update_volume(
        self,
        instance_id: str,
        *,
        name: str | None = None,
        folder_id: str | None = None,
        notes: str | None = None,
    ) -> ScVolume:
        """Rename a volume, move it to another folder and/or replace its notes."""
        check_id(instance_id, "volume id")
        body: dict[str, Any] = {}
        if name is not None:
            body["Name"] = check_name(name)
        if folder_id is not None:
            body["VolumeFolder"] = check_id(folder_id, "folder id")
        if notes is not None:
            body["Notes"] = notes
        if not body:
            return self.get_volume(instance_id)
        volume = self._write_one(ScVolume, "PUT", _volume_path(instance_id), body)
        return volume or self._fetch_volume(instance_id)

    def delete_volume(self, instance_id: str) -> None:
        """Delete a volume (to the recycle bin). ScNotFound if already gone; ScConflict if busy;
        ScStillExists if the array says it is gone but it is not (verified delete)."""
        check_id(instance_id, "volume id")
        path = _volume_path(instance_id)
        self.get_volume(instance_id)  # ScNotFound when already gone
        result = self._delete_verified(
            path, f"volume {instance_id}", lambda: self.volume_exists(instance_id)
        )
        if result is False:  # only a synchronous reply can say this (§2.5)
            raise ScConflict(200, "volume busy", "DELETE", path)

    def set_volume_profile(self, instance_id: str, kind: str, profile_id: str | None) -> None:
        """Switch one profile of a volume; `kind` is one of PROFILE_KINDS, None clears it."""
        check_id(instance_id, "volume id")
        if kind not in PROFILE_KINDS:
            raise ScValidationError(f"kind must be one of {', '.join(PROFILE_KINDS)}, got {kind!r}")
        if profile_id is not None:
            check_id(profile_id, "profile id")
        self._write("PUT", f"StorageCenter/ScVolumeConfiguration/{instance_id}", {kind: profile_id})

    def set_replay_profiles(self, instance_id: str, profile_ids: list[str]) -> None:
        """Replace the volume's whole snapshot-profile list."""
        check_id(instance_id, "volume id")
        ids = [check_id(i, "replay profile id") for i in profile_ids]
        self._write(
            "PUT", f"StorageCenter/ScVolumeConfiguration/{instance_id}", {"ReplayProfileList": ids}
        )


def _volume_path(instance_id: str) -> str:
    return f"StorageCenter/ScVolume/{instance_id}"
