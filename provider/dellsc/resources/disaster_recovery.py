"""What a replication plan does to one pair of volumes on the array: start, read, stop, fail
over and fail back, in the Cinder driver's sequences (DSM REST reference §4.10, §4.11, §6.11,
§6.13).

A pair is a primary volume on the provider's Storage Center and its destination (plain
replication) or secondary (Live Volume) on the other SC. Destination volumes are named
`Cinder repl of <name>` and carry the plan's mark in their notes; that mark is how a plan
finds what it made, after a lost reply as after an import.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources.adopt import find_again
from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScLiveVolume, ScReplay, ScReplication, ScVolume

log = logging.getLogger("dellsc.resources.disaster_recovery")

REPL_PREFIX = "Cinder repl of "
UNMANAGED_PREFIX = "Unmanaged_"
MARK_PREFIX = "dellsc_replication_plan "
FAILBACK_QOS_NODE = "tempqos"
FAILBACK_REPLAY = "failback"
FAILBACK_REPLAY_MINUTES = 600

REPLICATING = "replicating"
FAILED_OVER = "failed-over"
BROKEN = "broken"


PLAN_ID = re.compile(r"(\d+):(\d+):([A-Za-z0-9][A-Za-z0-9_.-]{0,62})")


class FailbackError(Exception):
    """A failback cannot proceed (nothing was changed for the volume concerned)."""


def mark(plan_id: str) -> str:
    """The notes a plan writes on its destination volumes."""
    return MARK_PREFIX + plan_id


@dataclass(frozen=True)
class Settings:
    """A plan's replication settings, as the array wants them."""

    plan_id: str
    source_ssn: int
    destination_ssn: int
    synchronous: bool
    sync_mode: str
    active_replay: bool
    qos_node: str
    live_volume: bool

    @classmethod
    def of(cls, values: dict[str, Any], source_ssn: int) -> Settings:
        sync = values["type"] == "sync"
        return cls(
            plan_id=values["id"],
            source_ssn=source_ssn,
            destination_ssn=int(values["destination_ssn"]),
            synchronous=sync,
            sync_mode=values.get("sync_mode") or "HighAvailability",
            active_replay=bool(values.get("active_replay")) or sync,
            qos_node=values["qos_node"],
            live_volume=bool(values["live_volume"]),
        )


def pair_value(
    destination_id: str | None, state: str, synced: bool, remaining: int | None
) -> dict[str, Any]:
    return {
        "destination_volume_id": destination_id,
        "state": state,
        "synced": synced,
        "bytes_remaining": None if remaining is None else Decimal(remaining),
    }


class Pairs:
    """The pairs of one plan, on one client."""

    def __init__(self, client: ScClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._qos_ids: dict[tuple[str, int], str] = {}

    # -- reading -------------------------------------------------------------------------

    def unreachable(self, exc: errors.ScApiError, ssn: int) -> bool:
        return isinstance(exc, errors.ScUnavailable) or not self.client.sc_reachable(ssn)

    def ours(self, volume_id: str | None) -> bool:
        """Whether a destination volume carries this plan's mark."""
        if volume_id is None:
            return False
        try:
            return self.client.get_volume(volume_id).notes == mark(self.settings.plan_id)
        except errors.ScNotFound:
            return False

    def live(self, volume_id: str) -> ScLiveVolume | None:
        return self.client.find_live_volume(volume_id)

    def replication(self, volume_id: str) -> ScReplication | None:
        return self.client.replication_to(volume_id, self.settings.destination_ssn)

    def read(self, volume_id: str, prior: dict[str, Any] | None) -> dict[str, Any] | None:
        """The pair of a primary volume now, or None when it has none. ScUnavailable when
        what decides it sits on a Storage Center that is down."""
        prior_dest = (prior or {}).get("destination_volume_id")
        if self.settings.live_volume:
            found = self.live(prior_dest or volume_id)
            if found is None or found.primary_volume is None or found.secondary_volume is None:
                return None
            primary = found.primary_volume.instance_id
            if primary == volume_id:
                synced = found.replication_state.casefold() == "up"
                return pair_value(
                    found.secondary_volume.instance_id, REPLICATING, synced, 0 if synced else None
                )
            return pair_value(primary, FAILED_OVER, False, None)
        if prior is not None and prior.get("state") == FAILED_OVER and prior_dest:
            try:
                copy = self.client.get_volume(prior_dest)
            except errors.ScNotFound:
                return None
            if not copy.name.startswith(REPL_PREFIX):
                return pair_value(prior_dest, FAILED_OVER, False, None)
            # named a replica again: failed back (by an action or another tool)
        replication = self.replication(volume_id)
        if replication is None or replication.destination_volume is None:
            return None
        dest = replication.destination_volume.instance_id
        if replication.state.casefold() != "up":
            state = FAILED_OVER if self.took_over(dest) else BROKEN
            return pair_value(dest, state, False, None)
        progress = self.client.replication_progress(replication.instance_id)
        return pair_value(dest, REPLICATING, progress.synced, progress.amount_remaining_bytes)

    def took_over(self, copy_id: str) -> bool:
        """Whether a broken-off copy took its volume's name (it was failed over, by this plan
        or another tool) rather than just lost its link."""
        try:
            return not self.client.get_volume(copy_id).name.startswith(REPL_PREFIX)
        except errors.ScNotFound:
            return False

    def read_copy(self, prior: dict[str, Any] | None) -> dict[str, Any] | None:
        """A pair as its copy tells it while the primary cannot be read: failed over when the
        copy took the volume's name, else as last known."""
        dest = (prior or {}).get("destination_volume_id")
        if (
            prior is None
            or dest is None
            or self.settings.live_volume
            or prior["state"] == FAILED_OVER
        ):
            return prior
        try:
            taken = self.took_over(dest)
        except errors.ScApiError:
            return prior
        return pair_value(dest, FAILED_OVER, False, None) if taken else prior

    def foreign(self, volume_id: str) -> str | None:
        """Why the volume cannot join this plan (it replicates for someone else), or None."""
        for replication in self.client.volume_replications(volume_id):
            dest = replication.destination_volume
            if not self.ours(dest.instance_id if dest else None):
                return (
                    f"it already replicates to Storage Center "
                    f"{replication.destination_sc_serial_number} (replication "
                    f"{replication.instance_id}) for another plan or outside Terraform"
                )
        found = self.live(volume_id)
        if found is not None:
            ends = [r for r in (found.primary_volume, found.secondary_volume) if r is not None]
            partner = next((r.instance_id for r in ends if r.instance_id != volume_id), None)
            if not self.ours(partner):
                return f"it is already part of Live Volume {found.instance_id}"
        return None

    # -- start and stop ------------------------------------------------------------------

    def qos_node_id(self, name: str, ssn: int) -> str:
        key = (name, ssn)
        if key not in self._qos_ids:
            self._qos_ids[key] = self.client.ensure_replication_qos_node(name, ssn).instance_id
        return self._qos_ids[key]

    def start(self, volume_id: str) -> None:
        """Replicate a volume (or make it a Live Volume); what a lost reply already made is
        adopted, never made twice."""
        s = self.settings
        if s.live_volume:
            found = self.live(volume_id)
            if found is not None:
                log.info("adopting Live Volume %s of %s", found.instance_id, volume_id)
                return
            self.client.create_live_volume(
                volume_id,
                s.destination_ssn,
                self.qos_node_id(s.qos_node, s.source_ssn),
                self.qos_node_id(s.qos_node, s.destination_ssn),
                synchronous=s.synchronous,
                sync_mode=s.sync_mode,
                replicate_active_replay=s.active_replay,
                notes=mark(s.plan_id),
            )
            return
        if self.replication(volume_id) is not None:
            log.info("adopting the replication of %s to %s", volume_id, s.destination_ssn)
            return
        name = self.client.get_volume(volume_id).name
        try:
            self.client.create_replication(
                volume_id,
                s.destination_ssn,
                self.qos_node_id(s.qos_node, s.source_ssn),
                synchronous=s.synchronous,
                sync_mode=s.sync_mode,
                replicate_active_replay=s.active_replay,
                destination_name=REPL_PREFIX + name,
                notes=mark(s.plan_id),
            )
        except errors.ScError as exc:
            # the array may have started it anyway: then carry on with it
            if not errors.outcome_unknown(exc):
                raise
            started, _ = find_again(lambda: [r for r in [self.replication(volume_id)] if r])
            if started is None:
                raise
            log.info("the replication of %s started despite: %s", volume_id, exc)

    def stop(self, volume_id: str, *, keep: bool) -> None:
        """Stop a volume's replication; delete its destination, or keep it renamed
        `Unmanaged_<name>`. Confirmed by reading back."""
        kept: str | None = None
        if self.settings.live_volume:
            found = self.live(volume_id)
            if found is not None:
                partner = found.secondary_volume
                kept = partner.instance_id if partner else None
                self.client.delete_live_volume(
                    found.instance_id, delete_secondary=not keep, recycle_secondary=not keep
                )
                if self.live(volume_id) is not None:
                    raise errors.ScConflict(
                        200, f"Live Volume {found.instance_id} is still there after its delete"
                    )
        else:
            replication = self.replication(volume_id)
            if replication is not None:
                dest = replication.destination_volume
                kept = dest.instance_id if dest else None
                self.client.delete_replication(
                    replication.instance_id,
                    delete_destination=not keep,
                    recycle_destination=not keep,
                )
                if self.replication(volume_id) is not None:
                    raise errors.ScConflict(
                        200, f"replication {replication.instance_id} is still there after delete"
                    )
        if kept is None:
            return
        if keep:
            name = self.client.get_volume(kept).name
            if not name.startswith(UNMANAGED_PREFIX):
                self.client.update_volume(kept, name=UNMANAGED_PREFIX + name)
            return
        try:
            self.client.get_volume(kept)
        except errors.ScNotFound:
            return
        raise errors.ScConflict(200, f"destination volume {kept} is still there after delete")

    def set_active_replay(self, volume_id: str) -> None:
        replication = self.replication(volume_id)
        if (
            replication is not None
            and replication.replicate_active_replay != self.settings.active_replay
        ):
            self.client.update_replication(replication.instance_id, self.settings.active_replay)

    # -- failover ------------------------------------------------------------------------

    def fail_over(self, volume_id: str, prior: dict[str, Any], primary_up: bool) -> dict[str, Any]:
        """What the driver's failover_host does for one volume: break the replication and
        make the destination usable under the volume's name, mapped to the hosts the primary
        was mapped to (when the primary can say which); a Live Volume swaps roles. The pair
        after it."""
        dest = prior.get("destination_volume_id")
        if self.settings.live_volume:
            found = self.live(dest or volume_id)
            if found is None or found.primary_volume is None or found.secondary_volume is None:
                raise errors.ScNotFound(404, f"no Live Volume holds {volume_id}")
            if found.primary_volume.instance_id == volume_id:
                self.client.swap_live_volume_roles(found.instance_id)
                dest = found.secondary_volume.instance_id
            else:
                dest = found.primary_volume.instance_id
            return pair_value(dest, FAILED_OVER, False, None)
        if prior.get("state") == FAILED_OVER:
            return prior
        if dest is None:
            raise errors.ScNotFound(404, f"volume {volume_id} has no known destination volume")
        initiators: list[str] = []
        name = self.client.get_volume(dest).name.removeprefix(REPL_PREFIX)
        if primary_up:
            initiators = self.client.volume_initiators(volume_id)
            name = self.client.get_volume(volume_id).name
        self.client.unmap_all(dest)  # unmapping the destination breaks the replication
        if primary_up:
            self.client.unmap_all(volume_id)
        self.client.update_volume(dest, name=name)
        if initiators:
            self.client.map_to_initiators(dest, initiators)
        return pair_value(dest, FAILED_OVER, False, None)

    # -- failback ------------------------------------------------------------------------

    def common_replay(self, original: str, current: str) -> ScReplay | None:
        """The most recent replay of the original volume that the current one also holds;
        None when the original has no replay at all (it never held data: a full copy back
        loses nothing)."""
        held = {
            r.global_index
            for r in self.client.volume_replays(current)
            if not r.active and not r.marked_for_expiration
        }
        frozen = [
            r
            for r in self.client.volume_replays(original)
            if not r.active and not r.marked_for_expiration
        ]
        if not frozen:
            return None
        candidates = [r for r in frozen if r.global_index in held]
        if not candidates:
            raise FailbackError(
                f"volume {original} and its copy {current} share no replay, so the data "
                "written on the secondary cannot be replicated back from a common point"
            )
        return max(candidates, key=_replay_order)

    def fail_back(self, volume_id: str, prior: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The driver's failback for one volume: replicate what was written on the secondary
        back onto the original from their most recent common replay, wait until it is in
        sync, then restore names, host mappings and the replication towards the secondary.
        The pair after it (replicating; read it back for its progress)."""
        s = self.settings
        current = prior.get("destination_volume_id")
        replicating = pair_value(current, REPLICATING, False, None)
        if self.settings.live_volume:
            found = self.live(current or volume_id)
            if found is None:
                raise errors.ScNotFound(404, f"no Live Volume holds {volume_id}")
            if found.primary_volume and found.primary_volume.instance_id != volume_id:
                self.client.swap_live_volume_roles(found.instance_id)
            return replicating
        if prior.get("state") != FAILED_OVER:
            return prior
        if current is None:
            raise FailbackError(f"volume {volume_id} has no known copy on the secondary")
        common = self.common_replay(volume_id, current)
        log.info(
            "failback of %s from %s",
            volume_id,
            f"common replay {common.instance_id}" if common else "scratch (it has no replay)",
        )
        initiators = self.client.volume_initiators(current)
        self.client.unmap_all(current)
        old = self.replication(volume_id)
        if old is not None:
            self.client.delete_replication(
                old.instance_id, delete_destination=False, recycle_destination=False
            )
        self.client.create_replay(current, FAILBACK_REPLAY, FAILBACK_REPLAY_MINUTES)
        back = self.client.create_replication(
            current,
            s.source_ssn,
            self.qos_node_id(FAILBACK_QOS_NODE, s.destination_ssn),
            destination_volume_id=volume_id,
        )
        self.wait_synced(back.instance_id, timeout)
        self.client.delete_replication(
            back.instance_id, delete_destination=False, recycle_destination=False
        )
        self.client.create_replication(
            volume_id,
            s.destination_ssn,
            self.qos_node_id(s.qos_node, s.source_ssn),
            synchronous=s.synchronous,
            sync_mode=s.sync_mode,
            replicate_active_replay=s.active_replay,
            destination_volume_id=current,
        )
        name = self.client.get_volume(volume_id).name
        self.client.update_volume(current, name=REPL_PREFIX + name)
        if initiators:
            self.client.map_to_initiators(volume_id, initiators)
        return replicating

    def wait_synced(self, replication_id: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        interval = min(self.client.config.poll_interval, 5.0)
        while True:
            progress = self.client.replication_progress(replication_id)
            if progress.synced:
                return
            if time.monotonic() + interval > deadline:
                raise errors.ScTimeout(
                    f"replication {replication_id} still has {progress.amount_remaining_bytes} "
                    f"bytes to send after {timeout:.0f} s; raise timeouts.failback"
                )
            time.sleep(interval)


def _replay_order(replay: ScReplay) -> tuple[int, ...]:
    """Replays of one volume in creation order: `ssn.volume.index` ids."""
    return tuple(int(p) for p in replay.instance_id.split(".") if p.isdigit())


@dataclass(frozen=True)
class Member:
    """One pair of a plan found on the array; `volume_id` is None when the primary cannot say."""

    volume_id: str | None
    copy_id: str
    state: str


def discover(client: ScClient, plan_id: str) -> tuple[dict[str, Any], list[Member]]:
    """The settings and members of a plan, found from its copies (the volumes carrying its
    mark on the secondary), so that it works while the primary is down."""
    match = PLAN_ID.fullmatch(plan_id)
    if match is None:
        raise ValueError(f"{plan_id!r} is not a plan ID <primary ssn>:<secondary ssn>:<name>")
    dest = int(match[2])
    copies: dict[str, ScVolume] = {
        v.instance_id: v for v in client.volumes_on(dest) if v.notes == mark(plan_id)
    }
    settings: dict[str, Any] = {}
    members: list[Member] = []
    for copy in (v for v in copies.values() if v.live_volume):
        found = client.find_live_volume(copy.instance_id)
        if found is None or found.primary_volume is None or found.secondary_volume is None:
            continue
        ends = (found.primary_volume.instance_id, found.secondary_volume.instance_id)
        volume_id = next(e for e in ends if e != copy.instance_id)
        state = REPLICATING if ends[0] == volume_id else FAILED_OVER
        members.append(Member(volume_id, copy.instance_id, state))
        sync = found.type == "Synchronous"
        settings = {
            "live_volume": True,
            "type": "sync" if sync else "async",
            "sync_mode": "HighAvailability" if sync else None,
            "active_replay": found.replicate_active_replay or sync,
        }
    plain = {i: v for i, v in copies.items() if not v.live_volume}
    if not plain:
        return settings, members
    source = int(match[1])
    if not client.sc_reachable(source):
        for copy in plain.values():
            taken = not copy.name.startswith(REPL_PREFIX)
            members.append(Member(None, copy.instance_id, FAILED_OVER if taken else REPLICATING))
        return settings, members
    for volume in client.volumes_on(source):
        replication = (
            client.replication_to(volume.instance_id, dest) if volume.replication_source else None
        )
        target = replication.destination_volume if replication else None
        if replication is None or target is None or target.instance_id not in plain:
            continue
        copy = plain[target.instance_id]
        if replication.state.casefold() == "up":
            state = REPLICATING
        else:
            state = BROKEN if copy.name.startswith(REPL_PREFIX) else FAILED_OVER
        members.append(Member(volume.instance_id, copy.instance_id, state))
        sync = replication.type == "Synchronous"
        settings = {
            "live_volume": False,
            "type": "sync" if sync else "async",
            "sync_mode": replication.sync_mode if sync else None,
            "active_replay": replication.replicate_active_replay,
            "qos_node": replication.qos_node.instance_name if replication.qos_node else None,
        }
    return settings, members
