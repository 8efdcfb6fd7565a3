"""The pairs of a replication plan: starting and stopping their replication (the Cinder
driver's sequences, DSM REST reference §4.10, §4.11, §6.11), their values in the state, and
finding them again on the array (import, the failover action, a mapping whose volume is failed
over). Reading them is `dr_refresh`; failover and fencing `dr_failover`; failback `dr_failback`.

A pair is a primary volume on the provider's Storage Center and its destination (plain
replication) or secondary (Live Volume) on the other SC. Destination volumes are named
`Cinder repl of <name>` and carry the plan's mark in their notes; that mark is how a plan
finds what it made, after a lost reply as after an import. A copy that took its volume's name
is the one serving the hosts (failed over).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources.adopt import find_again
from dellsc.resources.bounded import DEFAULT_PARALLELISM
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
    parallelism: int = DEFAULT_PARALLELISM

    @classmethod
    def of(cls, values: dict[str, Any], source_ssn: int) -> Settings:
        sync = values["type"] == "sync"
        parallelism = values.get("parallelism")
        return cls(
            plan_id=values["id"],
            source_ssn=source_ssn,
            destination_ssn=int(values["destination_ssn"]),
            synchronous=sync,
            sync_mode=values.get("sync_mode") or "HighAvailability",
            active_replay=bool(values.get("active_replay")) or sync,
            qos_node=values["qos_node"],
            live_volume=bool(values["live_volume"]),
            parallelism=int(parallelism) if parallelism else DEFAULT_PARALLELISM,
        )


PAIR_FACTS = ("initiators", "volume_size_bytes", "copy_size_bytes", "fenced")


def pair_value(
    destination_id: str | None,
    state: str,
    synced: bool,
    remaining: int | None,
    facts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A pair as the state holds it. `facts` carries what the plan records of it (see
    `record`): the initiators the volume served, both sizes, whether the original is fenced."""
    known = facts or {}
    return {
        "destination_volume_id": destination_id,
        "state": state,
        "synced": synced,
        "bytes_remaining": None if remaining is None else Decimal(remaining),
        **{fact: known.get(fact) for fact in PAIR_FACTS},
    }


def record(
    pair: dict[str, Any],
    *,
    initiators: list[str] | None = None,
    volume_bytes: int | None = None,
    copy_bytes: int | None = None,
    fenced: bool | None = None,
) -> dict[str, Any]:
    """`pair` with the facts given (those left None keep their recorded value)."""
    out = dict(pair)
    if initiators is not None:
        out["initiators"] = sorted(initiators)
    if volume_bytes is not None:
        out["volume_size_bytes"] = Decimal(volume_bytes)
    if copy_bytes is not None:
        out["copy_size_bytes"] = Decimal(copy_bytes)
    if fenced is not None:
        out["fenced"] = fenced
    return out


class Pairs:
    """The pairs of one plan, on one client."""

    def __init__(self, client: ScClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._qos_ids: dict[tuple[str, int], str] = {}
        self._qos_lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------

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
        with self._qos_lock:  # made once, whichever thread asks first
            if key not in self._qos_ids:
                node = self.client.ensure_replication_qos_node(name, ssn)
                self._qos_ids[key] = node.instance_id
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


def replay_order(replay: ScReplay) -> tuple[int, ...]:
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
    source, dest = int(match[1]), int(match[2])
    copies: dict[str, ScVolume] = {
        v.instance_id: v for v in client.volumes_of(dest) if v.notes == mark(plan_id)
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
    if not client.sc_reachable(source):
        for copy in plain.values():
            taken = not copy.name.startswith(REPL_PREFIX)
            members.append(Member(None, copy.instance_id, FAILED_OVER if taken else REPLICATING))
        return settings, members
    for replication in client.replications_of(source):
        target = replication.destination_volume
        if replication.source_volume is None or target is None or target.instance_id not in plain:
            continue
        copy = plain.pop(target.instance_id)
        if replication.state.casefold() == "up" and copy.name.startswith(REPL_PREFIX):
            state = REPLICATING
        else:
            state = BROKEN if copy.name.startswith(REPL_PREFIX) else FAILED_OVER
        members.append(Member(replication.source_volume.instance_id, copy.instance_id, state))
        sync = replication.type == "Synchronous"
        settings = {
            "live_volume": False,
            "type": "sync" if sync else "async",
            "sync_mode": replication.sync_mode if sync else None,
            "active_replay": replication.replicate_active_replay,
            "qos_node": replication.qos_node.instance_name if replication.qos_node else None,
        }
    # copies without a replication from the primary: a failback cut off between its steps
    # (the copy still carries the volume's name); the volume is the one it replicates back
    # to, else the primary's only volume of that name
    orphans = {i: c for i, c in plain.items() if not c.name.startswith(REPL_PREFIX)}
    if orphans:
        back = {
            r.source_volume.instance_id: r.destination_volume.instance_id
            for r in client.replications_of(dest)
            if r.source_volume is not None and r.destination_volume is not None
        }
        named: dict[str, list[str]] = {}
        for volume in client.volumes_of(source):
            named.setdefault(volume.name, []).append(volume.instance_id)
        for copy_id, copy in orphans.items():
            same = named.get(copy.name, [])
            original = back.get(copy_id) or (same[0] if len(same) == 1 else None)
            if original is not None:
                members.append(Member(original, copy_id, FAILED_OVER))
    return settings, members


def grow_copies(client: ScClient, volume: ScVolume) -> list[str]:
    """After a volume grew: its copies (replication destinations, a Live Volume's secondary)
    at least its size, whether or not the array grew them. What could not be grown (its
    Storage Center is unreachable: the plan grows it once both answer), as sentences."""
    if not (volume.replication_source or volume.live_volume):
        return []
    copies = [
        r.destination_volume.instance_id
        for r in client.volume_replications(volume.instance_id)
        if r.destination_volume is not None
    ]
    if volume.live_volume:
        found = client.find_live_volume(volume.instance_id)
        ends = [found.primary_volume, found.secondary_volume] if found else []
        copies += [e.instance_id for e in ends if e and e.instance_id != volume.instance_id]
    left = []
    for copy_id in copies:
        try:
            copy = client.get_volume(copy_id)
            if copy.configured_size_bytes < volume.configured_size_bytes:
                client.grow_to(copy_id, volume.configured_size_bytes)
        except errors.ScApiError as exc:
            left.append(f"its copy {copy_id} could not be grown ({exc})")
    return left


def stand_in(client: ScClient, volume_id: str) -> str | None:
    """Why a volume with no host mapping serves no host on purpose, or None: its copy took
    over by a failover (or is taking over: a failover cut off half-way), or a failback is
    replicating into it. ScUnavailable while its SC is down. For a mapping whose mapping
    profile is gone: None means unmapped by someone else."""
    replications = client.volume_replications(volume_id)
    if any(r.state.casefold() == "up" for r in replications):
        return None
    for replication in replications:  # all Down: broken off by a failover
        target = replication.destination_volume
        if target is None:
            continue
        try:
            copy = client.get_volume(target.instance_id)
        except errors.ScApiError:  # its SC may be down: it serves the hosts, as far as known
            return f"its copy {target.instance_id} serves the hosts"
        if not copy.name.startswith(REPL_PREFIX):
            return f"its copy {target.instance_id} serves the hosts"
        if copy.notes.startswith(MARK_PREFIX):
            return (
                f"a failover of its replication plan was cut off half-way (its copy "
                f"{target.instance_id} takes over; the next apply finishes it)"
            )
    volume = client.get_volume(volume_id)
    if volume.replication_destination:
        return "a failback is replicating its copy's data back into it"
    if replications:
        return None
    for ssn in client.managed_serials():  # a failback between its replications
        if ssn == volume.sc_serial_number:
            continue
        try:
            copies = client.volumes_of(ssn)
        except errors.ScApiError:
            continue
        for copy in copies:
            if copy.name == volume.name and copy.notes.startswith(MARK_PREFIX):
                return f"its copy {copy.instance_id} serves the hosts"
    return None
