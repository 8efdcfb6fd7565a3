"""The small pure pieces of disaster recovery: the SC an object id names, bounded parallel
work, the pair values a plan records, and which plans of a pair need fencing or growing."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from dellsc.resources.bounded import each
from dellsc.resources.disaster_recovery import FAILED_OVER, REPLICATING, pair_value, record
from dellsc.resources.dr_failover import needs_fencing
from dellsc.resources.dr_preview import copy_behind, size_risk
from dellsc.resources.outage import home_ssn

GIB = 1 << 30


@pytest.mark.parametrize(
    ("object_id", "ssn"),
    [("64702.101", 64702), ("64702.101.3", 64702), ("64702.64702.11.1", 64702),
     ("64702:64703:dr", 64702), ("name:db", None), ("", None), (None, None)],
)  # fmt: skip
def test_home_ssn(object_id: str | None, ssn: int | None) -> None:
    assert home_ssn(object_id) == ssn


def test_each_keeps_order_bounds_parallelism_and_reports_each_failure() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        if item == 3:
            raise ValueError("three")
        return item * 10

    done = each(range(10), work, 4)
    assert [d.item for d in done] == list(range(10))
    assert [d.result for d in done if d.error is None] == [0, 10, 20, 40, 50, 60, 70, 80, 90]
    assert [str(d.error) for d in done if d.error is not None] == ["three"]
    assert peak == 4, "at most `parallelism` at a time, and that many"


def test_record_keeps_what_it_is_not_given() -> None:
    pair = pair_value("64703.101", REPLICATING, True, 0)
    assert pair["initiators"] is None and pair["fenced"] is None
    recorded = record(pair, initiators=["iqn.b", "iqn.a"], volume_bytes=GIB)
    assert recorded["initiators"] == ["iqn.a", "iqn.b"]
    assert recorded["volume_size_bytes"] == Decimal(GIB)
    moved = pair_value("64703.101", FAILED_OVER, False, None, recorded)
    assert moved["initiators"] == ["iqn.a", "iqn.b"], "a move keeps the recorded facts"
    assert record(moved, fenced=True)["initiators"] == ["iqn.a", "iqn.b"]


def test_fencing_and_growth_are_due_only_where_they_apply() -> None:
    failed = pair_value("64703.101", FAILED_OVER, False, None, {"fenced": False})
    assert needs_fencing(failed)
    assert not needs_fencing(record(failed, fenced=True))
    assert not needs_fencing(pair_value("64703.101", REPLICATING, True, 0, {"fenced": False}))
    behind = pair_value("64703.101", REPLICATING, True, 0,
                        {"volume_size_bytes": 2 * GIB, "copy_size_bytes": GIB})  # fmt: skip
    assert copy_behind(behind)
    assert "the copy is 1 GiB, the volume 2 GiB" in size_risk(behind)
    assert not copy_behind(record(behind, copy_bytes=2 * GIB))
    assert size_risk(record(behind, copy_bytes=2 * GIB)) == ""
