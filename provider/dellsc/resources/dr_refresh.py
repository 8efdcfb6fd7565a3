"""Reading a replication plan's pairs from the array (its refresh).

Each SC is read in bulk once, or by volume for a few volumes on a large SC (`dr_sites.Site`);
the pairs are read `parallelism` at a time, the progress of each replicating pair with one
request. What the plan records of a pair (see
`disaster_recovery.record`) follows these rules, so that a failover or failback never needs a
fact that an earlier step already changed:

- the initiators a volume serves are read only while the pair replicates (the volume is the
  one serving hosts); once failed over they stay as recorded, whatever the array shows;
- sizes are read from whichever SC answers, the rest kept (while the primary is down, a copy
  that replicated and grew past the recorded size of its volume says the volume grew too);
- `fenced` (a failed-over pair's original is mapped to no host) is read while the primary
  answers; while it does not, the pair keeps its last known state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from dellsc.resources.bounded import each, together
from dellsc.resources.disaster_recovery import (
    BROKEN,
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
    from dellsc.sc.models import ScVolume


@dataclass
class Reading:
    """The pairs as read now. `kept`: volumes whose pair keeps its last known state (an SC
    could not be read); a volume missing from `pairs` has no replication any more."""

    pairs: dict[str, dict[str, Any]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    primary_up: bool = True
    secondary_up: bool = True


def took_over(copy: ScVolume) -> bool:
    """A copy named as its volume has taken over from it (a failover's third step)."""
    return not copy.name.startswith(REPL_PREFIX)


def failed_over(secondary: Site, copy: ScVolume, pair: dict[str, Any] | None) -> bool:
    """A copy that took over and serves every server of its SC owning an initiator the
    volume served: the failover is complete (else it was cut off, and is `broken`)."""
    if not took_over(copy):
        return False
    initiators = (pair or {}).get("initiators")
    if not initiators:
        return True
    mapped = secondary.host_ids(copy.instance_id)
    return all(h.server_id in mapped for h in secondary.hosts_for(list(initiators)))


def read_pairs(
    client: ScClient,
    settings: Settings,
    volume_ids: list[str],
    prior_pairs: dict[str, dict[str, Any]],
) -> Reading:
    reach = client.reachability()
    reading = Reading(
        primary_up=reach.get(settings.source_ssn, False),
        secondary_up=reach.get(settings.destination_ssn, False),
    )
    if settings.live_volume:
        _read_live(client, reading, volume_ids, prior_pairs)
        return reading
    primary = Site(client, settings.source_ssn, len(volume_ids))
    secondary = Site(client, settings.destination_ssn, len(volume_ids))
    _prefetch(reading, primary, secondary, prior_pairs, settings.parallelism)

    def read(volume_id: str) -> dict[str, Any] | None:
        if reading.primary_up and not primary.whole:  # the volume's own reads, at once
            together(partial(primary.volume, volume_id),
                     partial(primary.replications, volume_id),
                     partial(primary.mappings, volume_id))  # fmt: skip
        progress: dict[str, str] = {}  # the replication id, when the pair replicates
        pair = _plain(reading, primary, secondary, settings, volume_id,
                      prior_pairs.get(volume_id), progress)  # fmt: skip
        if pair is None or volume_id not in progress:
            return pair
        try:
            found = client.replication_progress(progress[volume_id])
        except errors.ScApiError:  # e.g. the secondary is down: not synced, amount unknown
            return pair | {"synced": False, "bytes_remaining": None}
        remaining = found.amount_remaining_bytes
        return pair | {
            "synced": found.synced,
            "bytes_remaining": None if remaining is None else Decimal(remaining),
        }

    for done in each(volume_ids, read, settings.parallelism):
        if done.error is not None:
            raise done.error
        if done.result is not None:
            reading.pairs[done.item] = done.result
    reading.kept.sort()
    return reading


def _prefetch(
    reading: Reading,
    primary: Site,
    secondary: Site,
    prior_pairs: dict[str, dict[str, Any]],
    parallelism: int,
) -> None:
    """The bulk lists the refresh will read, at once (none for an SC read by volume): the
    primary's volumes, mappings and replications, the HBAs when the plan recorded hosts, the
    secondary's volumes, and its mappings when a pair is failed over (or was cut off). A
    list that fails is read again, and reported, by the pair that needs it."""
    sites = [s for s, up in ((primary, reading.primary_up), (secondary, reading.secondary_up))
             if up]  # fmt: skip
    each(sites, lambda site: site.whole, parallelism)  # decided at once
    reads: list[Callable[[], object]] = []
    if reading.primary_up:
        reads += primary.prefetch(replications=True)
        if primary.whole and any(p.get("initiators") for p in prior_pairs.values()):
            reads.append(lambda: primary.hosts_for([]))
    if reading.secondary_up and secondary.whole:
        moved = any(p.get("state") != REPLICATING for p in prior_pairs.values())
        reads += secondary.prefetch(mappings=moved)
    each(reads, lambda read: read(), parallelism)


def _plain(
    reading: Reading,
    primary: Site,
    secondary: Site,
    settings: Settings,
    volume_id: str,
    prior: dict[str, Any] | None,
    progress: dict[str, str],
) -> dict[str, Any] | None:
    """One plain-replication pair now (its progress filled in later); None when gone."""
    prior_copy = (prior or {}).get("destination_volume_id")
    if not reading.primary_up:
        reading.kept.append(volume_id)
        if prior is None:
            return None
        copy = secondary.volume(prior_copy) if reading.secondary_up else None
        pair = dict(prior)
        if copy is None:
            return pair
        if took_over(copy):  # by this plan, by another tool; complete or cut off
            state = FAILED_OVER if failed_over(secondary, copy, prior) else BROKEN
            if state != prior["state"]:
                pair = pair_value(prior_copy, state, False, None, prior)
        size = copy.configured_size_bytes
        recorded = prior.get("volume_size_bytes")
        # a copy the replication grew past the recorded size followed a grow of its volume
        # that no refresh recorded (the volume grew in the last apply)
        grown = prior["state"] == REPLICATING and recorded is not None and size > recorded
        return record(pair, copy_bytes=size, volume_bytes=size if grown else None)
    volume = primary.volume(volume_id)
    if volume is None:
        return None
    replication = primary.replication_to(volume_id, settings.destination_ssn)
    target = replication.destination_volume if replication else None
    copy_id = target.instance_id if target else prior_copy
    copy = secondary.volume(copy_id) if reading.secondary_up else None
    if not reading.secondary_up:
        reading.kept.append(volume_id)
    up = replication is not None and replication.state.casefold() == "up"
    if replication is None:
        # no replication: gone, unless its copy still serves the hosts (a failback cut off
        # between deleting one replication and creating the next)
        if prior is None or copy_id is None:
            return None
        if reading.secondary_up and (copy is None or not took_over(copy)):
            return None
        state = FAILED_OVER if copy is None or failed_over(secondary, copy, prior) else BROKEN
    elif up and (copy is None or not took_over(copy)):
        state = REPLICATING
    elif up:
        state = FAILED_OVER  # a failback's last steps (map, rename) are still to do
    elif copy is None:
        state = prior["state"] if prior else BROKEN
    else:
        state = FAILED_OVER if failed_over(secondary, copy, prior) else BROKEN
    pair = pair_value(copy_id, state, False, None, prior)
    if state == REPLICATING:
        assert replication is not None
        progress[volume_id] = replication.instance_id
        pair = record(pair, initiators=primary.initiators(volume_id)) | {"fenced": None}
    else:
        pair = record(pair, fenced=not primary.host_ids(volume_id))
    return record(
        pair,
        volume_bytes=volume.configured_size_bytes,
        copy_bytes=copy.configured_size_bytes if copy else None,
    )


def _read_live(
    client: ScClient,
    reading: Reading,
    volume_ids: list[str],
    prior_pairs: dict[str, dict[str, Any]],
) -> None:
    """Live Volume pairs: the Live Volume says which side is primary; either SC lists it."""
    for volume_id in volume_ids:
        prior = prior_pairs.get(volume_id)
        prior_copy = (prior or {}).get("destination_volume_id")
        try:
            found = client.find_live_volume(prior_copy or volume_id)
        except errors.ScApiError:
            found = None
            if prior is not None:
                reading.kept.append(volume_id)
                reading.pairs[volume_id] = prior
            continue
        if found is None or found.primary_volume is None or found.secondary_volume is None:
            continue
        if found.primary_volume.instance_id == volume_id:
            synced = found.replication_state.casefold() == "up"
            reading.pairs[volume_id] = pair_value(
                found.secondary_volume.instance_id, REPLICATING, synced, 0 if synced else None,
                prior,
            )  # fmt: skip
        else:
            reading.pairs[volume_id] = pair_value(
                found.primary_volume.instance_id, FAILED_OVER, False, None, prior
            )


def active_site(pairs: dict[str, dict[str, Any]], prior: str | None, kept: bool) -> str:
    """`primary`, `secondary` or `mixed`, from the pairs' states."""
    states = {p["state"] for p in pairs.values()}
    if states == {FAILED_OVER}:
        return "secondary"
    if states <= {REPLICATING}:
        return "primary" if states or not kept else (prior or "primary")
    return "mixed"
