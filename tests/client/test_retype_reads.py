"""What retype previews and migrations read: schedule rules, QoS limits, other SCs, root folder."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from dellsc.sc import ScClient, errors

from .conftest import SSN, Emulator, Unique

TARGET = 64703


def test_replay_profile_rules_and_qos_limits(client: ScClient) -> None:
    daily = client.find_replay_profile("Daily")
    (rule,) = client.replay_profile_rules(daily.instance_id)
    assert rule.schedule is not None and rule.schedule.instance_name == "Daily at 12:01 AM"
    assert rule.expiration == 7 * 24 * 60 and rule.enabled
    premium = client.find_qos_profile("Premium", "VolumeQosProfile")
    assert premium.limit_iops_enabled and premium.max_iops == 10000
    assert premium.relative_priority == 100 and not premium.limit_bandwidth_enabled
    with pytest.raises(errors.ScNotFound):
        client.replay_profile_rules(f"{SSN}.999")


def test_for_ssn_binds_a_view_to_another_sc(client: ScClient) -> None:
    other = client.for_ssn(TARGET)
    assert other.ssn == TARGET and other.session is client.session
    assert client.for_ssn(SSN) is client and client.for_ssn(TARGET) is other
    assert {p.sc_serial_number for p in other.storage_profiles()} == {TARGET}
    assert other.root_volume_folder().root
    assert other.root_volume_folder().instance_id != client.root_volume_folder().instance_id
    with pytest.raises(errors.ScNotFound, match="not managed"):
        client.for_ssn(99999)


def test_a_write_through_any_view_drops_every_cache(emulator: Emulator, unique: Unique) -> None:
    with emulator.client(ssn=SSN, cache=True) as client:
        volume = client.create_volume(unique("cached"), 1)
        assert client.get_volume(volume.instance_id).name == volume.name  # cache filled
        renamed = unique("renamed")
        client.for_ssn(TARGET).update_volume(volume.instance_id, name=renamed)
        assert client.get_volume(volume.instance_id).name == renamed


def test_one_new_folder_ensured_from_many_threads(client: ScClient, unique: Unique) -> None:
    path = f"{unique('race')}/db"
    with ThreadPoolExecutor(8) as pool:
        made = set(pool.map(lambda _: client.ensure_volume_folder(path).instance_id, range(8)))
    assert len(made) == 1
