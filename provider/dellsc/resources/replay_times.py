"""Replay times as the array writes them (§3.4), in RFC 3339, and which replays still count."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dellsc.sc.models import ScReplay

_OLD_STYLE = "%m/%d/%Y %I:%M:%S %p"  # "12/09/2014 03:52:08 PM", older DSMs


def parse_time(text: str) -> dt.datetime | None:
    """An array time in either style, in UTC; a time without a zone is taken as UTC."""
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
    """A frozen replay that is neither marked for expiration nor past its expiry time."""
    if replay.active or replay.marked_for_expiration:
        return False
    ends = expiry(replay)
    return ends is None or ends > (now or dt.datetime.now(dt.UTC))
