"""Plan warnings for the in-place changes that affect where or how a volume's data lives.

One warning per changed attribute, anchored at that attribute: old → new and what the array
will do (DSM reference §6.17: every profile switch is one `PUT ScVolumeConfiguration`, a
folder move one `PUT ScVolume`). Profile details (snapshot schedules, QoS limits) come from
the process-wide `ProfileCatalog`, so planning many volumes costs a fixed number of reads.
Renames and growth are ordinary updates and get no warning.

The details are best-effort: no public client reads schedule rules or QoS limits (reference
§9.1a), so a failed read or a field in an unexpected form leaves that detail out of the
preview, with one more warning naming the call; the plan itself never fails on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dellsc.resources.profiles import Profile, UnknownProfile
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.resources.base import PlanChange
    from dellsc.resources.profiles import ProfileCatalog


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def _quoted(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'


def _folder(path: str) -> str:
    return f'"{path}"' if path else '"/" (the root folder)'


def _minutes(minutes: int | None) -> str:
    if minutes is None:
        return "for a time the array does not say"
    for unit, size in (("week", 10080), ("day", 1440), ("hour", 60)):
        if minutes and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minutes" if minutes else "never expire"


class RetypePreview:
    """Builds the warnings of one planned update; `catalog` is the volume's SC's."""

    def __init__(self, change: PlanChange, catalog: ProfileCatalog | None) -> None:
        self.change = change
        self.catalog = catalog
        self._gaps: list[str] = []  # what the preview of the current attribute could not read

    def warn_all(self, folder_of: Callable[[Any], str]) -> None:
        prior, planned = self.change.prior, self.change.planned
        assert prior is not None
        name = planned["name"] if _known(planned["name"]) else prior["name"]
        for attribute, describe in (
            ("storage_profile", self._storage),
            ("replay_profiles", self._schedules),
            ("volume_qos_profile", self._qos),
            ("group_qos_profile", self._qos),
            ("data_reduction_profile", self._reduction),
        ):
            old, new = prior.get(attribute), planned.get(attribute)
            if not _known(new) or old == new:
                continue
            self._gaps = []
            what = describe(attribute, old, new)
            self.change.diags.warning(
                f"Retype In Place: {attribute}",
                f"Volume {name!r} ({prior['id']}): {attribute} {_quoted(old)} → "
                f"{_quoted(new)}. {what} The volume keeps its ID, WWN, data and mappings; "
                "no replacement.",
                AttrPath(attribute),
            )
            for gap in self._gaps:
                self.change.diags.warning(
                    f"Retype Preview Incomplete: {attribute}",
                    f"Volume {name!r} ({prior['id']}): {gap} Applying the change does not need it.",
                    AttrPath(attribute),
                )
        if _known(planned.get("folder")):
            old_path, new_path = folder_of(prior.get("folder")), folder_of(planned["folder"])
            if old_path != new_path:
                self.change.diags.warning(
                    "Folder Move In Place: folder",
                    f"Volume {name!r} ({prior['id']}): folder {_folder(old_path)} → "
                    f"{_folder(new_path)}. Metadata only: the array re-files the volume "
                    "(one PUT ScVolume"
                    + (", after creating missing folder levels" if new_path else "")
                    + "); no data moves and the ID, WWN and mappings stay.",
                    AttrPath("folder"),
                )

    # -- one sentence of what the array does, per attribute --------------------------------

    def _profile(self, attribute: str, name: Any) -> Profile | None:
        if self.catalog is None or not isinstance(name, str):
            return None
        try:
            return self.catalog.resolve(attribute, name)
        except UnknownProfile:
            return None

    def _storage(self, attribute: str, old: Any, new: Any) -> str:
        return (
            "The array re-tiers the volume's pages in the background (data progression) "
            "under the new profile's tier and RAID rules: no copy, no outage."
        )

    def _schedules(self, attribute: str, old: Any, new: Any) -> str:
        before, after = set(old or []), set(new or [])
        started = [self._schedule(n) for n in sorted(after - before)]
        stopped = [self._schedule(n) for n in sorted(before - after)]
        return (
            f"Schedules that start: {'; '.join(started) or 'none'}. "
            f"Schedules that stop: {'; '.join(stopped) or 'none'}. "
            "Snapshots already taken stay until they expire; consistency-group profiles "
            "are not touched."
        )

    def _schedule(self, name: str) -> str:
        profile = self._profile("replay_profiles", name)
        if profile is None or self.catalog is None:
            return name
        try:
            rules = [r for r in self.catalog.rules(profile) if r.enabled is not False]
        except errors.ScApiError as exc:
            self._gaps.append(
                f"Reading the schedule rules of snapshot profile {name!r} failed ({exc}), so "
                "the preview names the profile only."
            )
            return name
        if not rules:
            return f"{name} (no schedule rules)"
        described = ", ".join(
            f"{r.schedule.instance_name if r.schedule else r.name or 'a schedule'} keeping "
            f"each snapshot {_minutes(r.expiration)}"
            for r in rules
        )
        odd = sorted({field for r in rules for field in r.odd_fields})
        if odd:
            self._unreadable(f"the schedule rules of snapshot profile {name!r}", odd)
        return f"{name} ({described})"

    def _unreadable(self, what: str, fields: list[str], call: str = "") -> None:
        self._gaps.append(
            f"The array answered {', '.join(fields)} of {what}{call} in a form this provider "
            "does not read, so the preview shows them as unknown."
        )

    def _qos(self, attribute: str, old: Any, new: Any) -> str:
        profile = self._profile(attribute, new)
        if new is None:
            return "No QoS profile limits the volume's I/O any more."
        source = profile.source if profile is not None else None
        if source is None:
            return "The new profile's limits apply to host I/O at once; no data moves."
        limits = [
            _limit("IOPS", source.limit_iops_enabled, source.max_iops, "{} IOPS"),
            _limit(
                "bandwidth",
                source.limit_bandwidth_enabled,
                None if source.max_bandwidth is None else source.max_bandwidth // (1 << 20),
                "{} MiB/s",
            ),
        ]
        if source.relative_priority is not None:
            limits.append(f"relative priority {source.relative_priority}")
        if source.odd_fields:
            self._unreadable(
                f"QoS profile {new!r}",
                list(source.odd_fields),
                " (POST StorageCenter/ScQosProfile/GetList)",
            )
        scope = "volume" if attribute == "volume_qos_profile" else "group of volumes sharing it"
        return (
            f"New limits for the {scope}: {', '.join(limits)}. They apply to host I/O at "
            "once; no data moves."
        )

    def _reduction(self, attribute: str, old: Any, new: Any) -> str:
        profile = self._profile(attribute, new)
        kind = (profile.kind if profile is not None else str(new)).casefold()
        if kind == "none":
            return (
                "Data reduction stops for new writes; pages already reduced stay so until "
                "they are rewritten."
            )
        method = "Deduplication with compression" if "dedup" in kind else "Compression"
        return (
            f"{method} applies to new writes and to existing pages at the next data "
            "progression cycle; nothing is rewritten now."
        )


def _limit(what: str, enabled: bool | None, value: int | None, unit: str) -> str:
    """One QoS limit as the preview says it; None (not read) is said as unknown."""
    if enabled is False:
        return f"{what} not limited"
    if enabled and value:
        return "at most " + unit.format(value)
    if enabled:
        return f"{what} limited (limit unknown)"
    return f"{what} limit unknown"
