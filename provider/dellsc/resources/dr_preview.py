"""What `terraform plan` says a replication plan's change will do, one warning per volume:
a failover (which host each copy serves, what is lost), a failback (what is overwritten, which
hosts get the volume back), fencing a returning primary, growing a copy that fell behind its
volume's size. Reads only, from the refreshed state and the bulk reads of `dr_sites`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dellsc.resources.bounded import each
from dellsc.resources.disaster_recovery import FAILED_OVER, REPL_PREFIX, REPLICATING, FailbackError
from dellsc.resources.dr_failover import needs_fencing
from dellsc.sc import errors

if TYPE_CHECKING:
    from dellsc.resources.dr_failback import Failback
    from dellsc.resources.dr_failover import Failover
    from dellsc.resources.dr_sites import Site
    from dellsc.tf.diagnostics import Diagnostics

GIB = 1 << 30


def _gib(size: Any) -> str:
    return f"{int(size) / GIB:g} GiB"


def display(primary: Site, secondary: Site, volume_id: str, pair: dict[str, Any]) -> str:
    """`'db01' (64702.101)`: the name from the volume, else from its copy; else the ID."""
    for site, copy in ((primary, False), (secondary, True)):
        try:
            found = site.volume(pair.get("destination_volume_id") if copy else volume_id)
        except errors.ScApiError:
            continue
        if found is not None:
            return f"{found.name.removeprefix(REPL_PREFIX)!r} ({volume_id})"
    return volume_id


def size_risk(pair: dict[str, Any]) -> str:
    """The size mismatch of a pair as a sentence, or ''."""
    volume, copy = pair.get("volume_size_bytes"), pair.get("copy_size_bytes")
    if volume is None or copy is None or volume == copy:
        return ""
    if copy < volume:
        return (
            f" Size risk: the copy is {_gib(copy)}, the volume {_gib(volume)} (the copy did not "
            "follow the volume's last grow): the hosts see the smaller disk, and a failback is "
            "refused until both are the same size."
        )
    return (
        f" Size risk: the copy is {_gib(copy)}, larger than the volume ({_gib(volume)}): a "
        "failback is refused until the volume is grown to the copy's size."
    )


def failover(fo: Failover, pairs: dict[str, dict[str, Any]], diags: Diagnostics) -> None:
    s = fo.settings
    if not s.live_volume and pairs:  # what the warnings name, read at once
        sites = [fo.secondary, fo.primary] if fo.primary_up else [fo.secondary]
        each(sites, lambda site: site.whole, len(sites))
        reads = [read for site in sites for read in site.prefetch(mappings=False)]
        reads.append(lambda: fo.secondary.hosts_for([]))
        each(reads, lambda read: read(), len(reads))  # a failed read is reported below
    for volume_id, pair in sorted(pairs.items()):
        if pair.get("state") == FAILED_OVER and not needs_fencing(pair):
            continue
        copy = pair.get("destination_volume_id") or "?"
        name = display(fo.primary, fo.secondary, volume_id, pair)
        if s.live_volume:
            what = (
                f"The Live Volume swaps roles: {copy} on Storage Center {s.destination_ssn} "
                "becomes primary."
            )
        else:
            what = (
                f"Replication is broken off; {copy} on Storage Center {s.destination_ssn} takes "
                f"the volume's name and {_standby(fo, pair)}. "
                + (
                    "The volume is unmapped from its hosts (fenced)."
                    if fo.primary_up
                    else f"The volume stays mapped to its hosts on Storage Center "
                    f"{s.source_ssn} until that is back; the next apply then unmaps it from "
                    "every host (fencing) before anything else."
                )
            )
        remaining = pair.get("bytes_remaining")
        risk = (
            "unknown (the primary Storage Center is down)"
            if not fo.primary_up
            else ("unknown" if remaining is None else f"{int(remaining)} bytes")
        )
        diags.warning(
            f"Failover: {name}",
            f"{what} Data not yet replicated, lost by the failover: {risk}.{size_risk(pair)}",
        )


def _standby(fo: Failover, pair: dict[str, Any]) -> str:
    """Which hosts the copy will serve, as a clause."""
    initiators = pair.get("initiators")
    if initiators is None:
        if fo.primary_up:
            return "is mapped to the servers owning the initiators the volume is mapped to"
        return (
            "is mapped to no host: the plan never recorded which initiators the volume "
            "served (it was not refreshed while its Storage Center was up)"
        )
    if not initiators:
        return "is mapped to no host (the volume served none)"
    hosts = fo.secondary.hosts_for(list(initiators))
    if not hosts:
        return (
            f"is mapped to no host: no server of Storage Center {fo.settings.destination_ssn} "
            f"owns the initiators the volume served ({', '.join(initiators)})"
        )
    return "is mapped to " + ", ".join(str(h) for h in hosts)


def failback(fb: Failback, pairs: dict[str, dict[str, Any]], diags: Diagnostics) -> None:
    s = fb.settings
    todo = {v: p for v, p in pairs.items() if p.get("state") != REPLICATING}

    def common(volume_id: str) -> str:
        """The failback's starting point, as a clause."""
        copy = todo[volume_id].get("destination_volume_id")
        if s.live_volume or copy is None:
            return ""
        try:
            replay = fb.start_point(volume_id, copy)
        except (FailbackError, errors.ScApiError):
            return ""
        if replay is None:
            return "in full (the volume has no snapshot): everything on the volume is overwritten"
        return (
            f"from their common snapshot {replay.instance_id} (frozen {replay.freeze_time}): "
            f"whatever was written to the volume on Storage Center {s.source_ssn} after it "
            "is overwritten"
        )

    starts = each(sorted(todo), common, s.parallelism)
    for done in starts:
        volume_id, pair = done.item, todo[done.item]
        name = display(fb.primary, fb.secondary, volume_id, pair)
        copy = pair.get("destination_volume_id") or "?"
        if s.live_volume:
            diags.warning(
                f"Failback: {name}",
                "The Live Volume swaps roles back: the volume becomes primary again. No data "
                "is lost.",
            )
            continue
        serving = fb.secondary.hosts(copy) if copy != "?" else []
        hosts = fb.primary.hosts_for(list(pair.get("initiators") or []))
        original = fb.primary.volume(volume_id)
        renamed = (
            repr(REPL_PREFIX + original.name)
            if original is not None
            else f"with the prefix {REPL_PREFIX!r}"
        )
        diags.warning(
            f"Failback: {name}",
            f"The copy {copy}"
            + (f", serving {', '.join(str(h) for h in serving)}," if serving else "")
            + " is unmapped and snapshotted, and its data is replicated back onto the volume "
            + (done.result or "from their most recent common snapshot")
            + ". Once in sync the volume "
            + (f"is mapped to {', '.join(str(h) for h in hosts)} again and " if hosts else "")
            + f"replicates to {copy} again, renamed {renamed}. Nothing written on the copy is "
            "lost.",
        )


def fencing(fo: Failover, pairs: dict[str, dict[str, Any]], diags: Diagnostics) -> None:
    for volume_id, pair in sorted(pairs.items()):
        name = display(fo.primary, fo.secondary, volume_id, pair)
        hosts = ", ".join(str(h) for h in fo.primary.hosts(volume_id)) or "its hosts"
        diags.warning(
            f"Fence: {name}",
            f"The volume is failed over (its copy {pair.get('destination_volume_id')} serves "
            f"the hosts), but Storage Center {fo.settings.source_ssn} is back and the volume "
            f"is still mapped to {hosts}. The apply first unmaps it from every host, so no "
            'host writes to this stale copy; a failback (active_site = "primary") then '
            "replicates the copy's data back onto it.",
        )


def growth(fo: Failover, pairs: dict[str, dict[str, Any]], diags: Diagnostics) -> None:
    for volume_id, pair in sorted(pairs.items()):
        name = display(fo.primary, fo.secondary, volume_id, pair)
        diags.warning(
            f"Copy Will Grow: {name}",
            f"Its copy {pair['destination_volume_id']} is {_gib(pair['copy_size_bytes'])}, "
            f"smaller than the volume ({_gib(pair['volume_size_bytes'])}): the apply grows it "
            "to the volume's size, so that a failover serves the whole volume.",
        )


def copy_behind(pair: dict[str, Any]) -> bool:
    """A replicating pair whose copy is smaller than its volume."""
    volume, copy = pair.get("volume_size_bytes"), pair.get("copy_size_bytes")
    return (
        pair.get("state") == REPLICATING
        and volume is not None
        and copy is not None
        and copy < volume
    )
