"""`dellsc_snapshot`: take, rename, re-expire, import and expire or unmanage a volume replay.

Array behaviour follows the Cinder driver's create/delete_snapshot and manage/unmanage_snapshot
(DSM REST reference §6.3, §6.4, §6.16): an inactive volume is activated first, a deleted
snapshot is expired, an unmanaged one is set to expire in a day.

Creates are findable: the replay is taken under a create mark (a description derived from the
volume and the name) and renamed to its name right after. A create whose reply was lost, or
whose Terraform died meanwhile (the mark is then kept), leaves a replay with that mark, which
the next attempt finds and adopts instead of taking another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources.adopt import abandoned, find_again, report_unknown
from dellsc.resources.base import PlanChange, Resource, Values, import_name
from dellsc.resources.replays import REPLAY_ID, VOLUME_ID, expiry, is_live, named, snapshot_values
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplay

UNMANAGE_MINUTES = 1440
_MARK_PREFIX = "tf-create-"
_DESCRIPTION_LENGTH = 30


def create_mark(volume_id: str, name: str) -> str:
    """The description a replay carries between its creation and its naming."""
    digest = hashlib.sha256(f"{volume_id}/{name}".encode()).hexdigest()
    return (_MARK_PREFIX + digest)[:_DESCRIPTION_LENGTH]


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


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


class SnapshotResource(Resource):
    type_name = "dellsc_snapshot"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned = change.prior, change.planned
        if prior is not None and not change.changed("expire_minutes"):
            planned["expires_at"] = prior["expires_at"]
        elif _known(planned["expire_minutes"]) and planned["expire_minutes"] == 0:
            planned["expires_at"] = None
        if prior is None or change.changed("volume_id"):
            check_volume(self, planned["volume_id"], AttrPath("volume_id"), change.diags)

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume_id, name = planned["volume_id"], planned["name"]
        minutes = int(planned["expire_minutes"])
        mark = create_mark(volume_id, name)
        earlier = named(client.volume_replays(volume_id), mark)
        replay = earlier[0] if earlier else self._take(client, volume_id, name, minutes, diags)
        if replay is None:
            return None
        if abandoned():
            # Terraform is gone and cannot save it: keep the mark so the next apply adopts it
            diags.error(
                "Snapshot Left Pending",
                f"Terraform stopped while snapshot {name!r} of volume {volume_id} was being "
                f"taken; replay {replay.instance_id} keeps its create mark and the next apply "
                "adopts it.",
            )
            return self._state(replay, planned)
        try:
            client.update_replay(
                replay.instance_id, description=name, expire_minutes=minutes if earlier else None
            )
            replay = client.get_replay(replay.instance_id)
        except errors.ScError as exc:
            diags.error(
                "Snapshot Taken But Not Named",
                f"Replay {replay.instance_id} of volume {volume_id} was taken, but naming it "
                f"{name!r} failed: {exc} It is kept in state as tainted; the next apply "
                "replaces it.",
            )
        return self._state(replay, planned)

    @staticmethod
    def _take(
        client: ScClient, volume_id: str, name: str, minutes: int, diags: Diagnostics
    ) -> ScReplay | None:
        """Take the replay under its create mark; after a failure whose outcome is unknown,
        the replay the array took anyway (None, with an error, if it cannot be found)."""
        mark = create_mark(volume_id, name)
        try:
            return client.create_replay(volume_id, mark, minutes)
        except errors.ScError as exc:
            if not errors.outcome_unknown(exc):
                raise
            cause = exc
        replay, lookup_error = find_again(lambda: named(client.volume_replays(volume_id), mark))
        if replay is None:
            report_unknown(
                "snapshot", name, cause, lookup_error,
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
        renamed = planned["name"] != prior["name"]
        retimed = planned["expire_minutes"] != prior["expire_minutes"]
        if renamed or retimed:
            client.update_replay(
                prior["id"],
                description=planned["name"] if renamed else None,
                expire_minutes=int(planned["expire_minutes"]) if retimed else None,
            )
        return self._state(client.get_replay(prior["id"]), planned)

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if prior.get("deletion_policy") == "UNMANAGE":
            diags.warning(
                f"Snapshot Will Be Kept For A Day: {prior.get('name')!r}",
                f"Destroying this resource keeps snapshot {prior.get('name')!r} "
                f"({prior.get('id')}) on the array and sets it to expire in one day "
                '(deletion_policy = "UNMANAGE"), as the Cinder driver\'s unmanage does; '
                "Terraform only forgets it.",
                AttrPath("deletion_policy"),
            )

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
        return {"id": replay.instance_id}

    # -- helpers -------------------------------------------------------------------------

    def _state(self, replay: ScReplay, prior: Values) -> Values:
        state = snapshot_values(replay)
        state["deletion_policy"] = prior.get("deletion_policy") or "DELETE"
        state["expire_minutes"] = _minutes(replay, prior.get("expire_minutes"))
        return state


def _minutes(replay: ScReplay, wanted: Any) -> Any:
    """expire_minutes as configured while the array agrees it expires; else what it shows."""
    ends = expiry(replay)
    if ends is None:
        return Decimal(0)
    if _known(wanted) and wanted > 0:
        return wanted
    left = (ends - dt.datetime.now(dt.UTC)).total_seconds() / 60
    return Decimal(max(1, math.ceil(left)))
