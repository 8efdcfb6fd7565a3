"""Replays, view volumes, activation, copies, servers, HBAs and mappings."""

from __future__ import annotations

import pytest

from dellsc.sc import MAX_REPLAY_DESCRIPTION_LENGTH, ScClient, errors
from dellsc.sc.notes import ACTIVATION_SERVER

from .conftest import (
    SSN,
    CallLog,
    Emulator,
    EmulatorFactory,
    Unique,
    run_concurrently,
    state_unchanged,
)


def test_activation_maps_briefly_then_unmaps(client: ScClient, unique: Unique) -> None:
    volume = client.create_volume(unique("act"), 1)
    assert not volume.active
    active = client.activate_volume(volume.instance_id)
    assert active.active and active.replay_allowed
    assert client.volume_mapping_profiles(volume.instance_id) == []
    assert client.activate_volume(volume.instance_id).active  # already active: nothing to do
    client.delete_volume(volume.instance_id)


def test_parallel_snapshots_of_a_never_mapped_volume(client: ScClient, unique: Unique) -> None:
    """Activation is taken once: parallel creates never unmap each other's mapping."""
    volume = client.create_volume(unique("par"), 1)
    failures = run_concurrently(
        4, lambda n: client.create_replay(volume.instance_id, f"par-{n}", expire_minutes=0)
    )
    assert failures == []
    live = [r for r in client.volume_replays(volume.instance_id) if not r.active]
    assert sorted(r.description for r in live) == [f"par-{n}" for n in range(4)]
    assert client.volume_mapping_profiles(volume.instance_id) == []
    client.delete_volume(volume.instance_id)


def test_replay_lifecycle(client: ScClient, unique: Unique) -> None:
    volume = client.create_volume(unique("snap"), 2)
    description = "d" * 36  # a Cinder-style UUID-length description
    replay = client.create_replay(volume.instance_id, description, expire_minutes=0)
    assert replay.description == description[:MAX_REPLAY_DESCRIPTION_LENGTH]
    assert replay.create_volume is not None
    assert replay.create_volume.instance_id == volume.instance_id
    assert client.get_volume(volume.instance_id).active  # created through activation
    replays = client.volume_replays(volume.instance_id)
    assert replay.instance_id in {r.instance_id for r in replays}
    assert any(r.active for r in replays)  # the active replay is listed too

    client.update_replay(replay.instance_id, description="kept", expire_minutes=60)
    updated = {r.instance_id: r for r in client.volume_replays(volume.instance_id)}
    assert updated[replay.instance_id].description == "kept"
    assert updated[replay.instance_id].expires

    view = client.create_view_volume(replay.instance_id, unique("view"))
    assert view.instance_id != volume.instance_id and view.size_gb == 2
    client.expire_replay(replay.instance_id)
    expired = {r.instance_id: r for r in client.volume_replays(volume.instance_id)}
    assert replay.instance_id not in expired or expired[replay.instance_id].marked_for_expiration
    with pytest.raises(errors.ScNotFound):
        client.expire_replay(f"{SSN}.999999.1")
    with pytest.raises(errors.ScValidationError):
        client.create_replay(volume.instance_id, "x", expire_minutes=-1)
    client.delete_volume(view.instance_id)
    client.delete_volume(volume.instance_id)


def test_view_volume_options(client: ScClient, unique: Unique) -> None:
    volume = client.create_volume(unique("viewsrc"), 1)
    replay = client.create_replay(volume.instance_id, "base")
    folder = client.ensure_volume_folder(unique("views"))
    weekly = client.find_replay_profile("Weekly")
    premium = client.find_qos_profile("Premium", "VolumeQosProfile")
    view = client.create_view_volume(
        replay.instance_id,
        unique("view"),
        folder_id=folder.instance_id,
        replay_profile_ids=[weekly.instance_id],
        volume_qos_profile_id=premium.instance_id,
    )
    assert view.volume_folder and view.volume_folder.instance_id == folder.instance_id
    conf = client.get_volume_configuration(view.instance_id)
    assert [r.instance_id for r in conf.replay_profile_list] == [weekly.instance_id]
    assert conf.volume_qos_profile and conf.volume_qos_profile.instance_id == premium.instance_id


def test_copy_volume(client: ScClient, unique: Unique) -> None:
    source = client.create_volume(unique("copysrc"), 1)
    client.create_replay(source.instance_id, "marker", expire_minutes=60)
    target = client.create_volume(unique("copydst"), 1)
    client.copy_volume(source.instance_id, target.instance_id)
    copied = {r.description for r in client.volume_replays(target.instance_id)}
    assert "marker" in copied


def test_servers_hbas_and_mappings(client: ScClient, emulator: Emulator, unique: Unique) -> None:
    iqn = f"iqn.2024-01.com.example:{unique('host')}"
    assert client.find_server_by_initiator(iqn) is None
    server = client.create_server(unique("srv"), os_name="red hat linux 7.x")
    assert server.operating_system is not None
    assert server.operating_system.instance_name == "Red Hat Linux 7.x"
    client.add_hba(server.instance_id, "iscsi", iqn)
    assert [h.instance_name for h in client.server_hbas(server.instance_id)] == [iqn]
    found = client.find_server_by_initiator(iqn.upper())
    assert found is not None and found.instance_id == server.instance_id
    assert client.get_server(server.instance_id).name == server.name
    assert server.instance_id in {s.instance_id for s in client.servers()}

    volume = client.create_volume(unique("mapped"), 1)
    profile = client.map_volume(volume.instance_id, server.instance_id)
    assert profile.server and profile.server.instance_id == server.instance_id
    again = client.map_volume(volume.instance_id, server.instance_id)
    assert again.instance_id == profile.instance_id  # idempotent
    assert [p.instance_id for p in client.volume_mapping_profiles(volume.instance_id)] == [
        profile.instance_id
    ]
    mapped = client.get_volume(volume.instance_id)
    assert mapped.active and mapped.mapped
    paths = client.volume_mappings(volume.instance_id)
    assert paths and all(m.server and m.server.instance_id == server.instance_id for m in paths)
    assert len({m.lun for m in paths}) == 1
    assert client.server_mappings(server.instance_id)

    client.unmap_volume(volume.instance_id, server.instance_id)
    assert client.volume_mapping_profiles(volume.instance_id) == []
    client.unmap_volume(volume.instance_id, server.instance_id)  # nothing left: no-op

    client.map_volume(volume.instance_id, server.instance_id)
    client.unmap_all(volume.instance_id)
    assert client.volume_mappings(volume.instance_id) == []

    client.delete_server(server.instance_id)
    with pytest.raises(errors.ScNotFound):
        client.get_server(server.instance_id)
    client.delete_volume(volume.instance_id)


def test_server_bad_input(client: ScClient, emulator: Emulator) -> None:
    with state_unchanged(emulator):
        with pytest.raises(errors.ScNotFound, match="Red Hat Linux 6.x"):
            client.create_server("s", os_name="BeOS")
        with pytest.raises(errors.ScValidationError):
            client.add_hba(f"{SSN}.1", "SCSI", "x")
        with pytest.raises(errors.ScValidationError):
            client.create_server("")


def test_fc_hba(client: ScClient, unique: Unique) -> None:
    server = client.create_server(unique("fc"))
    client.add_hba(server.instance_id, "FibreChannel", "21000024ff30441d")
    hbas = client.server_hbas(server.instance_id)
    assert [h.port_type for h in hbas] == ["FibreChannel"]
    found = client.find_server_by_initiator("21000024FF30441D")
    assert found is not None and found.instance_id == server.instance_id
    client.delete_server(server.instance_id)


def test_server_folders(client: ScClient, unique: Unique) -> None:
    path = f"{unique('hosts')}/linux"
    assert client.find_server_folder(path) is None
    folder = client.ensure_server_folder(path)
    assert client.ensure_server_folder(path).instance_id == folder.instance_id
    found = client.find_server_folder(path)
    assert found is not None and found.instance_id == folder.instance_id
    server = client.create_server(unique("foldered"), folder_id=folder.instance_id)
    assert server.server_folder and server.server_folder.instance_id == folder.instance_id
    client.delete_server(server.instance_id)


def test_activation_maps_only_to_the_hostless_activation_server(
    make_emulator: EmulatorFactory, call_log: CallLog
) -> None:
    """The driver maps to any up physical server (§9.2 #21); this client only ever maps to
    its own server without initiators, made once, and unmaps it again."""
    with make_emulator() as emu, emu.client() as client:
        hosts = {s.instance_id for s in client.servers()}
        assert hosts, "the emulator seeds servers a careless activation could use"
        for name in ("first", "second"):
            volume = client.create_volume(name, 1)
            client.create_replay(volume.instance_id, "snap")
            assert client.volume_mapping_profiles(volume.instance_id) == []
        (server,) = client.find_servers(ACTIVATION_SERVER)
        assert server.instance_id not in hosts and client.server_hbas(server.instance_id) == []
        maps = [c for c in call_log.calls if c[1].endswith("/MapToServer")]
        assert len(maps) == 2
        creates = [c for c in call_log.calls if c[1].endswith("ScPhysicalServer")]
        assert len(creates) == 1


def test_activation_server_with_an_initiator_is_refused(make_emulator: EmulatorFactory) -> None:
    with make_emulator() as emu, emu.client() as client:
        server = client.create_server(ACTIVATION_SERVER)
        client.add_hba(server.instance_id, "Iscsi", "iqn.2026-01.com.example:stray")
        volume = client.create_volume("lonely", 1)
        with (
            state_unchanged(emu),
            pytest.raises(errors.ScConflict, match="has initiators"),
        ):
            client.create_replay(volume.instance_id, "snap")


def test_a_server_change_the_array_did_not_make_is_named(make_emulator: EmulatorFactory) -> None:
    # an array whose servers keep reporting the operating system they had
    kept = {"instanceId": f"{SSN}.38", "instanceName": "Red Hat Linux 6.x",
            "objectType": "ScServerOperatingSystem"}  # fmt: skip
    drift = {"kind": "ScPhysicalServer", "field": "operatingSystem", "value": kept}
    with make_emulator(drifts=(drift,)) as emu, emu.client() as client:
        server = client.create_server("kept-os", os_name="Red Hat Linux 6.x")
        renamed = client.update_server(server.instance_id, name="kept-os-2")
        assert renamed.name == "kept-os-2"
        with pytest.raises(errors.ScNotApplied, match=r"kept OperatingSystem Red Hat Linux 6\.x"):
            client.update_server(server.instance_id, os_id=f"{SSN}.43")


def test_an_activation_mapping_left_behind_is_removed_by_the_next_snapshot(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    volume = client.create_volume(unique("left"), 1)
    emulator.admin.fault(method="DELETE", path="ScMappingProfile/", action="status", status=500)
    with pytest.raises(errors.ScConflict, match="the next apply that snapshots or deletes"):
        client.create_replay(volume.instance_id, "snap")
    assert len(client.volume_mapping_profiles(volume.instance_id)) == 1
    emulator.admin.clear_faults()
    client.create_replay(volume.instance_id, "snap")
    assert client.volume_mapping_profiles(volume.instance_id) == []
