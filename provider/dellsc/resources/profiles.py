"""Profile names ↔ instance ids on the configured Storage Center, read once per process.

Users name profiles (`High Priority`, `Daily`, `Compression`); the array wants instance ids
and reports references. Lists are fetched on first use and kept for the process (Terraform
starts a new process per command phase), so planning N volumes costs a handful of requests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dellsc.sc.errors import ScApiError

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplayProfileRule


@dataclass(frozen=True)
class Profile:
    instance_id: str
    name: str
    kind: str  # the array's `type` where it has one (replay and data-reduction profiles)
    source: Any = field(default=None, compare=False, repr=False)  # the array's object


@dataclass(frozen=True)
class ProfileKind:
    """One profile attribute of a volume: how to list its choices and match a name."""

    attribute: str
    label: str
    title: str
    fetch: Callable[[ScClient], Sequence[Any]]
    loose: bool = False  # storage profiles: spaces and case are ignored
    by_type: bool = False  # data-reduction profiles: the `type` matches too


def _key(text: str, loose: bool) -> str:
    return "".join(text.split()).casefold() if loose else text


KINDS = {
    k.attribute: k
    for k in (
        ProfileKind(
            "storage_profile",
            "storage profile",
            "Storage Profile",
            lambda c: c.storage_profiles(),
            True,
        ),
        ProfileKind(
            "replay_profiles",
            "snapshot profile",
            "Snapshot Profile",
            lambda c: c.replay_profiles("Standard"),
        ),
        ProfileKind(
            "volume_qos_profile",
            "volume QoS profile",
            "Volume QoS Profile",
            lambda c: c.qos_profiles("VolumeQosProfile"),
        ),
        ProfileKind(
            "group_qos_profile",
            "group QoS profile",
            "Group QoS Profile",
            lambda c: c.qos_profiles("GroupQosProfile"),
        ),
        ProfileKind(
            "data_reduction_profile",
            "data-reduction profile",
            "Data Reduction Profile",
            lambda c: c.data_reduction_profiles(),
            loose=True,
            by_type=True,
        ),
    )
}


class UnknownProfile(LookupError):
    """A configured profile name that the array does not have."""

    def __init__(self, kind: ProfileKind, name: str, choices: list[str]) -> None:
        super().__init__(
            f"The Storage Center has no {kind.label} named {name!r}. "
            f"Available: {', '.join(repr(c) for c in choices) or 'none'}."
        )
        self.kind = kind


class ProfileCatalog:
    """Lazily loaded profile lists of one Storage Center, shared by all resources."""

    def __init__(self, client: ScClient) -> None:
        self._client = client
        self._lists: dict[str, list[Profile]] = {}
        self._rules: dict[str, list[ScReplayProfileRule] | ScApiError] = {}
        self._lock = threading.Lock()

    @property
    def ssn(self) -> int:
        """The Storage Center whose profiles these are."""
        return self._client.ssn

    def profiles(self, attribute: str) -> list[Profile]:
        with self._lock:
            if attribute not in self._lists:
                raw = KINDS[attribute].fetch(self._client)
                self._lists[attribute] = [
                    Profile(p.instance_id, p.name, str(getattr(p, "type", "") or ""), p)
                    for p in raw
                ]
            return self._lists[attribute]

    def rules(self, profile: Profile) -> list[ScReplayProfileRule]:
        """The schedule rules of a snapshot profile, read once per process (a failure too:
        it is raised again, as ScApiError, without asking the array twice)."""
        with self._lock:
            if profile.instance_id not in self._rules:
                try:
                    found: list[ScReplayProfileRule] | ScApiError = (
                        self._client.replay_profile_rules(profile.instance_id)
                    )
                except ScApiError as exc:
                    found = exc
                self._rules[profile.instance_id] = found
            rules = self._rules[profile.instance_id]
        if isinstance(rules, ScApiError):  # a copy: one exception object per raise
            raise ScApiError(rules.status, rules.message, rules.method, rules.path)
        return rules

    def matches(self, attribute: str, name: str, profile: Profile) -> bool:
        kind = KINDS[attribute]
        key = _key(name, kind.loose)
        return key == _key(profile.name, kind.loose) or (
            kind.by_type and bool(profile.kind) and key == _key(profile.kind, kind.loose)
        )

    def resolve(self, attribute: str, name: str) -> Profile:
        """The profile a configured name designates; UnknownProfile if there is none."""
        candidates = self.profiles(attribute)
        for profile in candidates:
            if self.matches(attribute, name, profile):
                return profile
        raise UnknownProfile(KINDS[attribute], name, [p.name for p in candidates])

    def same(self, attribute: str, configured: str | None, actual_id: str | None) -> bool:
        """True when a configured name designates the profile with this id."""
        if configured is None or actual_id is None:
            return configured is None and actual_id is None
        return any(
            p.instance_id == actual_id and self.matches(attribute, configured, p)
            for p in self.profiles(attribute)
        )
