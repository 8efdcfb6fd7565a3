"""Replay times as the array writes them (§3.4), as RFC 3339, and whether a replay still lives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dellsc.sc.models import ScReplay

_OLD_STYLE = "%m/%d/%Y %I:%M:%S %p"  # "12/09/2014 03:52:08 PM", older DSMs


def parse_time(text: str) -> datetime | None:
    """A time in either style the array uses; a time without a zone is taken as UTC."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.strptime(text, _OLD_STYLE)
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def rfc3339(text: str) -> str:
    """`2026-11-30T03:00:00Z` for an array time; unparseable text is returned unchanged."""
    moment = parse_time(text)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else text


def is_live(replay: ScReplay, now: datetime) -> bool:
    """A frozen replay that is neither marked for expiration nor past its expiry time."""
    if replay.active or replay.marked_for_expiration:
        return False
    if replay.expires:
        expiry = parse_time(replay.expire_time)
        if expiry is not None and expiry <= now:
            return False
    return True
