"""Volumes, configuration, profiles, folders, the read cache and client-side validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dellsc.sc import MAX_VOLUME_NAME_LENGTH, ScClient, cache, errors
from dellsc.sc.units import GIB

from .conftest import (
    SSN,
    CallLog,
    Emulator,
    EmulatorFactory,
    Unique,
    run_concurrently,
    state_unchanged,
)

# -- SC level and profiles ------------------------------------------------------------------------


def test_storage_usage_and_preferences(client: ScClient) -> None:
    usage = client.storage_usage()
    assert isinstance(usage.total_bytes, int) and usage.total_bytes > usage.free_bytes >= 0
    assert usage.used_bytes >= 0
    assert client.storage_usage(64703).total_bytes > 0
    prefs = client.user_preferences()
    assert prefs.storage_profile is not None and prefs.storage_profile.instance_name
    assert prefs.replay_profile_list


def test_profile_lookups(client: ScClient) -> None:
    assert {p.name for p in client.storage_profiles()} >= {"Recommended", "High Priority"}
    assert client.find_storage_profile("highpriority").name == "High Priority"
    assert client.find_storage_profile("  low priority ").name == "Low Priority"
    assert client.find_replay_profile("Daily").type == "Standard"
    assert all(p.type == "Standard" for p in client.replay_profiles("Standard"))
    qos = client.find_qos_profile("Premium", "VolumeQosProfile")
    assert qos.profile_type == "VolumeQosProfile"
    assert all(p.profile_type == "GroupQosProfile" for p in client.qos_profiles("GroupQosProfile"))
    assert client.find_data_reduction_profile("compression").type == "Compression"
    by_type = client.find_data_reduction_profile("deduplication")
    assert by_type.type == "Deduplication"
    assert client.data_reduction_profiles()


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(lambda c: c.find_storage_profile("Platinum"), id="storage"),
        pytest.param(lambda c: c.find_replay_profile("Hourly"), id="replay"),
        pytest.param(lambda c: c.find_replay_profile("daily"), id="replay-exact-case"),
        pytest.param(lambda c: c.find_qos_profile("Gold", "VolumeQosProfile"), id="qos"),
        pytest.param(lambda c: c.find_data_reduction_profile("Zip"), id="data-reduction"),
    ],
)
def test_unknown_profile_names_the_choices(
    client: ScClient, emulator: Emulator, lookup: Callable[[ScClient], Any]
) -> None:
    with state_unchanged(emulator), pytest.raises(errors.ScNotFound, match="available: .+"):
        lookup(client)


def test_qos_profile_type_is_checked(client: ScClient) -> None:
    with pytest.raises(errors.ScValidationError):
        client.qos_profiles("Bogus")  # type: ignore[arg-type]


# -- folders --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reported", [None, "2.1", "3.2"])
def test_folders_in_each_path_style(make_emulator: EmulatorFactory, reported: str | None) -> None:
    with make_emulator(reported_api_version=reported) as emu, emu.client() as client:
        assert client.session.legacy_folder_paths == (reported is not None)
        assert client.find_volume_folder("tf/apps") is None
        apps = client.ensure_volume_folder("/tf/apps/")
        assert apps.name == "apps"
        assert client.ensure_volume_folder("tf/apps").instance_id == apps.instance_id
        found = client.find_volume_folder("tf/apps")
        assert found is not None and found.instance_id == apps.instance_id
        top = client.find_volume_folder("tf")
        assert top is not None and apps.parent is not None
        assert apps.parent.instance_id == top.instance_id
        other = client.ensure_volume_folder("tf/db/x")
        assert client.find_volume_folder("tf/db/x") == other
        volume = client.create_volume("in-folder", 1, folder_id=apps.instance_id)
        assert volume.volume_folder is not None
        assert volume.volume_folder.instance_id == apps.instance_id
        assert [v.instance_id for v in client.find_volumes(folder_path="tf/apps")] == [
            volume.instance_id
        ]
        assert client.find_volumes(name="in-folder", folder_path="tf/db") == []


def test_empty_folder_path_is_rejected(client: ScClient) -> None:
    with pytest.raises(errors.ScValidationError):
        client.ensure_volume_folder("//")


# -- volumes --------------------------------------------------------------------------------------


def test_volume_lifecycle(client: ScClient, emulator: Emulator, unique: Unique) -> None:
    name = unique("vol")
    volume = client.create_volume(name, 3, notes="made by a test")
    assert volume.name == name and volume.size_gb == 3
    assert volume.configured_size_bytes == 3 * GIB
    assert volume.sc_serial_number == SSN and volume.instance_id.startswith(f"{SSN}.")
    assert volume.device_id and volume.serial_number
    assert not volume.in_recycle_bin

    fetched = client.get_volume(volume.instance_id)
    assert fetched.instance_id == volume.instance_id and fetched.device_id == volume.device_id
    assert volume.instance_id in {v.instance_id for v in client.list_volumes()}
    assert [v.instance_id for v in client.find_volumes(name=name)] == [volume.instance_id]
    by_wwn = client.find_volumes(device_id=volume.device_id.upper())
    assert [v.instance_id for v in by_wwn] == [volume.instance_id]

    grown = client.expand_volume(volume.instance_id, 5)
    assert grown.size_gb == 5
    with state_unchanged(emulator), pytest.raises(errors.ScValidationError, match="not larger"):
        client.expand_volume(volume.instance_id, 5)

    renamed = client.update_volume(volume.instance_id, name=name + "-b")
    assert renamed.name == name + "-b"
    folder = client.ensure_volume_folder(unique("movedir"))
    moved = client.update_volume(volume.instance_id, folder_id=folder.instance_id)
    assert moved.volume_folder is not None
    assert moved.volume_folder.instance_id == folder.instance_id

    client.delete_volume(volume.instance_id)
    with pytest.raises(errors.ScNotFound):
        client.get_volume(volume.instance_id)
    assert volume.instance_id not in {v.instance_id for v in client.list_volumes()}
    assert client.find_volumes(name=name + "-b") == []
    with pytest.raises(errors.ScNotFound):
        client.delete_volume(volume.instance_id)


def test_volume_configuration_and_profiles(client: ScClient, unique: Unique) -> None:
    high = client.find_storage_profile("High Priority")
    daily = client.find_replay_profile("Daily")
    weekly = client.find_replay_profile("Weekly")
    premium = client.find_qos_profile("Premium", "VolumeQosProfile")
    group = client.find_qos_profile("Group Limited", "GroupQosProfile")
    compression = client.find_data_reduction_profile("Compression")
    volume = client.create_volume(
        unique("profiled"),
        1,
        storage_profile_id=high.instance_id,
        replay_profile_ids=[daily.instance_id],
        volume_qos_profile_id=premium.instance_id,
        group_qos_profile_id=group.instance_id,
        data_reduction_profile_id=compression.instance_id,
    )
    conf = client.get_volume_configuration(volume.instance_id)
    assert conf.instance_id == volume.instance_id
    assert conf.storage_profile and conf.storage_profile.instance_id == high.instance_id
    assert [r.instance_id for r in conf.replay_profile_list] == [daily.instance_id]
    assert conf.volume_qos_profile and conf.volume_qos_profile.instance_id == premium.instance_id
    assert conf.group_qos_profile and conf.group_qos_profile.instance_id == group.instance_id
    assert conf.data_reduction_profile
    assert conf.data_reduction_profile.instance_id == compression.instance_id

    low = client.find_storage_profile("Low Priority")
    client.set_volume_profile(volume.instance_id, "storageProfile", low.instance_id)
    client.set_volume_profile(volume.instance_id, "groupQosProfile", None)
    client.set_replay_profiles(volume.instance_id, [weekly.instance_id, daily.instance_id])
    conf = client.get_volume_configuration(volume.instance_id)
    assert conf.storage_profile and conf.storage_profile.instance_id == low.instance_id
    assert conf.group_qos_profile is None
    assert {r.instance_id for r in conf.replay_profile_list} == {
        weekly.instance_id,
        daily.instance_id,
    }
    client.set_replay_profiles(volume.instance_id, [])
    assert client.get_volume_configuration(volume.instance_id).replay_profile_list == []
    with pytest.raises(errors.ScValidationError):
        client.set_volume_profile(volume.instance_id, "colourProfile", None)
    client.delete_volume(volume.instance_id)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda c: c.create_volume("neg", -1), errors.ScValidationError, id="negative"),
        pytest.param(lambda c: c.create_volume("zero", 0), errors.ScValidationError, id="zero"),
        pytest.param(
            lambda c: c.create_volume("frac", 1.5), errors.ScValidationError, id="fraction"
        ),
        pytest.param(lambda c: c.create_volume("", 1), errors.ScValidationError, id="empty-name"),
        pytest.param(
            lambda c: c.create_volume("x" * (MAX_VOLUME_NAME_LENGTH + 1), 1),
            errors.ScValidationError,
            id="name-too-long",
        ),
        pytest.param(
            lambda c: c.create_volume("badref", 1, storage_profile_id="../etc"),
            errors.ScValidationError,
            id="bad-reference",
        ),
        pytest.param(lambda c: c.get_volume("64702.999999"), errors.ScNotFound, id="missing-get"),
        pytest.param(
            lambda c: c.delete_volume("64702.999999"), errors.ScNotFound, id="missing-delete"
        ),
        pytest.param(
            lambda c: c.expand_volume("64702.999999", 10), errors.ScNotFound, id="missing-expand"
        ),
        pytest.param(
            lambda c: c.get_volume("nonsense/../x"), errors.ScValidationError, id="bad-id"
        ),
    ],
)
def test_bad_input_changes_nothing(
    client: ScClient, emulator: Emulator, call: Callable[[ScClient], Any], error: type[Exception]
) -> None:
    with state_unchanged(emulator), pytest.raises(error):
        call(client)


def test_validation_errors_are_value_errors(client: ScClient) -> None:
    with pytest.raises(ValueError):
        client.create_volume("v", -5)


def test_long_name_at_the_limit_is_accepted(client: ScClient) -> None:
    volume = client.create_volume("n" * MAX_VOLUME_NAME_LENGTH, 1)
    assert len(volume.name) == MAX_VOLUME_NAME_LENGTH
    client.delete_volume(volume.instance_id)


def test_legacy_filter_format(make_emulator: EmulatorFactory) -> None:
    with make_emulator(reported_api_version="2.1") as emu, emu.client() as client:
        assert client.api_version == "2.1" and client.session.legacy_filters
        volume = client.create_volume("legacy", 2)
        client.create_volume("legacy-other", 2)
        assert [v.instance_id for v in client.find_volumes(name="legacy")] == [volume.instance_id]
        assert client.find_storage_profile("Recommended").name == "Recommended"


def test_current_filter_format(make_emulator: EmulatorFactory) -> None:
    with make_emulator(reported_api_version="2.2") as emu, emu.client() as client:
        assert not client.session.legacy_filters
        volume = client.create_volume("current", 2)
        client.create_volume("current-other", 2)
        assert [v.instance_id for v in client.find_volumes(name="current")] == [volume.instance_id]


def test_version_flags_compare_numerically(make_emulator: EmulatorFactory) -> None:
    with make_emulator(reported_api_version="10.0", api_versions=("2.0", "10.0")) as emu:
        with emu.client() as client:
            assert not client.session.legacy_folder_paths  # "10" < "4" as strings


# -- read cache -----------------------------------------------------------------------------------


def _requests(emulator: Emulator) -> int:
    stats = emulator.admin.stats()
    return int(stats["requests"])


def test_cache_lists_a_small_array_once_and_reads_singly_after_a_write(
    make_emulator: EmulatorFactory, call_log: CallLog
) -> None:
    with make_emulator(preload_volumes=50) as emu:
        with emu.client() as plain:
            ids = [v.instance_id for v in plain.list_volumes()]
        assert len(ids) == 50
        with emu.client(cache=True) as cached:
            before = _requests(emu)
            call_log.calls.clear()
            cached.warm_cache()  # 50 volumes: cheaper listed than read one by one
            for instance_id in ids:
                assert cached.get_volume(instance_id).instance_id == instance_id
                assert cached.get_volume_configuration(instance_id).instance_id == instance_id
            assert _requests(emu) - before == 3
            assert call_log.calls == [
                ("POST", "StorageCenter/ScStorageProfile/GetList"),  # how many volumes
                ("POST", "StorageCenter/ScVolume/GetList"),
                ("POST", "StorageCenter/ScVolumeConfiguration/GetList"),
            ]
            # a write drops the cache; the next reads see the change, one object at a time
            # (an apply reading back what it wrote must not fetch every volume each time)
            cached.update_volume(ids[0], name="renamed-in-cache")
            call_log.calls.clear()
            assert cached.get_volume(ids[0]).name == "renamed-in-cache"
            assert cached.get_volume(ids[1]).name.startswith("preload-")
            cached.get_volume_configuration(ids[1])
            assert call_log.calls == [
                ("GET", f"StorageCenter/ScVolume/{ids[0]}"),
                ("GET", f"StorageCenter/ScVolume/{ids[1]}"),
                ("GET", f"StorageCenter/ScVolume/{ids[1]}/VolumeConfiguration"),
            ]


def test_cache_reads_few_of_a_large_array_singly_then_lists_it(
    make_emulator: EmulatorFactory, call_log: CallLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 volumes stand for a large array: a bulk list costs as much as 60 / 6 = 10 GETs, more
    # than the first 5 reads of a refresh
    monkeypatch.setattr(cache, "OBJECTS_PER_READ", 6)
    monkeypatch.setattr(cache, "PREFETCH_READS", 5)
    with make_emulator(preload_volumes=60) as emu, emu.client(cache=True) as cached:
        ids = [v.instance_id for v in cached.list_volumes()]
        call_log.calls.clear()
        cached.warm_cache()  # too many to list before anything asks
        for instance_id in ids[:10]:
            cached.get_volume(instance_id)
        assert call_log.calls == [
            ("POST", "StorageCenter/ScStorageProfile/GetList"),
            *[("GET", f"StorageCenter/ScVolume/{i}") for i in ids[:10]],
        ]
        call_log.calls.clear()  # ten single reads cost what the list costs: list it now
        for instance_id in ids[10:]:
            assert cached.get_volume(instance_id).instance_id == instance_id
        assert call_log.calls == [("POST", "StorageCenter/ScVolume/GetList")]


def test_cache_concurrent_misses_share_one_bulk_request(
    make_emulator: EmulatorFactory, call_log: CallLog
) -> None:
    with make_emulator(preload_volumes=20) as emu, emu.client(cache=True) as cached:
        ids = [v.instance_id for v in cached.list_volumes()]
        call_log.calls.clear()
        seen: list[str] = []  # 20 volumes: each read waits for the one list
        run_concurrently(8, lambda n: seen.append(cached.get_volume(ids[n]).instance_id))
        assert sorted(seen) == sorted(ids[:8])
        assert call_log.calls == [
            ("POST", "StorageCenter/ScStorageProfile/GetList"),
            ("POST", "StorageCenter/ScVolume/GetList"),
        ]


def test_cache_misses_fall_back_to_a_direct_get(make_emulator: EmulatorFactory) -> None:
    with make_emulator(preload_volumes=2) as emu, emu.client(cache=True) as cached:
        ids = [v.instance_id for v in cached.list_volumes()]
        cached.get_volume(ids[0])  # fills the cache
        emu.admin.add_volumes(ssn=SSN, name="out-of-band", size_bytes=GIB)
        with emu.client() as plain:
            [late] = plain.find_volumes(name="out-of-band")
        assert cached.get_volume(late.instance_id).name == "out-of-band"
        with pytest.raises(errors.ScNotFound):
            cached.get_volume(f"{SSN}.999999")
