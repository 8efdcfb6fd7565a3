"""`dellsc_snapshot`: take, rename, re-expire, import and expire or unmanage a volume replay.

Array behaviour follows the Cinder driver's create/delete_snapshot and manage/unmanage_snapshot
(DSM REST reference §6.3, §6.4, §6.16): an inactive volume is activated first, a deleted
snapshot is expired, an unmanaged one is set to expire in a day. `expire_minutes` is the
lifetime the snapshot was given (its expiry minus its creation time), so reading it again,
or importing it, never changes it.

Creates are findable without timing. A replay has no Notes, so its owner is recorded on its
volume (`[dellsc:snaps <owner>=<index>]`, see `dellsc.resources.marks`): the replay is taken
under a create mark (a description derived from the owner, the volume and the name),
recorded on the volume, then renamed. Whenever the process dies, the next create of this
snapshot finds it, by its create mark or by the record, and adopts it; a same-named snapshot
recorded for another configuration is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources import ledger
from dellsc.resources.adopt import (
    Sorted,
    find_again,
    keyed,
    plan_create,
    plan_hold,
    plan_lookup,
    refuse,
    report_unknown,
    skipped,
    take,
    warn_imported,
)
from dellsc.resources.base import PlanChange, Resource, Values, import_name
from dellsc.resources.marks import Notes, prune, replay_index
from dellsc.resources.replays import (
    REPLAY_ID,
    VOLUME_ID,
    expiry,
    is_live,
    named,
    parse_time,
    snapshot_values,
)
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplay

UNMANAGE_MINUTES = 1440
_MARK_PREFIX = "tf-create-"
_DESCRIPTION_LENGTH = 30


def create_mark(volume_id: str, name: str, owner: str | None = None) -> str:
    """The description a replay carries between its creation and its naming (without an
    owner: the one earlier versions used)."""
    basis = f"{volume_id}/{name}" if owner is None else f"{owner}/{volume_id}/{name}"
    digest = hashlib.sha256(basis.encode()).hexdigest()
    return (_MARK_PREFIX + digest)[:_DESCRIPTION_LENGTH]


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def lifetime(replay: ScReplay) -> int | None:
    """Minutes from the replay's creation to its expiry (None: it never expires)."""
    ends, start = expiry(replay), parse_time(replay.freeze_time)
    if ends is None:
        return None
    if start is None:
        return max(1, round((ends - dt.datetime.now(dt.UTC)).total_seconds() / 60))
    return max(1, round((ends - start).total_seconds() / 60))


def minutes_state(life: int | None, wanted: Any) -> Decimal:
    """expire_minutes as configured while the array's lifetime agrees (within a minute of
    rounding), else the lifetime the array shows (0: never expires)."""
    if life is None:
        return Decimal(0)
    if _known(wanted) and wanted > 0 and abs(int(wanted) - life) <= 1:
        return Decimal(wanted)
    return Decimal(life)


def set_lifetime(client: ScClient, replay_ids: list[str], minutes: int) -> None:
    """Give replays the lifetime `minutes` counted from their creation (0: never expire).

    The array takes an expiry in minutes from its own now, so the first change counts from
    this machine's clock; when the array then shows another lifetime (the clocks differ), the
    change is made once more, corrected by the difference.
    """
    for replay_id in replay_ids:
        if minutes == 0:
            client.update_replay(replay_id, expire_minutes=0)
            continue
        start = parse_time(client.get_replay(replay_id).freeze_time)
        elapsed = (dt.datetime.now(dt.UTC) - start).total_seconds() / 60 if start else 0
        left = max(1, round(minutes - elapsed))
        client.update_replay(replay_id, expire_minutes=left)
        shown = lifetime(client.get_replay(replay_id))
        if shown is not None and abs(shown - minutes) > 1 and left > 1:
            client.update_replay(replay_id, expire_minutes=max(1, left + minutes - shown))


def check_volume(resource: Resource, volume_id: Any, path: AttrPath, diags: Diagnostics) -> None:
    """Plan-time check that a known volume id names an existing volume (a read)."""
    if not _known(volume_id) or resource.provider.catalog is None:  # provider not configured
        return
    client = resource.provider.client()
    try:
        client.get_volume(volume_id)
    except errors.ScNotFound:
        diags.error(
            "Volume Not Found",
            f"{path} {volume_id!r} names no volume on Storage Center {client.ssn}. Nothing "
            "was sent to the array.",
            path,
        )


def sort_replays(
    client: ScClient, volume_id: str, name: str, owner: str, *, fresh: bool
) -> tuple[Sorted[ScReplay], list[ScReplay]]:
    """The live snapshots of the volume named `name` (or under one of its create marks), by
    whose they are; and all the volume's live replays."""
    volume = client.fresh_volume(volume_id) if fresh else client.get_volume(volume_id)
    notes = Notes.parse(volume.notes)
    live = [r for r in client.volume_replays(volume_id) if is_live(r)]
    skip = skipped()
    ours, theirs, legacy, unmarked = [], [], [], []
    for replay in sorted(live, key=lambda r: int(replay_index(r.instance_id))):
        if replay.instance_id in skip:
            continue
        if replay.description == create_mark(volume_id, name, owner):
            ours.append(replay)
        elif replay.description == create_mark(volume_id, name):
            legacy.append(replay)
        elif replay.description == name:
            recorded = notes.snapshot_owner(replay_index(replay.instance_id))
            if recorded == owner:
                ours.append(replay)
            elif recorded is not None:
                theirs.append((replay, recorded))
            else:
                unmarked.append(replay)
    return Sorted(ours, theirs, legacy, unmarked), live


class SnapshotResource(Resource):
    type_name = "dellsc_snapshot"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned, diags = change.prior, change.planned, change.diags
        self.check_single_owner(prior, diags)
        if prior is not None and not change.changed("expire_minutes"):
            planned["expires_at"] = prior["expires_at"]
        elif _known(planned["expire_minutes"]) and planned["expire_minutes"] == 0:
            planned["expires_at"] = None
        if prior is None or change.changed("volume_id"):
            check_volume(self, planned["volume_id"], AttrPath("volume_id"), diags)
        if self.provider.catalog is None or diags.has_errors:
            return
        what = f"snapshot {planned['name']!r} of volume {planned['volume_id']}"
        key = ("dellsc_snapshot", str(planned["volume_id"]), str(planned["name"]))
        if prior is not None:
            keys = [("dellsc_snapshot", str(prior["volume_id"]), str(prior["name"])), key]
            plan_hold(self.provider, "snapshot", what, keys, prior["id"], diags, AttrPath("name"))
        elif _known(planned["volume_id"]) and _known(planned["name"]):
            sorted_ = plan_lookup("snapshot", what, lambda: sort_replays(
                self.provider.client(), planned["volume_id"], planned["name"],
                self.provider.owner, fresh=False,
            ), diags, AttrPath("name"))  # fmt: skip
            found = sorted_[0] if sorted_ is not None else None
            plan_create(
                self.provider, "snapshot", what, key, found, lambda r: r.instance_id,
                change.replaces, diags, AttrPath("name"),
            )  # fmt: skip

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if isinstance(prior.get("id"), str):
            key = ("dellsc_snapshot", str(prior.get("volume_id")), str(prior.get("name")))
            what = f"snapshot {prior.get('name')!r} of volume {prior.get('volume_id')}"
            plan_hold(self.provider, "snapshot", what, [key], prior["id"], diags,
                      AttrPath("id"), destroy=True)  # fmt: skip
        if prior.get("deletion_policy") == "UNMANAGE":
            diags.warning(
                f"Snapshot Will Be Kept For A Day: {prior.get('name')!r}",
                f"Destroying this resource keeps snapshot {prior.get('name')!r} "
                f"({prior.get('id')}) on the array and sets it to expire in one day "
                '(deletion_policy = "UNMANAGE"), as the Cinder driver\'s unmanage does; '
                "Terraform only forgets it.",
                AttrPath("deletion_policy"),
            )

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        key = ("dellsc_snapshot", str(planned["volume_id"]), str(planned["name"]))
        what = f"snapshot {planned['name']!r}"
        return keyed("snapshot", what, key, diags, lambda: self._create(planned, diags))

    def _create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume_id, name, owner = planned["volume_id"], planned["name"], self.provider.owner
        minutes = int(planned["expire_minutes"])
        what = f"snapshot {name!r} of volume {volume_id}"
        found, live = sort_replays(client, volume_id, name, owner, fresh=True)
        mine = found.ours or found.legacy
        adopted = mine[0] if mine else None
        if adopted is None and found.theirs:
            other, by = found.theirs[0]
            refuse("snapshot", what, other.instance_id, by, owner, diags, AttrPath("name"))
            return None
        if adopted is not None:
            diags.warning(
                "Adopted An Unfinished Snapshot",
                f"Snapshot {name!r} of volume {volume_id} ({adopted.instance_id}) was taken by "
                "an earlier create of this configuration that did not finish; it is adopted "
                "instead of taking a second one.",
            )
            replay = adopted
        else:
            taken = self._take(client, volume_id, name, minutes, owner, diags)
            if taken is None:
                return None
            replay = taken
        take(replay.instance_id)
        try:
            if replay.description != name:
                # recorded on the volume before its create mark goes, so it is never lost
                index = replay_index(replay.instance_id)
                ledger.rewrite(client, volume_id, lambda n: _recorded(n, live, owner, index))
                client.update_replay(replay.instance_id, description=name)
            if adopted is not None and minutes_state(lifetime(replay), minutes) != minutes:
                set_lifetime(client, [replay.instance_id], minutes)
            replay = client.get_replay(replay.instance_id)
        except errors.ScError as exc:
            diags.error(
                "Snapshot Taken But Not Named",
                f"Replay {replay.instance_id} of volume {volume_id} was taken, but recording or "
                f"naming it {name!r} failed: {exc} The next apply adopts it and finishes.",
            )
            return None
        return self._state(replay, planned)

    @staticmethod
    def _take(
        client: ScClient, volume_id: str, name: str, minutes: int, owner: str,
        diags: Diagnostics,
    ) -> ScReplay | None:  # fmt: skip
        """Take the replay under its create mark; after a failure whose outcome is unknown,
        the replay the array took anyway (None, with an error, if it cannot be found)."""
        mark = create_mark(volume_id, name, owner)
        try:
            return client.create_replay(volume_id, mark, minutes)
        except errors.ScError as exc:
            if not errors.outcome_unknown(exc):
                raise
            cause = exc
        replay, lookup_error = find_again(lambda: named(client.volume_replays(volume_id), mark))
        if replay is None:
            report_unknown(
                "snapshot", f"snapshot {name!r}", cause, lookup_error,
                f"it is a snapshot of volume {volume_id} described {mark!r}", diags,
            )  # fmt: skip
        return replay

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        try:
            replay = client.get_replay(state["id"])
        except errors.ScNotFound:
            return None
        return self._state(replay, state) if is_live(replay) else None

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        if planned["name"] != prior["name"]:
            client.update_replay(prior["id"], description=planned["name"])
        if planned["expire_minutes"] != prior["expire_minutes"]:
            set_lifetime(client, [prior["id"]], int(planned["expire_minutes"]))
        state = self._state(client.get_replay(prior["id"]), planned)
        state["expire_minutes"] = planned["expire_minutes"]  # what was just set
        return state

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        replay_id = state["id"]
        unmanage = state.get("deletion_policy") == "UNMANAGE"
        try:
            if unmanage:
                client.update_replay(replay_id, expire_minutes=UNMANAGE_MINUTES)
            else:
                client.expire_replay(replay_id)
        except errors.ScNotFound:
            pass
        if not unmanage and self._still_there(client, replay_id):
            diags.error(
                "Snapshot Not Expired",
                f"Replay {replay_id} was expired, but the array still lists it as a live snapshot.",
            )

    @staticmethod
    def _still_there(client: ScClient, replay_id: str) -> bool:
        try:
            return is_live(client.get_replay(replay_id))
        except errors.ScNotFound:
            return False

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        replay: ScReplay | None = None
        if REPLAY_ID.fullmatch(import_id):
            try:
                replay = client.get_replay(import_id)
            except errors.ScNotFound:
                replay = None
            if replay is not None and not is_live(replay):
                replay = None
        elif "/name:" in import_id and VOLUME_ID.fullmatch(import_id.partition("/")[0]):
            volume_id, _, text = import_id.partition("/name:")
            name = import_name(import_id, text, f"{volume_id}/name:before-upgrade", diags)
            if name is None:
                return None
            try:
                found = named(client.volume_replays(volume_id), name)
            except errors.ScNotFound:
                found = []
            if len(found) > 1:
                ids = ", ".join(r.instance_id for r in found)
                diags.error(
                    "Snapshot Name Not Unique",
                    f"{len(found)} snapshots of volume {volume_id} are named {name!r} ({ids}). "
                    "Import one by its replay instance ID instead.",
                )
                return None
            replay = found[0] if found else None
        else:
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is neither a replay instance ID such as 64702.101.3 nor a "
                "volume and name such as 64702.101/name:before-upgrade.",
            )
            return None
        if replay is None:
            diags.error(
                "Snapshot Not Found",
                f"No live snapshot matches {import_id!r} on Storage Center {client.ssn}.",
            )
            return None
        self._warn_other_owner(client, replay, diags)
        return {"id": replay.instance_id}

    def _warn_other_owner(self, client: ScClient, replay: ScReplay, diags: Diagnostics) -> None:
        """Importing a snapshot that another configuration's record on its volume claims."""
        if replay.create_volume is None:
            return
        notes = Notes.parse(client.get_volume(replay.create_volume.instance_id).notes)
        warn_imported(f"snapshot {replay.description!r}", replay.instance_id,
                      notes.snapshot_owner(replay_index(replay.instance_id)), self.provider.owner,
                      diags, "destroying either expires it for both")  # fmt: skip

    # -- helpers -------------------------------------------------------------------------

    def _state(self, replay: ScReplay, prior: Values) -> Values:
        state = snapshot_values(replay)
        state["deletion_policy"] = prior.get("deletion_policy") or "DELETE"
        state["expire_minutes"] = minutes_state(lifetime(replay), prior.get("expire_minutes"))
        return state


def _recorded(notes: Notes, live: list[ScReplay], owner: str, index: str) -> Notes:
    """The volume's Notes with replay `index` recorded as `owner`'s snapshot (records of
    replays that are gone dropped)."""
    snaps = prune(notes.snaps(), [replay_index(r.instance_id) for r in live] + [index])
    entries = snaps.setdefault(owner, [])
    if index not in entries:
        entries.append(index)
    return notes.with_snaps(snaps)
