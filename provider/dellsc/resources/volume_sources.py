"""Volumes made from a snapshot (`source_snapshot_id`) or cloned from a volume
(`source_volume_id`), as the Cinder driver's create_volume_from_snapshot and
create_cloned_volume do (DSM REST reference §6.5, §6.6).

- From a snapshot: a view volume of the replay (`CreateView`), expanded right after when a
  larger size is asked for. Storage and data-reduction profiles are set afterwards.
- A clone: a new volume, a crash-consistent marker replay of the source copied onto it
  (`ScCopyMirrorMigrate/Copy`), then the marker and the copied replays are expired, so nothing
  temporary stays on the array.

Creates are findable: the new volume's notes name its source (and, for a clone, whether the
copy finished), so a create whose reply was lost is found by name and notes, in the same apply
or by the next one, and adopted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dellsc.resources.adopt import find_again
from dellsc.resources.base import PlanChange, Values
from dellsc.resources.replays import is_live
from dellsc.sc import errors
from dellsc.sc.notes import DEFAULT_NOTES
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.host import ProviderHost
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScVolume

GIB = 1 << 30
SNAPSHOT = "source_snapshot_id"
VOLUME = "source_volume_id"
CLONE_MARKER_MINUTES = 60


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def has_source(values: Values) -> bool:
    return values.get(SNAPSHOT) is not None or values.get(VOLUME) is not None


def validate(config: Values, diags: Diagnostics) -> None:
    """source_snapshot_id and source_volume_id exclude each other (even while unknown)."""
    if config.get(SNAPSHOT) is not None and config.get(VOLUME) is not None:
        diags.error(
            "Conflicting Volume Sources",
            f"Set at most one of {SNAPSHOT} and {VOLUME}: a volume is made either from a "
            "snapshot or as a clone of a volume, not both.",
            AttrPath(VOLUME),
        )


def source_size(client: ScClient, values: Values, diags: Diagnostics) -> int | None:
    """Bytes the new volume must at least have, or None (with an error) for a bad source.

    For a snapshot that is the size of its volume (volumes only grow, so never less than the
    size the snapshot was taken at).
    """
    if _known(values.get(SNAPSHOT)):
        replay_id = values[SNAPSHOT]
        try:
            replay = client.get_replay(replay_id)
            live = is_live(replay) and replay.create_volume is not None
        except errors.ScNotFound:
            live = False
        if not live:
            diags.error(
                "Source Snapshot Not Found",
                f"{SNAPSHOT} {replay_id!r} names no live snapshot on Storage Center "
                f"{client.ssn} (it does not exist, expired, or is being removed). Nothing was "
                "sent to the array.",
                AttrPath(SNAPSHOT),
            )
            return None
        assert replay.create_volume is not None
        return client.get_volume(replay.create_volume.instance_id).configured_size_bytes
    if _known(values.get(VOLUME)):
        try:
            return client.get_volume(values[VOLUME]).configured_size_bytes
        except errors.ScNotFound:
            diags.error(
                "Source Volume Not Found",
                f"{VOLUME} {values[VOLUME]!r} names no volume on Storage Center {client.ssn}. "
                "Nothing was sent to the array.",
                AttrPath(VOLUME),
            )
    return None


def check_size(size_bytes: int | None, size_gb: Any, diags: Diagnostics) -> None:
    if size_bytes is None or not _known(size_gb) or size_gb * GIB >= size_bytes:
        return
    diags.error(
        "Volume Smaller Than Its Source",
        f"size_gb = {size_gb} is smaller than the source ({size_bytes / GIB:g} GiB). A volume "
        "made from a snapshot or a volume can be as large or larger, never smaller.",
        AttrPath("size_gb"),
    )


def modify_plan(provider: ProviderHost, change: PlanChange) -> None:
    """Plan-time checks of a new volume's source (reads only)."""
    if change.prior is not None or provider.catalog is None or not has_source(change.planned):
        return
    size = source_size(provider.client(), change.planned, change.diags)
    check_size(size, change.planned["size_gb"], change.diags)


def create(
    provider: ProviderHost,
    planned: Values,
    folder_id: str | None,
    ids: dict[str, Any],
    diags: Diagnostics,
) -> ScVolume | None:
    """Make (or adopt) the volume from its source; None with an error if the source is bad."""
    client = provider.client()
    size = source_size(client, planned, diags)
    check_size(size, planned["size_gb"], diags)
    if diags.has_errors:
        return None
    if _known(planned.get(SNAPSHOT)):
        return _from_snapshot(client, planned, folder_id, ids)
    return _clone(client, planned, folder_id, ids)


def finish(client: ScClient, volume: ScVolume, planned: Values, ids: dict[str, Any]) -> ScVolume:
    """Profiles a view volume could not take at creation, then the requested size."""
    if _known(planned.get(SNAPSHOT)):
        for attribute, kind in (
            ("storage_profile", "storageProfile"),
            ("data_reduction_profile", "dataReductionProfile"),
        ):
            if attribute in ids:
                client.set_volume_profile(volume.instance_id, kind, ids[attribute])
    if int(planned["size_gb"]) * GIB > volume.configured_size_bytes:
        volume = client.expand_volume(volume.instance_id, int(planned["size_gb"]))
    return volume


def _adopt(client: ScClient, name: str, *marks: str) -> ScVolume | None:
    found = [v for v in client.find_volumes(name=name) if v.notes in marks]
    return found[0] if found else None


def _made(client: ScClient, name: str, mark: str, create: Callable[[], ScVolume]) -> ScVolume:
    """`create()`; after a failure whose outcome is unknown, the volume the array made anyway
    (found by name and `mark`), else the failure."""
    try:
        return create()
    except errors.ScError as exc:
        if not errors.outcome_unknown(exc):
            raise
        found, _ = find_again(
            lambda: [v for v in client.find_volumes(name=name) if v.notes == mark]
        )
        if found is None:
            raise
        return found


def _from_snapshot(
    client: ScClient, planned: Values, folder_id: str | None, ids: dict[str, Any]
) -> ScVolume:
    replay_id = planned[SNAPSHOT]
    mark = f"{DEFAULT_NOTES} from snapshot {replay_id}"
    earlier = _adopt(client, planned["name"], mark)
    if earlier is not None:
        return earlier
    return _made(
        client,
        planned["name"],
        mark,
        lambda: client.create_view_volume(
            replay_id,
            planned["name"],
            folder_id=folder_id,
            replay_profile_ids=ids.get("replay_profiles"),
            volume_qos_profile_id=ids.get("volume_qos_profile"),
            group_qos_profile_id=ids.get("group_qos_profile"),
            notes=mark,
        ),
    )


def _clone(
    client: ScClient, planned: Values, folder_id: str | None, ids: dict[str, Any]
) -> ScVolume:
    source_id = planned[VOLUME]
    copying = f"{DEFAULT_NOTES} cloning {source_id}"
    done = f"{DEFAULT_NOTES} clone of {source_id}"
    volume = _adopt(client, planned["name"], copying, done)
    if volume is None:
        volume = _made(
            client,
            planned["name"],
            copying,
            lambda: client.create_volume(
                planned["name"],
                int(planned["size_gb"]),
                folder_id=folder_id,
                storage_profile_id=ids.get("storage_profile"),
                replay_profile_ids=ids.get("replay_profiles"),
                volume_qos_profile_id=ids.get("volume_qos_profile"),
                group_qos_profile_id=ids.get("group_qos_profile"),
                data_reduction_profile_id=ids.get("data_reduction_profile"),
                notes=copying,
            ),
        )
    if volume.notes == done:
        return volume
    marker = "tf-clone-" + hashlib.sha256(volume.instance_id.encode()).hexdigest()[:21]
    client.create_replay(source_id, marker, CLONE_MARKER_MINUTES)
    client.copy_volume(source_id, volume.instance_id)
    for owner in (source_id, volume.instance_id):
        for replay in client.volume_replays(owner):
            copied = owner == volume.instance_id
            if is_live(replay) and (copied or replay.description == marker):
                client.expire_replay(replay.instance_id)
    return client.update_volume(volume.instance_id, notes=done)
