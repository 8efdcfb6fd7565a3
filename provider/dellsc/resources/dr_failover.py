"""Failover and fencing of a replication plan's pairs, as idempotent step machines.

A plain pair fails over in four steps, each taken only if the array shows it still to do, so
an apply after any fault (a lost reply, a 5xx, a dropped connection, a failed task, a killed
Terraform or plugin) finishes exactly what is left:

1. break: unmap the copy from its replication link (the driver's failover_host; the
   replication object stays, `Down`);
2. fence: unmap the original from every host, when its Storage Center answers;
3. rename the copy to the volume's name;
4. map the copy to the servers of the secondary owning the initiators the volume served, as
   the plan recorded them while it replicated (never read again: step 2 removed them); an
   owner in a server cluster through its cluster (`dr_sites.Site.hosts_for`).

Steps 3 and 4 are sent at once, once 1 and 2 have ended: no host is given the copy before
the original is fenced, and the copy takes the volume's name only once it replicates no more
(a refresh reads a renamed copy as having taken over; one cut off between them reads
`broken`). Steps 1 and 2 stay in that order: an original fenced while its replication is
still up would be read as replicating, to no host, by the next refresh. A pair so costs three
round trips to the DSM, not four.

A Live Volume swaps roles. A failed-over original that comes back mapped to its hosts (the
primary was down during the failover) is fenced by the next apply: step 2 alone. Pairs move
`parallelism` at a time; each SC is read in bulk once (`dr_sites`), and each step is one
synchronous request (`ScClient.synchronous`): with a DSM tens to hundreds of milliseconds
away, the polls of an asynchronous task would cost more than the step itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from dellsc.resources.bounded import each, together
from dellsc.resources.disaster_recovery import (
    FAILED_OVER,
    REPL_PREFIX,
    REPLICATING,
    Settings,
    pair_value,
    record,
)
from dellsc.resources.dr_sites import Site
from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.sc import ScClient


@dataclass
class Moved:
    """What a move did: each pair after it, and the pairs it could not finish (with why)."""

    pairs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict)


def move_each(
    pairs: dict[str, dict[str, Any]],
    step: Callable[[str, dict[str, Any]], dict[str, Any]],
    parallelism: int,
) -> Moved:
    """`step` on every pair, `parallelism` at a time: each pair after it, or as it was with
    the error that stopped it."""
    moved = Moved()
    for done in each(sorted(pairs), lambda v: step(v, pairs[v]), parallelism):
        if done.error is None:
            assert done.result is not None
            moved.pairs[done.item] = done.result
        else:
            moved.pairs[done.item] = pairs[done.item]
            moved.errors[done.item] = done.error
    return moved


def _call(read: Callable[[], object]) -> object:
    return read()


def needs_fencing(pair: dict[str, Any]) -> bool:
    """A failed-over (or broken) pair whose original may still serve hosts."""
    return pair.get("state") != REPLICATING and pair.get("fenced") is False


class Failover:
    """The failover steps of one plan's pairs, with the array's state read once."""

    def __init__(self, client: ScClient, settings: Settings, count: int | None = None) -> None:
        """`count`: how many pairs the work covers (None: many), which decides whether each
        SC is listed in bulk or read by volume (`dr_sites`)."""
        self.client = client.synchronous()  # one request per step (no task polls)
        self.settings = settings
        reach = client.reachability()
        self.primary_up = reach.get(settings.source_ssn, False)
        self.secondary_up = reach.get(settings.destination_ssn, False)
        self.primary = Site(self.client, settings.source_ssn, count)
        self.secondary = Site(self.client, settings.destination_ssn, count)

    def run(self, pairs: dict[str, dict[str, Any]]) -> Moved:
        """Fail every pair over (those already failed over are finished, if need be)."""
        if not self.secondary_up:
            raise errors.ScUnavailable(
                500,
                f"Storage Center {self.settings.destination_ssn} is not reachable through the "
                "DSM: no copy can take over",
            )
        if not self.settings.live_volume:
            self._prefetch()
        return self._each(pairs, self._fail_over)

    def fence(self, pairs: dict[str, dict[str, Any]]) -> Moved:
        """Unmap from every host the originals of failed-over pairs (the others as they were)."""
        if not self.primary_up:
            return Moved(dict(pairs))
        due = {v: p for v, p in pairs.items() if needs_fencing(p)}
        moved = self._each(due, lambda v, p: record(p, fenced=self._fence(v)))
        moved.pairs = {**pairs, **moved.pairs}
        return moved

    def _each(
        self,
        pairs: dict[str, dict[str, Any]],
        step: Callable[[str, dict[str, Any]], dict[str, Any]],
    ) -> Moved:
        return move_each(pairs, step, self.settings.parallelism)

    def _prefetch(self) -> None:
        """Every bulk read of the steps at once, before any step changes the array."""
        sites = [self.secondary, self.primary] if self.primary_up else [self.secondary]
        each(sites, lambda site: site.whole, len(sites))  # decided at once
        reads: list[Callable[[], object]] = [
            *self.secondary.prefetch(),
            lambda: self.secondary.hosts_for([]),
            lambda: self.secondary.cluster_of(""),
        ]
        if self.primary_up:
            reads += self.primary.prefetch()
        for done in each(reads, _call, len(reads)):
            if done.error is not None:
                raise done.error

    # -- one pair ------------------------------------------------------------------------

    def _fail_over(self, volume_id: str, pair: dict[str, Any]) -> dict[str, Any]:
        if self.settings.live_volume:
            return self._swap(volume_id, pair)
        secondary = self.secondary
        copy_id = pair.get("destination_volume_id")
        copy = secondary.volume(copy_id)
        if copy_id is None or copy is None:
            raise errors.ScNotFound(
                404, f"the copy of volume {volume_id} ({copy_id or 'unknown'}) is not on "
                f"Storage Center {self.settings.destination_ssn}",
            )  # fmt: skip
        initiators = pair.get("initiators")
        original = self.primary.volume(volume_id) if self.primary_up else None
        if self.primary_up and initiators is None:  # recorded by no refresh yet: read now
            initiators = self.primary.initiators(volume_id)
        self._break(copy_id)  # 1.
        fenced = self._fence(volume_id) if self.primary_up else bool(pair.get("fenced"))  # 2.
        name = original.name if original is not None else copy.name.removeprefix(REPL_PREFIX)
        mapped = secondary.host_ids(copy_id)
        steps = [
            partial(self._map, copy_id, host.server_id)
            for host in secondary.hosts_for(initiators or [])
            if host.server_id not in mapped
        ]  # 4. serve the hosts, at once with 3. the copy takes the volume's name
        if copy.name != name:
            steps.append(partial(self._rename, copy_id, name))
        together(*steps)
        moved = pair_value(copy_id, FAILED_OVER, False, None, pair)
        return record(moved, initiators=initiators, fenced=fenced)

    def _break(self, copy_id: str) -> None:
        """Unmap the copy from its replication link (it stays a volume of its own)."""
        if self.secondary.linked(copy_id):
            self.client.unmap_all(copy_id)
            self.secondary.unmapped(copy_id)

    def _rename(self, copy_id: str, name: str) -> None:
        self.client.update_volume(copy_id, name=name)
        self.secondary.renamed(copy_id, name)

    def _map(self, copy_id: str, server_id: str) -> None:
        profile = self.client.map_to_server(copy_id, server_id)
        if profile is not None:
            self.secondary.mapped(copy_id, profile)

    def _fence(self, volume_id: str) -> bool:
        """Unmap the original from every host; True once it serves none."""
        if self.primary.host_ids(volume_id):
            self.client.unmap_all(volume_id)
            self.primary.unmapped(volume_id)
        return True

    def _swap(self, volume_id: str, pair: dict[str, Any]) -> dict[str, Any]:
        found = self.client.find_live_volume(pair.get("destination_volume_id") or volume_id)
        if found is None or found.primary_volume is None or found.secondary_volume is None:
            raise errors.ScNotFound(404, f"no Live Volume holds {volume_id}")
        if found.primary_volume.instance_id == volume_id:
            self.client.swap_live_volume_roles(found.instance_id)
            copy = found.secondary_volume.instance_id
        else:
            copy = found.primary_volume.instance_id
        return pair_value(copy, FAILED_OVER, False, None, pair)
