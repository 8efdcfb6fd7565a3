"""Replays as Terraform shows them: RFC 3339 times, which ones still count, lookups by name.

Shared by `dellsc_snapshot`, the snapshot data sources, the snapshot action and volumes made
from snapshots. A replay that is the volume's active one, is marked for expiration, or whose
expiry time has passed is not a snapshot any more (the array removes it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from dellsc.resources.base import Values

if TYPE_CHECKING:
    from dellsc.sc.models import ScReplay

REPLAY_ID = re.compile(r"\d+\.\d+\.\d+")
VOLUME_ID = re.compile(r"\d+\.\d+")
_OLD_STYLE = "%m/%d/%Y %I:%M:%S %p"


def parse_time(text: str) -> dt.datetime | None:
    """An array date (`2015-09-28T14:00:59-05:00` or `12/09/2014 03:52:08 PM`) in UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = dt.datetime.strptime(text, _OLD_STYLE)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def rfc3339(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry(replay: ScReplay) -> dt.datetime | None:
    """When the replay expires, or None when it never does."""
    return parse_time(replay.expire_time) if replay.expires else None


def is_live(replay: ScReplay, now: dt.datetime | None = None) -> bool:
    """True for a frozen replay that has not expired and is not about to be removed."""
    if replay.active or replay.marked_for_expiration:
        return False
    ends = expiry(replay)
    return ends is None or ends > (now or dt.datetime.now(dt.UTC))


def snapshot_values(replay: ScReplay) -> Values:
    """The attributes every snapshot type shares."""
    volume = replay.create_volume
    return {
        "id": replay.instance_id,
        "volume_id": volume.instance_id if volume is not None else None,
        "name": replay.description,
        "created_at": rfc3339(parse_time(replay.freeze_time)),
        "expires_at": rfc3339(expiry(replay)),
    }


def named(replays: list[ScReplay], name: str) -> list[ScReplay]:
    """The live replays whose description is exactly `name`."""
    return [r for r in replays if is_live(r) and r.description == name]
