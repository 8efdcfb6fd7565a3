"""Fields no public client confirms are read leniently; the others still fail loudly.

The odd shapes below are the ones a real DSM could plausibly send for the uncorroborated
fields of reference §9.1a: a bandwidth as text with its unit, a schedule named instead of
referenced, an expiry as words, a count as a string, a flag spelled out.
"""

from __future__ import annotations

import logging

import pytest

from dellsc.sc import errors
from dellsc.sc.models import (
    ScQosProfile,
    ScReplayProfileRule,
    ScStorageProfile,
    ScVolume,
    parse,
    parse_list,
)

ODD_QOS = {
    "objectType": "ScQosProfile", "instanceId": "64702.21", "instanceName": "Premium",
    "name": "Premium", "profileType": "VolumeQosProfile", "scSerialNumber": 64702,
    "relativePriority": "High", "limitIopsEnabled": True, "maxIops": "10000",
    "limitBandwidthEnabled": "when busy", "maxBandwidth": "100 MB/s",
}  # fmt: skip
ODD_RULES = [
    {"objectType": "ScReplayProfileRule", "instanceId": "64702.2.1", "name": "Daily",
     "replayProfile": {"instanceId": "64702.2", "instanceName": "Daily",
                       "objectType": "ScReplayProfile"},
     "schedule": "Daily at 12:01 AM", "expiration": "1 week", "enabled": "Yes"},
    {"objectType": "ScReplayProfileRule", "instanceId": "64702.2.2",
     "replayProfile": "64702.2", "Schedule": {"instanceName": "no id"}, "Expiration": 60},
]  # fmt: skip


def test_odd_qos_limits_read_as_unknown_and_are_named(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="dellsc.sc.models"):
        qos = parse(ScQosProfile, ODD_QOS, "POST", "StorageCenter/ScQosProfile/GetList")
    assert (qos.name, qos.limit_iops_enabled, qos.max_iops) == ("Premium", True, 10000)
    assert qos.relative_priority is None and qos.limit_bandwidth_enabled is None
    assert qos.max_bandwidth is None
    assert qos.odd_fields == ("relativePriority", "limitBandwidthEnabled", "maxBandwidth")
    assert "ScQosProfile.maxBandwidth: unexpected value '100 MB/s' read as unknown" in caplog.text


def test_absent_qos_limits_are_unknown_not_unlimited() -> None:
    qos = parse(ScQosProfile, {"instanceId": "64702.20", "name": "Default"}, "GET", "x")
    assert qos.limit_iops_enabled is None and qos.max_iops is None and qos.odd_fields == ()


def test_odd_schedule_rules_parse_with_unknowns() -> None:
    daily, hourly = parse_list(ScReplayProfileRule, ODD_RULES, "GET", "RuleList")
    assert daily.schedule is None and daily.expiration is None and daily.enabled is True
    assert daily.replay_profile is not None and daily.replay_profile.instance_id == "64702.2"
    assert daily.odd_fields == ("schedule", "expiration")
    assert hourly.replay_profile is None and hourly.schedule is None
    assert hourly.expiration == 60 and hourly.enabled is None and hourly.name is None
    assert hourly.odd_fields == ("replayProfile", "schedule")


def test_a_profile_volume_count_that_is_not_a_number_is_unknown() -> None:
    profiles = parse_list(
        ScStorageProfile,
        [{"instanceId": "64702.1", "volumeCount": "12"}, {"instanceId": "64702.2",
                                                           "VolumeCount": "many"}],
        "POST",
        "StorageCenter/ScStorageProfile/GetList",
    )  # fmt: skip
    assert [p.volume_count for p in profiles] == [12, None]


def test_corroborated_fields_still_fail_loudly() -> None:
    volume = {"instanceId": "64702.101", "scSerialNumber": 64702, "configuredSize": "ten GB!"}
    with pytest.raises(errors.ScApiError, match=r"configuredSize"):
        parse(ScVolume, volume, "GET", "StorageCenter/ScVolume/64702.101")
    with pytest.raises(errors.ScApiError, match=r"instanceId"):
        parse(ScQosProfile, {**ODD_QOS, "instanceId": None}, "POST", "x")
