"""Group snapshots: expire_minutes as read back from the member replays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dellsc.resources.consistency_group_snapshot import _minutes


def test_expire_minutes_read_back() -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=90, seconds=-5)
    assert _minutes(None, Decimal(60)) == 0, "the array says never: drift"
    assert _minutes(soon, Decimal(60)) == 60, "the configured value while it expires"
    assert _minutes(soon, None) == 90, "imported: the minutes it has left"
    assert _minutes(soon, Decimal(0)) == 90, "expiry set outside Terraform: shown as drift"
