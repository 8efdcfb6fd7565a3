"""Field drift, a preferred LUN that is taken, and the profiles' volume counts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from dellsc.emulator.drift import Drift

from .conftest import SSN, Dsm, start

IQN = "iqn.1993-08.org.debian:01:drift01"


def _emulator(**options: Any) -> tuple[EmulatorServer, Dsm]:
    server = start(replace(EmulatorOptions(), tls=False, **options))
    dsm = Dsm(server)
    dsm.login()
    return server, dsm


def test_drift_renames_and_retypes_one_kind_only() -> None:
    server, dsm = _emulator(
        drifts=(
            '{"kind": "ScQosProfile", "field": "MAXIOPS", "rename": "maximumIops"}',
            {"kind": "ScQosProfile", "field": "maxBandwidth", "value": "100 MB/s"},
            {"kind": "ScVolume", "field": "notes", "value": None},
        )
    )
    try:
        for qos in dsm.get_list("ScQosProfile", scSerialNumber=SSN):
            assert "maxIops" not in qos and isinstance(qos["maximumIops"], int)
            assert qos["maxBandwidth"] == "100 MB/s"
        volume = dsm.create_volume("drifted")  # the reply of the task drifts too
        assert volume["notes"] is None
        config = dsm.get(f"StorageCenter/ScVolume/{volume['instanceId']}/VolumeConfiguration")
        assert config["notes"] == ""  # another kind; and references are never touched
        assert config["volume"] == {
            "instanceId": volume["instanceId"],
            "instanceName": "drifted",
            "objectType": "ScVolume",
        }
    finally:
        server.stop()


@pytest.mark.parametrize(
    "spec",
    [
        "not json",
        {"kind": "ScVolume"},
        {"kind": "ScVolume", "field": "name"},
        {"kind": "ScVolume", "field": "name", "rename": "x", "value": 1},
        {"kind": "ScVolume", "field": "name", "rename": 3},
    ],
)
def test_bad_drift_rules_are_refused(spec: Any) -> None:
    with pytest.raises(ValueError, match="--drift"):
        Drift.of(spec)


def _mapped_at(dsm: Dsm, lun: int, use_next: bool | None = None) -> Any:
    volume = dsm.create_volume(f"lun-{lun}-{use_next}")
    advanced: dict[str, Any] = {"PreferredLun": lun}
    if use_next is not None:
        advanced["UseNextAvailable"] = use_next
    return dsm.call(
        "POST",
        f"StorageCenter/ScVolume/{volume['instanceId']}/MapToServer",
        {"server": f"{SSN}.1", "Advanced": advanced},
    )


@pytest.mark.parametrize("conflict", ["refuse", "next"])
def test_a_taken_preferred_lun(conflict: str) -> None:
    server, dsm = _emulator(lun_conflict=conflict)
    try:
        assert _mapped_at(dsm, 7).json()["lunUsed"] == [7]
        refused = _mapped_at(dsm, 7, use_next=False)
        if conflict == "refuse":
            assert refused.status_code == 400 and "LUN 7 is already used" in refused.text
        else:  # an array that ignores UseNextAvailable: the lowest free LUN
            assert refused.json()["lunUsed"] == [1]
        assert _mapped_at(dsm, 7, use_next=True).json()["lunUsed"] == [
            1 if conflict == "refuse" else 2
        ]
    finally:
        server.stop()


def test_profiles_count_the_volumes_using_them(dsm: Dsm) -> None:
    before = {p["name"]: p["volumeCount"] for p in dsm.get_list("ScStorageProfile")}
    volume = dsm.create_volume("counted")
    after = {p["name"]: p["volumeCount"] for p in dsm.get_list("ScStorageProfile")}
    assert after["Recommended"] == before["Recommended"] + 1
    # High Priority has the id of the Daily snapshot profile the volume uses: not counted
    assert after["High Priority"] == before["High Priority"] == 0
    daily = dsm.get(f"StorageCenter/ScReplayProfile/{SSN}.2")
    assert daily["volumeCount"] >= 1  # the user's default snapshot profile
    dsm.ok("DELETE", f"StorageCenter/ScVolume/{volume['instanceId']}")
    again = {p["name"]: p["volumeCount"] for p in dsm.get_list("ScStorageProfile")}
    assert again == before  # recycled volumes do not count
