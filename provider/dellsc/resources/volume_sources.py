"""Volumes made from a snapshot (`source_snapshot_id`) or cloned from a volume
(`source_volume_id`), as the Cinder driver's create_volume_from_snapshot and
create_cloned_volume do (DSM REST reference §6.5, §6.6).

- From a snapshot: a view volume of the replay (`CreateView`), expanded right after when a
  larger size is asked for. Storage and data-reduction profiles are set afterwards.
- A clone: a new volume, a crash-consistent marker replay of the source copied onto it
  (`ScCopyMirrorMigrate/Copy`), then the marker and the copied replays are expired, so nothing
  temporary stays on the array.

The source is a creation fact: the new volume's Notes record it (`[dellsc:source ...]`, see
`dellsc.resources.marks`), so import restores it, and a source that expires or is made again
with a new ID never replaces the volume (`plan_sources`). A clone is marked `[dellsc:copying]`
until its copy is done, before its marker replay is taken (named after the clone's ID), so
an interrupted clone is adopted and copied again, and its marker expired, by the next apply.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from dellsc.resources import ledger
from dellsc.resources.adopt import Creation, create_once
from dellsc.resources.base import PlanChange, Values
from dellsc.resources.marks import Notes, new_notes
from dellsc.resources.replays import is_live
from dellsc.sc import errors
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
    """Plan-time checks of a new volume's source (reads only); sources as creation facts."""
    if change.prior is not None:
        plan_sources(provider, change)
        return
    for attribute in (SNAPSHOT, VOLUME):
        change.planned[attribute] = change.config.get(attribute)
    if provider.catalog is None or not has_source(change.planned):
        return
    size = source_size(provider.client(), change.planned, change.diags)
    check_size(size, change.planned["size_gb"], change.diags)


def plan_sources(provider: ProviderHost, change: PlanChange) -> None:
    """What a volume was made from stays what it was made from.

    The volume is replaced only when the configuration names another source that exists while
    the one it was made from still exists too: the user chose another source. When that
    source is gone (a snapshot that expired) or is being made again (its ID unknown until
    apply), the volume is kept, the state keeps the source it was made from, and the plan
    says so in one warning.
    """
    prior, planned, config, diags = change.prior, change.planned, change.config, change.diags
    assert prior is not None
    for attribute in (SNAPSHOT, VOLUME):
        made_from, wanted = prior.get(attribute), config.get(attribute)
        if wanted == made_from:
            continue
        if made_from is None:
            if wanted is not None:  # a source for a volume made without one: a new volume
                change.requires_replace.append(AttrPath(attribute))
            continue
        planned[attribute] = made_from
        if wanted is None:
            continue
        if is_unknown(wanted):
            diags.warning(
                "Volume Kept: Its Source Is Made Again",
                f"Volume {prior['name']!r} ({prior['id']}) was made from {made_from}, and the "
                f"configuration's {attribute} is only known after apply (its source is being "
                "made again). A volume is made from its source once: it is kept with its data, "
                f"and {attribute} stays {made_from} in the state. To make it again from the "
                f"new source, replace it: terraform apply -replace=<address>.",
                AttrPath(attribute),
            )
        elif provider.catalog is not None and _exists(provider, attribute, made_from):
            planned[attribute] = wanted
            change.requires_replace.append(AttrPath(attribute))


def _exists(provider: ProviderHost, attribute: str, source_id: str) -> bool:
    client = provider.client()
    try:
        if attribute == SNAPSHOT:
            return is_live(client.get_replay(source_id))
        client.get_volume(source_id)
    except errors.ScNotFound:
        return False
    return True


def creation_facts(volume: ScVolume, prior: Values) -> Values:
    """source_snapshot_id and source_volume_id: as the state has them, else (an import) as
    the volume's Notes record them."""
    source = Notes.parse(volume.notes).source
    facts: Values = {}
    for attribute, kind in ((SNAPSHOT, "snapshot"), (VOLUME, "volume")):
        known = prior.get(attribute)
        if known is None and source is not None and source[0] == kind:
            known = source[1]
        facts[attribute] = known
    return facts


def create(
    provider: ProviderHost,
    planned: Values,
    folder: str,
    folder_id: str | None,
    ids: dict[str, Any],
    text: str | None,
    diags: Diagnostics,
) -> ScVolume | None:
    """Make (or adopt) the volume from its source; None with an error if the source is bad
    or another configuration already has a volume of that name in that folder."""
    client = provider.client()
    size = source_size(client, planned, diags)
    check_size(size, planned["size_gb"], diags)
    if diags.has_errors:
        return None
    owner, name = provider.owner, planned["name"]
    snapshot = _known(planned.get(SNAPSHOT))
    source = f"snapshot {planned[SNAPSHOT]}" if snapshot else f"volume {planned[VOLUME]}"
    marks = {"source": source} if snapshot else {"source": source, "copying": ""}

    if snapshot:
        replay_id = planned[SNAPSHOT]

        def make(notes: str) -> ScVolume:
            return client.create_view_volume(
                replay_id,
                name,
                folder_id=folder_id,
                replay_profile_ids=ids.get("replay_profiles"),
                volume_qos_profile_id=ids.get("volume_qos_profile"),
                group_qos_profile_id=ids.get("group_qos_profile"),
                notes=notes,
            )
    else:

        def make(notes: str) -> ScVolume:
            return client.create_volume(
                name,
                int(planned["size_gb"]),
                folder_id=folder_id,
                storage_profile_id=ids.get("storage_profile"),
                replay_profile_ids=ids.get("replay_profiles"),
                volume_qos_profile_id=ids.get("volume_qos_profile"),
                group_qos_profile_id=ids.get("group_qos_profile"),
                data_reduction_profile_id=ids.get("data_reduction_profile"),
                notes=notes,
            )

    volume = create_once(
        Creation(
            kind="volume",
            what=f"volume {name!r} in folder {folder or '/'!r}",
            key=("dellsc_volume", str(client.ssn), folder, name),
            owner=owner,
            notes=new_notes(text, owner, **marks),
            find=lambda: client.find_volumes(name=name, folder_path=folder),
            create=make,
            notes_of=lambda v: v.notes,
            id_of=lambda v: v.instance_id,
            accept=lambda v: _same_source(v, owner, source),  # ours from another source: not
        ),
        diags,
    )
    if volume is None or snapshot:
        return volume
    return _copy(client, volume, planned[VOLUME], diags)


def _same_source(volume: ScVolume, owner: str, source: str) -> bool:
    """False for a volume of this owner that records another source (never adopted here)."""
    notes = Notes.parse(volume.notes)
    return notes.owner != owner or notes.marks.get("source") == source


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


def marker_name(clone_id: str) -> str:
    """The description of a clone's marker replay (of its source), from the clone's ID."""
    return "tf-clone-" + hashlib.sha256(clone_id.encode()).hexdigest()[:21]


def _copy(
    client: ScClient, volume: ScVolume, source_id: str, diags: Diagnostics
) -> ScVolume | None:
    """Copy the source onto a clone still marked `copying` (again, after an interrupted
    clone), expire the marker and the copied replays, then clear the mark. None, with an
    error, when that fails: the clone stays marked, and the next apply adopts it."""
    if not Notes.parse(volume.notes).copying:
        return volume
    marker = marker_name(volume.instance_id)
    try:
        client.create_replay(source_id, marker, CLONE_MARKER_MINUTES)
        client.copy_volume(source_id, volume.instance_id)
        _expire_temporary(client, source_id, volume.instance_id, marker)
        return ledger.rewrite(client, volume.instance_id, lambda n: n.with_mark("copying", None))
    except errors.ScError as exc:
        left = _expire_temporary(client, source_id, None, marker, quiet=True)
        diags.error(
            "Volume Clone Not Finished",
            f"Cloning volume {source_id} into {volume.name!r} ({volume.instance_id}) failed: "
            f"{exc} "
            + (
                f"Its marker snapshot ({', '.join(left)}) of volume {source_id} could not be "
                "expired yet. "
                if left
                else ""
            )
            + "The next apply copies it again and expires what this attempt left.",
        )
        return None


def _expire_temporary(
    client: ScClient, source_id: str, clone_id: str | None, marker: str, *, quiet: bool = False
) -> list[str]:
    """Expire the marker replays of the source and (with `clone_id`) the replays copied onto
    the clone; with `quiet`, failures are returned (the markers left) instead of raised."""
    left = []
    for owner in (source_id, clone_id):
        if owner is None:
            continue
        try:
            replays = client.volume_replays(owner)
        except errors.ScError:
            if not quiet:
                raise
            continue
        for replay in replays:
            if is_live(replay) and (owner == clone_id or replay.description == marker):
                try:
                    client.expire_replay(replay.instance_id)
                except errors.ScError:
                    if not quiet:
                        raise
                    left.append(replay.instance_id)
    return left
