"""Replay helpers (array dates, liveness, create marks) and the volume-source rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dellsc.provider import DellscProvider
from dellsc.resources import volume_sources
from dellsc.resources.base import PlanChange
from dellsc.resources.replays import is_live, named, parse_time, rfc3339, snapshot_values
from dellsc.resources.snapshot import create_mark
from dellsc.sc.models import ScReplay
from dellsc.schema import planning
from dellsc.schema.loader import schemas
from dellsc.tf.diagnostics import Diagnostics
from dellsc.tf.values import UNKNOWN


def _replay(**fields: object) -> ScReplay:
    base = {"instanceId": "64702.101.3", "description": "nightly",
            "createVolume": {"instanceId": "64702.101", "instanceName": "db",
                             "objectType": "ScVolume"},
            "freezeTime": "2026-11-29T20:00:00-06:00",
            "expireTime": "1969-12-31T18:00:00-06:00", "expires": False}  # fmt: skip
    return ScReplay.model_validate(base | fields)


def test_array_dates_become_rfc3339_utc() -> None:
    assert rfc3339(parse_time("2015-09-28T14:00:59-05:00")) == "2015-09-28T19:00:59Z"
    assert rfc3339(parse_time("12/09/2014 03:52:08 PM")) == "2014-12-09T15:52:08Z"
    assert parse_time("") is None and parse_time("yesterday") is None


def test_snapshot_values_show_never_as_null() -> None:
    values = snapshot_values(_replay())
    assert values == {"id": "64702.101.3", "volume_id": "64702.101", "name": "nightly",
                      "created_at": "2026-11-30T02:00:00Z", "expires_at": None}  # fmt: skip


def test_only_frozen_unexpired_replays_are_live() -> None:
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    assert is_live(_replay()) and is_live(_replay(expires=True, expireTime=soon))
    assert not is_live(_replay(expires=True, expireTime=past))
    assert not is_live(_replay(markedForExpiration=True))
    assert not is_live(_replay(active=True))
    assert named([_replay(), _replay(description="other")], "nightly") == [_replay()]


def test_create_marks_are_deterministic_and_fit_a_description() -> None:
    mark = create_mark("64702.101", "before-upgrade")
    assert mark == create_mark("64702.101", "before-upgrade")
    assert mark != create_mark("64702.102", "before-upgrade")
    assert len(mark) == 30 and mark.startswith("tf-create-")


def test_volume_sources_are_creation_facts_and_exclude_each_other() -> None:
    """Plan-time rules of source attributes (the provider is not configured here, so it
    cannot read whether a source still exists: a known, different source keeps the volume)."""
    schema = schemas("resources")["dellsc_volume"]
    host = DellscProvider()
    prior = {a.name: None for a in schema.attributes} | {
        "id": "64702.105", "name": "v", "size_gb": Decimal(2), "deletion_policy": "DELETE",
        "source_snapshot_id": "64702.101.1",
    }  # fmt: skip
    for wanted, warned in (("64702.101.2", False), (UNKNOWN, True), (None, False)):
        config = {a.name: None for a in schema.attributes} | {
            "name": "v", "size_gb": Decimal(2), "source_snapshot_id": wanted,
        }  # fmt: skip
        planned, replace = planning.plan(schema, prior, {**prior, **config}, config)
        change = PlanChange(prior, planned, config, Diagnostics(), replace)
        volume_sources.plan_sources(host, change)
        assert change.requires_replace == [], wanted
        assert planned["source_snapshot_id"] == "64702.101.1", "kept: what it was made from"
        assert [d.summary for d in change.diags] == (
            ["Volume Kept: Its Source Is Made Again"] if warned else []
        )
    plain = prior | {"source_snapshot_id": None}
    config = {a.name: None for a in schema.attributes} | {
        "name": "v", "size_gb": Decimal(2), "source_snapshot_id": "64702.101.2",
    }  # fmt: skip
    planned, replace = planning.plan(schema, plain, {**plain, **config}, config)
    change = PlanChange(plain, planned, config, Diagnostics(), replace)
    volume_sources.plan_sources(host, change)
    assert [str(p) for p in change.requires_replace] == ["source_snapshot_id"]
    diags = Diagnostics()
    volume_sources.validate(config | {"source_volume_id": "64702.101"}, diags)
    (diag,) = diags
    assert "source_snapshot_id and source_volume_id" in diag.detail
