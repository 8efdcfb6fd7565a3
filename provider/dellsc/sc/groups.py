"""Consistency groups: replay profiles of type Consistent and their group snapshots (§6.10)."""

from __future__ import annotations

import threading

from .errors import ScValidationError
from .models import (
    ScReplay,
    ScReplayConsistencyGroup,
    ScReplayProfile,
    ScVolume,
    ScVolumeConfiguration,
)
from .notes import DEFAULT_NOTES
from .replays import ReplaysMixin
from .units import parse_version
from .validation import check_id, check_minutes, check_name, replay_description

# A volume's snapshot-profile list is replaced whole: membership changes made in parallel by
# one process (several groups sharing a volume) must not overwrite each other.
_MEMBERSHIP = threading.Lock()


class GroupsMixin(ReplaysMixin):
    def _check_cg_support(self) -> None:
        if parse_version(self.api_version)[:2] < (2, 1):
            raise ScValidationError(
                f"consistency groups need DSM API 2.1 or later; this DSM reports {self.api_version}"
            )

    def get_replay_profile(self, instance_id: str) -> ScReplayProfile:
        """One snapshot profile; with the cache on, read singly or from the SC's list of
        profiles as the reads so far make cheaper (cache.py)."""
        check_id(instance_id, "replay profile id")
        return self._read(
            "replay profiles",
            instance_id,
            lambda i: self._get(ScReplayProfile, f"StorageCenter/ScReplayProfile/{i}"),
            lambda: {p.instance_id: p for p in self.replay_profiles()},
        )

    def create_consistency_group(self, name: str, *, notes: str | None = None) -> ScReplayProfile:
        """A replay profile of type Consistent: one CreateReplay snaps all members together."""
        check_name(name, "consistency group name")
        self._check_cg_support()
        body = {
            "StorageCenter": self.ssn,
            "Name": name,
            "Type": ScReplayProfile.CONSISTENT,
            "Notes": DEFAULT_NOTES if notes is None else notes,
        }
        return self._create(ScReplayProfile, "StorageCenter/ScReplayProfile", body)

    def find_replay_profiles(self, name: str) -> list[ScReplayProfile]:
        """Snapshot profiles of this SC named exactly `name`, of any type."""
        check_name(name, "snapshot profile name")
        found = self._query(ScReplayProfile, "ScReplayProfile", scSerialNumber=self.ssn, Name=name)
        return [p for p in found if p.name == name]  # the array's Equals may ignore case

    def consistent_profiles(self) -> list[ScReplayProfile]:
        """The Consistent snapshot profiles (consistency groups) of this SC."""
        return self._query(
            ScReplayProfile, "ScReplayProfile", scSerialNumber=self.ssn, type="Consistent"
        )

    def add_group_member(self, profile_id: str, volume_id: str) -> None:
        """Put a volume into a consistency group (§6.10 update): its snapshot-profile list
        gains the group's profile, the others are kept. No-op if it is a member already."""
        check_id(profile_id, "replay profile id")
        with _MEMBERSHIP:
            current = self._fresh_profile_ids(volume_id)
            if profile_id not in current:
                self.set_replay_profiles(volume_id, [profile_id, *current])

    def remove_group_member(self, profile_id: str, volume_id: str) -> None:
        """Take a volume out of a consistency group; its other snapshot profiles are kept."""
        check_id(profile_id, "replay profile id")
        with _MEMBERSHIP:
            current = self._fresh_profile_ids(volume_id)
            if profile_id in current:
                self.set_replay_profiles(volume_id, [i for i in current if i != profile_id])

    def _fresh_profile_ids(self, volume_id: str) -> list[str]:
        """The volume's snapshot-profile ids read now (never from the cache): the list is
        replaced whole, so it must not be stale."""
        path = f"StorageCenter/ScVolume/{check_id(volume_id, 'volume id')}/VolumeConfiguration"
        configuration = self._get(ScVolumeConfiguration, path)
        return [r.instance_id for r in configuration.replay_profile_list]

    def delete_replay_profile(self, instance_id: str) -> None:
        """Delete a replay profile (member volumes stay); ScNotFound if already gone."""
        check_id(instance_id, "replay profile id")
        self._write_existing("DELETE", f"StorageCenter/ScReplayProfile/{instance_id}")

    def replay_profile_volumes(self, instance_id: str) -> list[ScVolume]:
        check_id(instance_id, "replay profile id")
        return self._get_list(ScVolume, f"StorageCenter/ScReplayProfile/{instance_id}/VolumeList")

    def create_group_replay(
        self, profile_id: str, description: str, expire_minutes: int = 0
    ) -> ScReplayConsistencyGroup | None:
        """Snapshot every member of a consistency group together (activating inactive members
        first, and removing what an interrupted activation left on the others). Returns the new
        group snapshot: the one with this (truncated) description that was not there before,
        or None if the array lists none."""
        check_id(profile_id, "replay profile id")
        check_minutes(expire_minutes)
        self._check_cg_support()
        for volume in self.replay_profile_volumes(profile_id):
            # a mapped member may carry an interrupted activation's mapping: removed here
            if volume.mapped or not (volume.active and volume.replay_allowed):
                self.activate_volume(volume.instance_id)
        text = replay_description(description)
        before = {g.instance_id for g in self.consistency_groups(profile_id)}
        body = {"description": text, "expireTime": expire_minutes}
        self._write("POST", f"StorageCenter/ScReplayProfile/{profile_id}/CreateReplay", body)
        matches = [
            g
            for g in self.consistency_groups(profile_id)
            if g.description == text and g.instance_id not in before
        ]
        return matches[-1] if matches else None

    def get_group_replay(self, cg_id: str) -> ScReplayConsistencyGroup:
        """One group snapshot; ScNotFound if it does not exist."""
        check_id(cg_id, "consistency group snapshot id")
        return self._get_by_id(ScReplayConsistencyGroup, "ScReplayConsistencyGroup", cg_id)

    def consistency_groups(self, profile_id: str) -> list[ScReplayConsistencyGroup]:
        """The group snapshots taken through a replay profile."""
        check_id(profile_id, "replay profile id")
        return self._get_list(
            ScReplayConsistencyGroup,
            f"StorageCenter/ScReplayProfile/{profile_id}/ConsistencyGroupList",
        )

    def consistency_group_replays(self, cg_id: str) -> list[ScReplay]:
        """The member replays of one group snapshot."""
        check_id(cg_id, "consistency group snapshot id")
        return self._get_list(
            ScReplay, f"StorageCenter/ScReplayConsistencyGroup/{cg_id}/ReplayList"
        )
