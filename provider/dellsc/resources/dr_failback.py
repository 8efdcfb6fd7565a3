"""Failback of a replication plan's pairs, as idempotent step machines.

A plain pair fails back (the driver's failback, §6.13, onto the original volume itself) in
these steps; the array shows which are done, so an apply after any fault does what is left:

1. fence the original (unmap it from every host) and unmap the copy from its hosts;
2. delete the old replication towards the copy (keeping the copy);
3. snapshot the copy (`failback`) and replicate it back onto the original, from their most
   recent common replay, through the QoS node `tempqos`;
4. wait until in sync, then delete that replication (keeping the original);
5. replicate the original to the copy again, with the plan's settings;
6. map the original to the hosts it served before the failover (the initiators the plan
   recorded), then rename the copy `Cinder repl of <name>`: a copy so named, replicated to
   by its volume, is a pair that has failed back.

Independent requests are sent at once (the two unmaps of step 1, one to each SC; the delete
of step 2 with the snapshot of step 3, one to each SC; the maps of step 6): a pair has two
requests in flight at most (one a host in step 6).

An apply cut off after step 4 and before step 5 leaves no replication between the two, as
one cut off after step 2 does: the next apply replicates back again (the copy serves no host
since step 1, so this only costs the time of an incremental sync, and never loses a write).

Nothing starts for a pair whose copy and volume differ in size: the array refuses to
replicate into a smaller volume, so the failback would stop half-way with the volume
unprotected (`problems` says why, at plan time and again before anything changes).
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from dellsc.resources.adopt import find_again
from dellsc.resources.bounded import each, together
from dellsc.resources.disaster_recovery import (
    FAILBACK_QOS_NODE,
    FAILBACK_REPLAY,
    FAILBACK_REPLAY_MINUTES,
    REPL_PREFIX,
    REPLICATING,
    FailbackError,
    Pairs,
    Settings,
    pair_value,
    replay_order,
)
from dellsc.resources.dr_failover import Moved, move_each
from dellsc.resources.dr_sites import Site
from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplay, ScReplication

log = logging.getLogger("dellsc.resources.dr_failback")
GIB = 1 << 30


def _gib(size: int) -> str:
    return f"{size / GIB:g} GiB"


class Failback:
    """The failback steps of one plan's pairs, with the array's state read once."""

    def __init__(
        self, client: ScClient, settings: Settings, timeout: float, count: int | None = None
    ) -> None:
        """`count`: how many pairs the work covers (None: many), which decides whether each
        SC is listed in bulk or read by volume (`dr_sites`)."""
        self.client = client = client.synchronous()  # one request per step (no task polls)
        self.settings = settings
        self.timeout = timeout
        self.pairs = Pairs(client, settings)
        self.primary = Site(client, settings.source_ssn, count)
        self.secondary = Site(client, settings.destination_ssn, count)
        self._common: dict[str, ScReplay | None] = {}  # what `problems` found, per volume

    # -- checks (reads only) ---------------------------------------------------------------

    def common_replay(self, original: str, current: str) -> ScReplay | None:
        """The most recent replay of the original volume that the copy also holds; None
        when the original has none (it never held data: a full copy back loses nothing)."""
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
        return max(candidates, key=replay_order)

    def size_problem(self, volume_id: str, copy_id: str) -> str | None:
        """Why the sizes of the volume and its copy forbid a failback, or None."""
        volume, copy = self.primary.volume(volume_id), self.secondary.volume(copy_id)
        if volume is None or copy is None:
            missing = volume_id if volume is None else copy_id
            return f"volume {missing} is not on its Storage Center"
        have, want = copy.configured_size_bytes, volume.configured_size_bytes
        if have < want:
            return (
                f"its copy {copy_id} is {_gib(have)}, smaller than the volume's {_gib(want)}: "
                "the copy did not follow the volume's last grow, and the array refuses to "
                "replicate the volume into a smaller copy. Grow the copy to "
                f"{_gib(want)} (it is the volume serving the hosts now; check their data on "
                "it), then apply again"
            )
        if have > want:
            return (
                f"its copy {copy_id} is {_gib(have)}, larger than the volume's {_gib(want)}: "
                "the copy's data would not fit. Grow the volume to "
                f"{_gib(have)} first (size_gb = {-(-have // GIB)}), then fail back"
            )
        return None

    def start_point(self, volume_id: str, copy_id: str) -> ScReplay | None:
        """The common replay the failback replicates back from (read once per process)."""
        if volume_id not in self._common:
            self._common[volume_id] = self.common_replay(volume_id, copy_id)
        return self._common[volume_id]

    def problems(self, pairs: dict[str, dict[str, Any]], *, replays: bool = True) -> dict[str, str]:
        """Why a pair cannot fail back (reads only), for every pair that cannot. Without
        `replays`, the common replay is taken as checked (by the plan of this same apply)."""
        if self.settings.live_volume:
            return {}
        todo = {v: p for v, p in pairs.items() if p.get("state") != REPLICATING}

        def check(volume_id: str) -> str | None:
            copy_id = todo[volume_id].get("destination_volume_id")
            if copy_id is None:
                return "it has no known copy on the secondary"
            if self._finished(volume_id, copy_id) or self._forward(volume_id) is not None:
                return None  # past the steps that need matching sizes and a common replay
            problem = self.size_problem(volume_id, copy_id)
            if problem is None and replays:
                try:
                    self.start_point(volume_id, copy_id)
                except FailbackError as exc:
                    problem = str(exc)
            return problem

        found = each(sorted(todo), check, self.settings.parallelism)
        for done in found:
            if done.error is not None:
                raise done.error
        return {d.item: d.result for d in found if d.result is not None}

    # -- the steps -------------------------------------------------------------------------

    def run(self, pairs: dict[str, dict[str, Any]], *, planned: bool = False) -> Moved:
        """Fail every pair back; `planned`: the plan of this apply checked their replays."""
        moved = Moved()
        blocked = self.problems(pairs, replays=not planned)
        for volume_id, problem in blocked.items():
            moved.pairs[volume_id] = pairs[volume_id]
            moved.errors[volume_id] = FailbackError(problem)
        todo = {v: p for v, p in pairs.items() if v not in blocked}
        if not self.settings.live_volume and todo:
            self.pairs.qos_node_id(FAILBACK_QOS_NODE, self.settings.destination_ssn)
            self.pairs.qos_node_id(self.settings.qos_node, self.settings.source_ssn)
        done = move_each(todo, self._fail_back, self.settings.parallelism)
        moved.pairs.update(done.pairs)
        moved.errors.update(done.errors)
        return moved

    def _forward(self, volume_id: str) -> ScReplication | None:
        """The replication from the original to the secondary, if it is up."""
        found = self.primary.replication_to(volume_id, self.settings.destination_ssn)
        return found if found is not None and found.state.casefold() == "up" else None

    def _finished(self, volume_id: str, copy_id: str) -> bool:
        copy = self.secondary.volume(copy_id)
        return (
            self._forward(volume_id) is not None
            and copy is not None
            and (copy.name.startswith(REPL_PREFIX))
        )

    def _fail_back(self, volume_id: str, pair: dict[str, Any]) -> dict[str, Any]:
        if self.settings.live_volume:
            return self._swap_back(volume_id, pair)
        if pair.get("state") == REPLICATING:
            return pair
        s, client = self.settings, self.client
        copy_id = pair["destination_volume_id"]
        original = self.primary.volume(volume_id)
        if original is None:
            raise errors.ScNotFound(404, f"volume {volume_id} is not on Storage Center "
                                         f"{s.source_ssn}")  # fmt: skip
        initiators = pair.get("initiators")
        if initiators is None:  # never recorded (the failover action has no state)
            initiators = self.secondary.initiators(copy_id)
        if self._forward(volume_id) is None:
            back = self.secondary.replication_to(copy_id, s.source_ssn)
            if back is None:
                back = self._replicate_back(volume_id, copy_id)  # steps 1-3
            self._wait_synced(back.instance_id)  # step 4
            client.delete_replication(
                back.instance_id, delete_destination=False, recycle_destination=False
            )
            self._replicate_forward(volume_id, copy_id)  # step 5
        mapped = self.primary.host_ids(volume_id)  # step 6: the maps at once, then the rename
        together(*(
            partial(self._map, volume_id, host.server_id)
            for host in self.primary.hosts_for(initiators)
            if host.server_id not in mapped
        ))  # fmt: skip
        name = REPL_PREFIX + original.name
        copy = self.secondary.volume(copy_id)
        if copy is None or copy.name != name:  # last: the name says the failback is done
            client.update_volume(copy_id, name=name)
            self.secondary.renamed(copy_id, name)
        back_pair = pair_value(copy_id, REPLICATING, False, None, pair)
        return back_pair | {"initiators": sorted(initiators), "fenced": None}

    def _replicate_back(self, volume_id: str, copy_id: str) -> ScReplication:
        s, client = self.settings, self.client
        common = self._common.get(volume_id)
        log.info("failback of %s from %s", volume_id,
                 f"replay {common.instance_id}" if common else "its latest state")  # fmt: skip
        # 1. fence the original, and the hosts stop writing to the copy (one request to each SC)
        together(partial(self._unmap, self.primary, volume_id),
                 partial(self._unmap, self.secondary, copy_id))  # fmt: skip
        old = self.primary.replication_to(volume_id, s.destination_ssn)
        copy = self.secondary.volume(copy_id)

        def delete_old() -> None:  # 2.
            if old is not None:
                client.delete_replication(
                    old.instance_id, delete_destination=False, recycle_destination=False
                )

        def snapshot() -> None:  # 3.
            if copy is not None and copy.active and copy.replay_allowed:
                client.snapshot_active(copy_id, FAILBACK_REPLAY, FAILBACK_REPLAY_MINUTES)
            else:
                client.create_replay(copy_id, FAILBACK_REPLAY, FAILBACK_REPLAY_MINUTES)

        together(delete_old, snapshot)  # one request to each SC
        return self._replicate(
            copy_id, s.source_ssn, volume_id,
            qos=self.pairs.qos_node_id(FAILBACK_QOS_NODE, s.destination_ssn),
            synchronous=False, sync_mode="HighAvailability", active_replay=False,
        )  # fmt: skip

    def _unmap(self, site: Site, volume_id: str) -> None:
        """Unmap the volume from every host, if it serves any."""
        if site.host_ids(volume_id):
            self.client.unmap_all(volume_id)
            site.unmapped(volume_id)

    def _map(self, volume_id: str, server_id: str) -> None:
        profile = self.client.map_to_server(volume_id, server_id)
        if profile is not None:
            self.primary.mapped(volume_id, profile)

    def _replicate_forward(self, volume_id: str, copy_id: str) -> ScReplication:
        s = self.settings
        return self._replicate(
            volume_id, s.destination_ssn, copy_id,
            qos=self.pairs.qos_node_id(s.qos_node, s.source_ssn),
            synchronous=s.synchronous, sync_mode=s.sync_mode, active_replay=s.active_replay,
        )  # fmt: skip

    def _replicate(
        self,
        source: str,
        destination_ssn: int,
        destination: str,
        *,
        qos: str,
        synchronous: bool,
        sync_mode: str,
        active_replay: bool,
    ) -> ScReplication:
        """Replicate `source` into `destination`; after a failure whose outcome is unknown,
        the replication the array made anyway."""
        try:
            return self.client.create_replication(
                source, destination_ssn, qos, synchronous=synchronous, sync_mode=sync_mode,
                replicate_active_replay=active_replay, destination_volume_id=destination,
                check_destination=False,
            )  # fmt: skip
        except errors.ScError as exc:
            if not errors.outcome_unknown(exc):
                raise
            found, _ = find_again(
                lambda: [r for r in [self.client.replication_to(source, destination_ssn)] if r]
            )
            if found is None:
                raise
            log.info("the replication of %s into %s started despite: %s", source, destination, exc)
            return found

    def _wait_synced(self, replication_id: str) -> None:
        deadline = time.monotonic() + self.timeout
        interval = min(self.client.config.poll_interval, 5.0)
        while True:
            progress = self.client.replication_progress(replication_id)
            if progress.synced:
                return
            if time.monotonic() + interval > deadline:
                raise errors.ScTimeout(
                    f"replication {replication_id} still has {progress.amount_remaining_bytes} "
                    f"bytes to send after {self.timeout:.0f} s; raise timeouts.failback"
                )
            time.sleep(interval)

    def _swap_back(self, volume_id: str, pair: dict[str, Any]) -> dict[str, Any]:
        current = pair.get("destination_volume_id")
        found = self.client.find_live_volume(current or volume_id)
        if found is None:
            raise errors.ScNotFound(404, f"no Live Volume holds {volume_id}")
        if found.primary_volume and found.primary_volume.instance_id != volume_id:
            self.client.swap_live_volume_roles(found.instance_id)
        return pair_value(current, REPLICATING, False, None, pair)
