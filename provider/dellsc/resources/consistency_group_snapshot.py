"""`dellsc_consistency_group_snapshot`: one replay of every group member, taken together.

The Cinder driver's create/delete_cgsnapshot (DSM REST reference §6.10): one `CreateReplay` on
the group's Consistent profile freezes every member at one instant and the array records the
set as a ScReplayConsistencyGroup, whose id is this resource's id. Deleting expires the member
replays; unmanaging leaves them to expire in a day, like the driver's unmanage_snapshot.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources.adopt import find_again, report_unknown
from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.resources.consistency_group import CONSISTENT
from dellsc.resources.replays import expiry, is_live, parse_time, rfc3339
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplay, ScReplayConsistencyGroup

UNMANAGED_EXPIRY_MINUTES = 24 * 60
_GROUP_ID = re.compile(r"(\d+)\.\d+")
_SNAPSHOT_ID = re.compile(r"\d+(\.\d+){3}")


class ConsistencyGroupSnapshotResource(Resource):
    type_name = "dellsc_consistency_group_snapshot"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned = change.prior, change.planned
        minutes = planned["expire_minutes"]
        if prior is not None and not change.changed("expire_minutes"):
            planned["expires_at"] = prior["expires_at"]
        elif minutes is not None and not is_unknown(minutes) and minutes == 0:
            planned["expires_at"] = None
        if self.provider.catalog is None:  # provider arguments unknown yet: checked at apply
            return
        group_id = planned.get("consistency_group_id")
        if prior is None and isinstance(group_id, str):
            self._group(group_id, change.diags)

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
        client = self.provider.client()
        group_id = self._group(planned["consistency_group_id"], diags)
        if group_id is None:
            return None
        name = planned["name"]
        minutes = int(planned["expire_minutes"])
        found = self._live_by_name(client, group_id, name)
        if len(found) > 1:
            diags.error(
                "Group Snapshot Name Not Unique",
                f"Consistency group {group_id} already has {len(found)} live snapshots named "
                f"{name!r} ({', '.join(g.instance_id for g, _ in found)}). Choose another "
                "name, or import one of them.",
                AttrPath("name"),
            )
            return None
        if found:  # an earlier create whose reply was lost: adopt it, never snap twice
            snapshot, replays = found[0]
            if minutes or any(r.expires for r in replays):
                for replay in replays:
                    client.update_replay(replay.instance_id, expire_minutes=minutes)
        else:
            if not client.replay_profile_volumes(group_id):
                diags.error(
                    "Consistency Group Has No Members",
                    f"Consistency group {group_id} has no member volumes to snapshot.",
                    AttrPath("consistency_group_id"),
                )
                return None
            try:
                made = client.create_group_replay(group_id, name, minutes)
            except errors.ScError as exc:
                if not errors.outcome_unknown(exc):
                    raise
                again, lookup_error = find_again(lambda: self._live_by_name(client, group_id, name))
                if again is None:
                    report_unknown(
                        "group snapshot", name, exc, lookup_error,
                        f"a snapshot of group {group_id} with this name", diags,
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
            snapshot = made
        return self._state(client, snapshot.instance_id, planned)

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
                for replay in self._live_replays(client, prior["id"]):
                    client.update_replay(replay.instance_id, expire_minutes=minutes)
            except errors.ScError as exc:
                diags.error(
                    "Group Snapshot Expiry Partly Changed",
                    f"Changing the expiry of group snapshot {prior['id']} failed: {exc}. "
                    "The next apply sets it again.",
                )
                return prior
        return self._state(client, prior["id"], planned)

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
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
            if not self._live_replays(client, import_id):
                raise errors.ScNotFound(404, "every member snapshot has expired")
        except errors.ScNotFound:
            diags.error(
                "Group Snapshot Not Found",
                f"Storage Center {client.ssn} has no live group snapshot {import_id}.",
            )
            return None
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
            "expire_minutes": _minutes(ends, prior.get("expire_minutes")),
            "deletion_policy": prior.get("deletion_policy") or "DELETE",
            "created_at": rfc3339(parse_time(snapshot.freeze_time or replays[0].freeze_time)),
            "expires_at": rfc3339(ends),
            "snapshots": {
                r.create_volume.instance_id: r.instance_id for r in replays if r.create_volume
            },
        }


def _minutes(ends: dt.datetime | None, wanted: Any) -> Decimal:
    """expire_minutes as configured while the array agrees the snapshots expire; else what
    the array shows (0 for never, the minutes left for an imported or changed expiry)."""
    if ends is None:
        return Decimal(0)
    if isinstance(wanted, Decimal) and wanted > 0:
        return wanted
    left = (ends - dt.datetime.now(dt.UTC)).total_seconds() / 60
    return Decimal(max(1, math.ceil(left)))
