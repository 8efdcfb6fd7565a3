"""Profiles of the SC (§4.9): storage, snapshot (replay), QoS, data reduction; user preferences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

from .base import ClientCore
from .errors import ScApiError, ScAuthError, ScNotFound, ScValidationError
from .models import (
    ScDataReductionProfile,
    ScObject,
    ScQosProfile,
    ScReplayProfile,
    ScReplayProfileRule,
    ScStorageProfile,
    UserPreferences,
)
from .units import ssn_of
from .validation import check_id

QosProfileType = Literal["VolumeQosProfile", "GroupQosProfile"]
QOS_PROFILE_TYPES = ("VolumeQosProfile", "GroupQosProfile")

P = TypeVar("P", bound=ScObject)


def _pick(items: Sequence[P], matches: Callable[[P], bool], what: str, name: str, kind: str) -> P:
    for item in items:
        if matches(item):
            return item
    choices = ", ".join(sorted({_label(i) for i in items})) or "none"
    raise ScNotFound(
        404,
        f"{what} {name!r} not found; available: {choices}",
        "POST",
        f"StorageCenter/{kind}/GetList",
    )


def _label(item: ScObject) -> str:
    return str(getattr(item, "name", "") or item.instance_name)


class ProfilesMixin(ClientCore):
    def storage_profiles(self) -> list[ScStorageProfile]:
        """The storage profiles of this SC (with the cache on, listed once until a write)."""
        return self._memo(
            f"storage_profiles {self.ssn}",
            lambda: self._query(ScStorageProfile, "ScStorageProfile", scSerialNumber=self.ssn),
        )

    def volume_count(self) -> int | None:
        """How many volumes this SC holds, as its storage profiles count them (each volume
        has one); None when a profile does not say (the count is read leniently)."""
        counts = [p.volume_count for p in self.storage_profiles()]
        return None if any(c is None for c in counts) else sum(c or 0 for c in counts)

    def find_storage_profile(self, name: str) -> ScStorageProfile:
        """By name, ignoring spaces and case (`highpriority` finds `High Priority`)."""

        def key(text: str) -> str:
            return text.replace(" ", "").casefold()

        return _pick(
            self.storage_profiles(),
            lambda p: key(_label(p)) == key(name),
            "storage profile",
            name,
            "ScStorageProfile",
        )

    def replay_profiles(self, type: str | None = None) -> list[ScReplayProfile]:
        """Snapshot profiles, optionally only those of `type` (`Standard` or `Consistent`)."""
        return self._query(ScReplayProfile, "ScReplayProfile", scSerialNumber=self.ssn, type=type)

    def find_replay_profile(self, name: str, type: str = "Standard") -> ScReplayProfile:
        """By exact name among profiles of `type`."""
        return _pick(
            self.replay_profiles(type),
            lambda p: p.name == name and p.type.casefold() == type.casefold(),
            f"{type} snapshot profile",
            name,
            "ScReplayProfile",
        )

    def replay_profile_rules(self, profile_id: str) -> list[ScReplayProfileRule]:
        """The schedule rules of a snapshot profile: `GET ScReplayProfile/{id}/RuleList`, else
        those a GetList of ScReplayProfileRule filtered on the profile finds (an empty one
        cannot tell "none" from "not filterable", so the first failure stands). Neither call
        has public evidence (reference §9.1a): callers treat an ScApiError as "unknown"."""
        check_id(profile_id, "replay profile id")
        try:
            return self._get_list(
                ScReplayProfileRule, f"StorageCenter/ScReplayProfile/{profile_id}/RuleList"
            )
        except ScAuthError:
            raise
        except ScApiError as first:
            try:
                found = self._query(
                    ScReplayProfileRule,
                    "ScReplayProfileRule",
                    scSerialNumber=ssn_of(profile_id),
                    replayProfile=profile_id,
                )
            except ScApiError as second:
                raise ScApiError(
                    first.status, f"{first.message}; then {second}", first.method, first.path
                ) from second
            rules = [
                r for r in found if r.replay_profile and r.replay_profile.instance_id == profile_id
            ]
            if not rules:
                raise
        return rules

    def qos_profiles(self, profile_type: QosProfileType) -> list[ScQosProfile]:
        if profile_type not in QOS_PROFILE_TYPES:
            raise ScValidationError(
                f"profile_type must be one of {', '.join(QOS_PROFILE_TYPES)}, got {profile_type!r}"
            )
        return self._query(
            ScQosProfile, "ScQosProfile", scSerialNumber=self.ssn, profileType=profile_type
        )

    def find_qos_profile(self, name: str, profile_type: QosProfileType) -> ScQosProfile:
        """By name (exact, else case-insensitive); the first hit wins."""
        profiles = self.qos_profiles(profile_type)
        exact = [p for p in profiles if p.name == name]
        return _pick(
            exact or profiles,
            lambda p: p.name.casefold() == name.casefold(),
            "QoS profile" if profile_type == "VolumeQosProfile" else "group QoS profile",
            name,
            "ScQosProfile",
        )

    def data_reduction_profiles(self) -> list[ScDataReductionProfile]:
        return self._query(
            ScDataReductionProfile, "ScDataReductionProfile", scSerialNumber=self.ssn
        )

    def find_data_reduction_profile(self, name: str) -> ScDataReductionProfile:
        """By `type` (`None`, `Compression`, `Deduplication`) or name, case-insensitively."""
        wanted = name.casefold()
        return _pick(
            self.data_reduction_profiles(),
            lambda p: wanted in (p.type.casefold(), p.name.casefold(), p.instance_name.casefold()),
            "data reduction profile",
            name,
            "ScDataReductionProfile",
        )

    def user_preferences(self) -> UserPreferences:
        """Defaults and permissions of the logged-in user on this SC (§5.10)."""
        return self._get(UserPreferences, f"StorageCenter/StorageCenter/{self.ssn}/UserPreferences")
