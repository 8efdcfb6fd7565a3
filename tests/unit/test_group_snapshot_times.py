"""Group snapshot times: array dates in RFC 3339, liveness, expire_minutes as read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dellsc.resources.consistency_group_snapshot import _minutes
from dellsc.resources.replay_times import is_live, parse_time, rfc3339
from dellsc.sc.models import ScReplay

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


def _replay(**fields: object) -> ScReplay:
    return ScReplay.model_validate({"instanceId": "64702.101.1", **fields})


def test_both_date_styles_become_rfc3339_utc() -> None:
    assert rfc3339(parse_time("2015-09-28T14:00:59-05:00")) == "2015-09-28T19:00:59Z"
    assert rfc3339(parse_time("12/09/2014 03:52:08 PM")) == "2014-12-09T15:52:08Z"
    assert parse_time("") is None and parse_time("soon") is None and rfc3339(None) is None


def test_expired_marked_and_active_replays_do_not_count() -> None:
    later, earlier = "2026-11-30T04:00:00+00:00", "2026-11-30T02:00:00+00:00"
    assert is_live(_replay(expires=False, expireTime="1969-12-31T18:00:00-06:00"), NOW)
    assert is_live(_replay(expires=True, expireTime=later), NOW)
    assert not is_live(_replay(expires=True, expireTime=earlier), NOW)
    assert not is_live(_replay(markedForExpiration=True), NOW)
    assert not is_live(_replay(active=True), NOW)


def test_expire_minutes_read_back() -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=90, seconds=-5)
    assert _minutes(None, Decimal(60)) == 0, "the array says never: drift"
    assert _minutes(soon, Decimal(60)) == 60, "the configured value while it expires"
    assert _minutes(soon, None) == 90, "imported: the minutes it has left"
    assert _minutes(soon, Decimal(0)) == 90, "expiry set outside Terraform: shown as drift"
