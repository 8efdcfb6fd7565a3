"""`dellsc_consistency_group_snapshot`: one replay of every group member, taken together.

The Cinder driver's create/delete_cgsnapshot (DSM REST reference §6.10): one `CreateReplay` on
the group's Consistent profile freezes every member at one instant and the array records the
set as a ScReplayConsistencyGroup, whose id is this resource's id. Deleting expires the member
replays; unmanaging leaves them to expire in a day, like the driver's unmanage_snapshot.
`expire_minutes` is the lifetime the snapshots were given, as for `dellsc_snapshot`.

Creates are findable without timing. A group snapshot has no Notes and cannot be renamed, so
before it is taken the create records its intent on a member volume (`[dellsc:snaps
<owner>=~<key>><last index>]`, see `dellsc.resources.marks`); once taken, the record names the
member snapshot instead. The next create of this configuration adopts a group snapshot with
its name that either record points at, and refuses one another configuration recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
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
from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.resources.consistency_group import CONSISTENT
from dellsc.resources.marks import Notes, prune, replay_index
from dellsc.resources.replays import expiry, is_live, parse_time, rfc3339
from dellsc.resources.snapshot import lifetime, minutes_state, set_lifetime
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplay, ScReplayConsistencyGroup

Found = tuple["ScReplayConsistencyGroup", list["ScReplay"]]

UNMANAGED_EXPIRY_MINUTES = 24 * 60
_GROUP_ID = re.compile(r"(\d+)\.\d+")
_SNAPSHOT_ID = re.compile(r"\d+(\.\d+){3}")


class ConsistencyGroupSnapshotResource(Resource):
    type_name = "dellsc_consistency_group_snapshot"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned, diags = change.prior, change.planned, change.diags
        self.check_single_owner(prior, diags)
        minutes = planned["expire_minutes"]
        if prior is not None and not change.changed("expire_minutes"):
            planned["expires_at"] = prior["expires_at"]
        elif minutes is not None and not is_unknown(minutes) and minutes == 0:
            planned["expires_at"] = None
        if self.provider.catalog is None:  # provider arguments unknown yet: checked at apply
            return
        group_id, name = planned.get("consistency_group_id"), planned.get("name")
        what = f"group snapshot {name!r} of consistency group {group_id}"
        key = ("dellsc_consistency_group_snapshot", str(group_id), str(name))
        if prior is not None:
            keys = [
                ("dellsc_consistency_group_snapshot", str(prior["consistency_group_id"]),
                 str(prior["name"])),
                key,
            ]  # fmt: skip
            plan_hold(self.provider, "group snapshot", what, keys, prior["id"], diags,
                      AttrPath("name"))  # fmt: skip
        elif isinstance(group_id, str) and self._group(group_id, diags) and isinstance(name, str):
            client = self.provider.client()
            found = plan_lookup("group snapshot", what,
                                lambda: self._sort(client, group_id, name, fresh=False), diags,
                                AttrPath("name"))  # fmt: skip
            plan_create(
                self.provider, "group snapshot", what, key, found, lambda f: f[0].instance_id,
                change.replaces, diags, AttrPath("name"),
            )  # fmt: skip

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if isinstance(prior.get("id"), str):
            group_id, name = prior.get("consistency_group_id"), prior.get("name")
            key = ("dellsc_consistency_group_snapshot", str(group_id), str(name))
            plan_hold(self.provider, "group snapshot",
                      f"group snapshot {name!r} of consistency group {group_id}", [key],
                      prior["id"], diags, AttrPath("id"), destroy=True)  # fmt: skip
        if prior.get("deletion_policy") == "UNMANAGE":
            members = len(prior.get("snapshots") or {})
            diags.warning(
                f"Group Snapshot Will Be Kept For A Day: {prior.get('name')!r}",
                f"Destroying this resource keeps group snapshot {prior.get('name')!r} "
                f"({prior.get('id')}) and its {members} member snapshot(s) on the array and "
                'sets them to expire in one day (deletion_policy = "UNMANAGE"); Terraform '
                "only forgets it.",
                AttrPath("deletion_policy"),
            )

    def _group(self, group_id: str, diags: Diagnostics) -> str | None:
        """The group's profile id if it is a consistency group of this SC, else an error on
        `consistency_group_id`. Reads only."""
        client = self.provider.client()
        match = _GROUP_ID.fullmatch(group_id)
        problem = None
        if match is None:
            problem = f"{group_id!r} is not a consistency group ID such as {client.ssn}.11."
        elif int(match.group(1)) != client.ssn:
            problem = (
                f"Consistency group {group_id} is on Storage Center {match.group(1)}, but this "
                f"provider manages Storage Center {client.ssn}."
            )
        else:
            try:
                profile = client.get_replay_profile(group_id)
            except errors.ScNotFound:
                problem = f"Storage Center {client.ssn} has no consistency group {group_id}."
            else:
                if profile.type != CONSISTENT:
                    problem = (
                        f"Snapshot profile {group_id} ({profile.name!r}) is of type "
                        f"{profile.type}, not a consistency group."
                    )
        if problem is not None:
            diags.error(
                "Consistency Group Not Found",
                problem + " Nothing was changed on the array.",
                AttrPath("consistency_group_id"),
            )
            return None
        return group_id

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        key = (
            "dellsc_consistency_group_snapshot",
            str(planned["consistency_group_id"]),
            str(planned["name"]),
        )
        what = f"group snapshot {planned['name']!r}"
        return keyed("group snapshot", what, key, diags, lambda: self._create(planned, diags))

    def _create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        group_id = self._group(planned["consistency_group_id"], diags)
        if group_id is None:
            return None
        name, owner = planned["name"], self.provider.owner
        minutes = int(planned["expire_minutes"])
        what = f"group snapshot {name!r} of consistency group {group_id}"
        found = self._sort(client, group_id, name, fresh=True)
        if found.ours:
            snapshot, replays = found.ours[0]
            diags.warning(
                "Adopted An Unfinished Group Snapshot",
                f"{what[0].upper()}{what[1:]} ({snapshot.instance_id}) was taken by an earlier "
                "create of this configuration that did not finish; it is adopted instead of "
                "taking a second one.",
            )
            take(snapshot.instance_id)
            if minutes_state(lifetime(replays[0]), minutes) != minutes:
                set_lifetime(client, [r.instance_id for r in replays], minutes)
            self._record(client, owner, group_id, name, snapshot.instance_id)
            return self._state(client, snapshot.instance_id, planned)
        taken = [f for f, _ in found.theirs] + found.unmarked
        if taken:
            other = taken[0][0]
            if found.theirs:
                refuse("group snapshot", what, other.instance_id, found.theirs[0][1], owner,
                       diags, AttrPath("name"))  # fmt: skip
            else:
                diags.error(
                    "Group Snapshot Name Not Unique",
                    f"Consistency group {group_id} already has a live snapshot named {name!r} "
                    f"({other.instance_id}), taken outside this configuration. Choose another "
                    "name, or import it.",
                    AttrPath("name"),
                )
            return None
        members = client.replay_profile_volumes(group_id)
        if not members:
            diags.error(
                "Consistency Group Has No Members",
                f"Consistency group {group_id} has no member volumes to snapshot.",
                AttrPath("consistency_group_id"),
            )
            return None
        anchor = min(members, key=lambda v: v.instance_id).instance_id
        last = max((_index(g.instance_id) for g in client.consistency_groups(group_id)), default=0)
        intent = f"{_intent(owner, group_id, name)}>{last}"
        ledger.rewrite(client, anchor, lambda n: _with_entry(n, owner, intent))
        try:
            made = client.create_group_replay(group_id, name, minutes)
        except errors.ScError as exc:
            if not errors.outcome_unknown(exc):
                raise
            again, lookup_error = find_again(
                lambda: self._sort(client, group_id, name, fresh=True).ours
            )
            if again is None:
                report_unknown(
                    "group snapshot", what, exc, lookup_error,
                    f"its intent is recorded on volume {anchor}", diags,
                )  # fmt: skip
                return None
            made = again[0]
        if made is None:
            raise errors.ScApiError(
                204,
                f"the array took the group snapshot {name!r} but lists no new one",
                "POST",
                f"StorageCenter/ScReplayProfile/{group_id}/CreateReplay",
            )
        take(made.instance_id)
        self._record(client, owner, group_id, name, made.instance_id)
        return self._state(client, made.instance_id, planned)

    def _record(
        self, client: ScClient, owner: str, group_id: str, name: str, snapshot_id: str
    ) -> None:
        """Record the group snapshot as `owner`'s on a member volume (by its member snapshot
        there), in place of the create's intent."""
        replays = [r for r in self._live_replays(client, snapshot_id) if r.create_volume]
        if not replays:
            return
        prefix = _intent(owner, group_id, name) + ">"
        holders = self._intent_holders(client, owner, group_id, name)
        on = {r.create_volume.instance_id: r for r in replays if r.create_volume}
        volume_id = next((v for v in sorted(holders) if v in on), sorted(on)[0])
        index = replay_index(on[volume_id].instance_id)

        def record(notes: Notes) -> Notes:
            live = [replay_index(r.instance_id) for r in client.volume_replays(volume_id)
                    if is_live(r)]  # fmt: skip
            snaps = prune(notes.snaps(), live)
            entries = [e for e in snaps.get(owner, []) if not e.startswith(prefix)]
            snaps[owner] = entries if index in entries else [*entries, index]
            return notes.with_snaps(snaps)

        ledger.rewrite(client, volume_id, record)
        for other in holders - {volume_id}:
            ledger.rewrite(client, other, _dropping(owner, prefix))

    def _intent_holders(self, client: ScClient, owner: str, group_id: str, name: str) -> set[str]:
        prefix = _intent(owner, group_id, name) + ">"
        return {
            v.instance_id
            for v in client.replay_profile_volumes(group_id)
            if any(e.startswith(prefix) for e in Notes.parse(v.notes).snaps().get(owner, []))
        }

    def _sort(self, client: ScClient, group_id: str, name: str, *, fresh: bool) -> Sorted[Found]:
        """The group's live snapshots named `name`, by whose they are: recorded on a member's
        volume, or taken after this configuration's recorded intent."""
        owner = self.provider.owner
        named = [f for f in self._live_by_name(client, group_id, name)
                 if f[0].instance_id not in skipped()]  # fmt: skip
        if not named:
            return Sorted([], [], [], [])
        notes: dict[str, Notes] = {}

        def notes_of(volume_id: str) -> Notes:
            if volume_id not in notes:
                volume = (client.fresh_volume if fresh else client.get_volume)(volume_id)
                notes[volume_id] = Notes.parse(volume.notes)
            return notes[volume_id]

        prefix = _intent(owner, group_id, name) + ">"
        after = [
            int(e.removeprefix(prefix))
            for v in client.replay_profile_volumes(group_id)
            for e in notes_of(v.instance_id).snaps().get(owner, [])
            if e.startswith(prefix) and e.removeprefix(prefix).isdigit()
        ]
        ours, theirs, unmarked = [], [], []
        for found in named:
            recorded = {
                notes_of(r.create_volume.instance_id).snapshot_owner(replay_index(r.instance_id))
                for r in found[1]
                if r.create_volume is not None
            } - {None}
            if owner in recorded:
                ours.append(found)
            elif recorded:
                theirs.append((found, str(sorted(recorded, key=str)[0])))
            elif after and _index(found[0].instance_id) > min(after):
                ours.append(found)
            else:
                unmarked.append(found)
        return Sorted(ours, theirs, [], unmarked)

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        try:
            return self._state(client, state["id"], state)
        except errors.ScNotFound:
            return None

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        if planned["expire_minutes"] != prior["expire_minutes"]:
            minutes = int(planned["expire_minutes"])
            try:
                replays = self._live_replays(client, prior["id"])
                set_lifetime(client, [r.instance_id for r in replays], minutes)
            except errors.ScError as exc:
                diags.error(
                    "Group Snapshot Expiry Partly Changed",
                    f"Changing the expiry of group snapshot {prior['id']} failed: {exc}. "
                    "The next apply sets it again.",
                )
                return prior
            state = self._state(client, prior["id"], planned)
            state["expire_minutes"] = planned["expire_minutes"]  # what was just set
            return state
        return self._state(client, prior["id"], planned)

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        snapshot_id = state["id"]
        unmanage = state.get("deletion_policy") == "UNMANAGE"
        try:
            replays = self._live_replays(client, snapshot_id)
        except errors.ScNotFound:
            return
        for replay in replays:
            try:
                if unmanage:
                    client.update_replay(
                        replay.instance_id, expire_minutes=UNMANAGED_EXPIRY_MINUTES
                    )
                else:
                    client.expire_replay(replay.instance_id)
            except errors.ScNotFound:
                continue
        if unmanage:
            return
        left = self._live_replays(client, snapshot_id)  # trust no "gone" without reading it
        if left:
            diags.error(
                "Group Snapshot Not Deleted",
                f"The array accepted expiring group snapshot {snapshot_id} but still lists "
                f"{', '.join(r.instance_id for r in left)} as live.",
            )

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        if not _SNAPSHOT_ID.fullmatch(import_id):
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is not a group snapshot instance ID such as "
                f"{client.ssn}.{client.ssn}.11.1.",
            )
            return None
        try:
            if import_id.split(".")[0] != str(client.ssn):
                raise errors.ScNotFound(404, f"{import_id} is on another Storage Center")
            replays = self._live_replays(client, import_id)
            if not replays:
                raise errors.ScNotFound(404, "every member snapshot has expired")
        except errors.ScNotFound:
            diags.error(
                "Group Snapshot Not Found",
                f"Storage Center {client.ssn} has no live group snapshot {import_id}.",
            )
            return None
        first = replays[0]
        if first.create_volume is not None:
            notes = Notes.parse(client.get_volume(first.create_volume.instance_id).notes)
            warn_imported(
                f"group snapshot {import_id}", import_id,
                notes.snapshot_owner(replay_index(first.instance_id)), self.provider.owner,
                diags, "destroying either expires it for both",
            )  # fmt: skip
        return {"id": import_id}

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _live_replays(client: ScClient, snapshot_id: str) -> list[ScReplay]:
        """The member replays of a group snapshot that have not expired; ScNotFound if the
        group snapshot does not exist."""
        now = dt.datetime.now(dt.UTC)
        return [r for r in client.consistency_group_replays(snapshot_id) if is_live(r, now)]

    def _live_by_name(
        self, client: ScClient, group_id: str, name: str
    ) -> list[tuple[ScReplayConsistencyGroup, list[ScReplay]]]:
        """The group's snapshots with this description that still have live members."""
        found = []
        for snapshot in client.consistency_groups(group_id):
            if snapshot.description != name:
                continue
            try:
                replays = self._live_replays(client, snapshot.instance_id)
            except errors.ScNotFound:
                continue
            if replays:
                found.append((snapshot, replays))
        return found

    def _state(self, client: ScClient, snapshot_id: str, prior: Values) -> Values:
        """Terraform state of a group snapshot; ScNotFound once every member has expired."""
        snapshot = client.get_group_replay(snapshot_id)
        replays = self._live_replays(client, snapshot_id)
        if not replays:
            raise errors.ScNotFound(404, f"group snapshot {snapshot_id} has expired")
        group_id = snapshot.profile.instance_id if snapshot.profile else None
        ends = min((e for e in map(expiry, replays) if e is not None), default=None)
        return {
            "id": snapshot.instance_id,
            "consistency_group_id": group_id or prior.get("consistency_group_id"),
            "name": snapshot.description,
            "expire_minutes": minutes_state(lifetime(replays[0]), prior.get("expire_minutes")),
            "deletion_policy": prior.get("deletion_policy") or "DELETE",
            "created_at": rfc3339(parse_time(snapshot.freeze_time or replays[0].freeze_time)),
            "expires_at": rfc3339(ends),
            "snapshots": {
                r.create_volume.instance_id: r.instance_id for r in replays if r.create_volume
            },
        }


def _intent(owner: str, group_id: str, name: str) -> str:
    """The key of a group snapshot create's intent (short: it lives in a volume's Notes)."""
    return "~" + hashlib.sha256(f"{owner}/{group_id}/{name}".encode()).hexdigest()[:8]


def _index(snapshot_id: str) -> int:
    """The index of a group snapshot among those of its group (the last part of its id)."""
    tail = snapshot_id.rsplit(".", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _with_entry(notes: Notes, owner: str, entry: str) -> Notes:
    snaps = notes.snaps()
    entries = snaps.setdefault(owner, [])
    if entry not in entries:
        entries.append(entry)
    return notes.with_snaps(snaps)


def _dropping(owner: str, prefix: str) -> Any:
    def change(notes: Notes) -> Notes:
        snaps = notes.snaps()
        snaps[owner] = [e for e in snaps.get(owner, []) if not e.startswith(prefix)]
        return notes.with_snaps(snaps)

    return change
