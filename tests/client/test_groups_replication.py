"""Consistency groups, replication and Live Volume across the shared emulator's two SCs."""

from __future__ import annotations

import pytest

from dellsc.sc import ScClient, errors

from .conftest import SSN, Emulator, EmulatorFactory, Unique

TARGET = 64703


def test_consistency_group_lifecycle(client: ScClient, unique: Unique) -> None:
    group = client.create_consistency_group(unique("cg"))
    assert group.type == "Consistent"
    assert client.get_replay_profile(group.instance_id).name == group.name
    assert group.instance_id in {p.instance_id for p in client.replay_profiles("Consistent")}
    assert (
        client.find_replay_profile(group.name, type="Consistent").instance_id == group.instance_id
    )

    members = [client.create_volume(unique("member"), 1) for _ in range(2)]
    for volume in members:
        current = client.get_volume_configuration(volume.instance_id).replay_profile_list
        client.set_replay_profiles(
            volume.instance_id, [group.instance_id, *(r.instance_id for r in current)]
        )
    assert {v.instance_id for v in client.replay_profile_volumes(group.instance_id)} == {
        v.instance_id for v in members
    }
    snapshot = client.create_group_replay(group.instance_id, "g" * 40)
    assert snapshot is not None and snapshot.description == "g" * 30
    assert [g.instance_id for g in client.consistency_groups(group.instance_id)] == [
        snapshot.instance_id
    ]
    replays = client.consistency_group_replays(snapshot.instance_id)
    assert {r.create_volume.instance_id for r in replays if r.create_volume} == {
        v.instance_id for v in members
    }
    for replay in replays:
        client.expire_replay(replay.instance_id)

    client.delete_replay_profile(group.instance_id)
    with pytest.raises(errors.ScNotFound):
        client.get_replay_profile(group.instance_id)
    with pytest.raises(errors.ScNotFound):
        client.delete_replay_profile(group.instance_id)
    for volume in members:
        client.delete_volume(volume.instance_id)


def test_group_membership_keeps_other_profiles(client: ScClient, unique: Unique) -> None:
    group = client.create_consistency_group(unique("cg"))
    assert [p.instance_id for p in client.find_replay_profiles(group.name)] == [group.instance_id]
    assert client.find_replay_profiles(group.name.upper()) == []
    volume = client.create_volume(unique("member"), 1)
    standard = [r.instance_id for r in client.get_volume_configuration(volume.instance_id)
                .replay_profile_list]  # fmt: skip
    client.add_group_member(group.instance_id, volume.instance_id)
    client.add_group_member(group.instance_id, volume.instance_id)  # idempotent
    listed = client.get_volume_configuration(volume.instance_id).replay_profile_list
    assert [r.instance_id for r in listed] == [group.instance_id, *standard]
    snapshot = client.create_group_replay(group.instance_id, "same-name")
    again = client.create_group_replay(group.instance_id, "same-name")
    assert snapshot is not None and again is not None
    assert again.instance_id != snapshot.instance_id, "the new group snapshot, not the old one"
    assert client.get_group_replay(snapshot.instance_id).profile is not None
    client.remove_group_member(group.instance_id, volume.instance_id)
    client.remove_group_member(group.instance_id, volume.instance_id)
    listed = client.get_volume_configuration(volume.instance_id).replay_profile_list
    assert [r.instance_id for r in listed] == standard
    with pytest.raises(errors.ScNotFound):
        client.get_group_replay(f"{SSN}.{SSN}.99999.1")
    client.delete_replay_profile(group.instance_id)
    client.delete_volume(volume.instance_id)


def test_consistency_groups_refused_on_api_2_0(make_emulator: EmulatorFactory) -> None:
    with make_emulator(reported_api_version="2.0") as emu, emu.client() as client:
        with pytest.raises(errors.ScValidationError, match="2.1"):
            client.create_consistency_group("cg")


def test_replication_lifecycle(client: ScClient, unique: Unique) -> None:
    node = client.ensure_replication_qos_node(unique("qos"), SSN)
    assert client.ensure_replication_qos_node(node.name, SSN).instance_id == node.instance_id
    assert node.link_speed == "1 Gbps"
    source = client.create_volume(unique("repl"), 1)
    replication = client.create_replication(
        source.instance_id, TARGET, node.instance_id, destination_name=f"repl of {source.name}"
    )
    assert replication.destination_sc_serial_number == TARGET
    assert replication.type == "Asynchronous" and not replication.replicate_active_replay
    assert replication.destination_volume is not None
    assert [r.instance_id for r in client.volume_replications(source.instance_id)] == [
        replication.instance_id
    ]
    assert client.get_volume(source.instance_id).replication_source
    client.update_replication(replication.instance_id, True)
    assert client.get_replication(replication.instance_id).replicate_active_replay
    progress = client.replication_progress(replication.instance_id)
    assert isinstance(progress.amount_remaining_bytes, int)

    client.delete_replication(
        replication.instance_id, delete_destination=True, recycle_destination=True
    )
    assert client.volume_replications(source.instance_id) == []
    with pytest.raises(errors.ScNotFound):
        client.get_volume(replication.destination_volume.instance_id)
    client.delete_volume(source.instance_id)


def test_replication_target_must_be_managed(client: ScClient, unique: Unique) -> None:
    volume = client.create_volume(unique("repl-bad"), 1)
    with pytest.raises(errors.ScNotFound, match="managed: 64702, 64703"):
        client.create_replication(volume.instance_id, 11111, f"{SSN}.2")
    client.delete_volume(volume.instance_id)


def test_synchronous_replication_into_an_existing_volume(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    node = client.ensure_replication_qos_node(unique("qos-sync"), SSN, "10 Gbps")
    assert node.link_speed == "10 Gbps"
    source = client.create_volume(unique("sync-src"), 1)
    with emulator.client(ssn=TARGET) as remote:
        target = remote.create_volume(unique("sync-dst"), 1)
    replication = client.create_replication(
        source.instance_id,
        TARGET,
        node.instance_id,
        synchronous=True,
        destination_volume_id=target.instance_id,
    )
    assert replication.type == "Synchronous" and replication.replicate_active_replay
    assert replication.destination_volume is not None
    assert replication.destination_volume.instance_id == target.instance_id
    client.delete_replication(
        replication.instance_id, delete_destination=False, recycle_destination=False
    )
    assert client.get_volume(target.instance_id).instance_id == target.instance_id
    with pytest.raises(errors.ScNotFound):
        client.delete_replication(
            replication.instance_id, delete_destination=False, recycle_destination=False
        )


def test_live_volume_lifecycle(client: ScClient, emulator: Emulator, unique: Unique) -> None:
    primary_node = client.ensure_replication_qos_node(unique("lvq"), SSN)
    secondary_node = client.ensure_replication_qos_node(primary_node.name, TARGET)
    assert secondary_node.sc_serial_number == TARGET
    volume = client.create_volume(unique("lv"), 1)
    live = client.create_live_volume(
        volume.instance_id, TARGET, primary_node.instance_id, secondary_node.instance_id
    )
    assert live.primary_volume and live.primary_volume.instance_id == volume.instance_id
    assert live.secondary_sc_serial_number == TARGET
    assert live.secondary_volume and live.secondary_volume.instance_name == volume.name
    assert live.instance_id in {lv.instance_id for lv in client.live_volumes()}
    found = client.find_live_volume(live.secondary_volume.instance_id)
    assert found is not None and found.instance_id == live.instance_id

    with emulator.client(ssn=TARGET) as remote:
        host = remote.create_server(unique("lv-host"))
        remote.add_hba(host.instance_id, "Iscsi", f"iqn.2024-01.com.example:{unique('lv')}")
    mapping = client.map_secondary_volume(live.instance_id, host.instance_id)
    assert mapping is not None and mapping.server is not None
    assert mapping.server.instance_id == host.instance_id

    client.swap_live_volume_roles(live.instance_id)
    swapped = client.find_live_volume(volume.instance_id)
    assert swapped is not None and swapped.secondary_volume is not None
    assert swapped.secondary_volume.instance_id == volume.instance_id

    client.delete_live_volume(live.instance_id)
    assert client.find_live_volume(volume.instance_id) is None


def test_replication_refused_on_direct_connection(make_emulator: EmulatorFactory) -> None:
    with make_emulator(direct=True) as emu, emu.client() as client:
        volume = client.create_volume("direct", 1)
        with pytest.raises(errors.ScValidationError, match="DSM"):
            client.create_replication(volume.instance_id, TARGET, f"{SSN}.2")


def test_a_group_snapshot_removes_an_activation_mapping_left_on_a_member(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    group = client.create_consistency_group(unique("cg"))
    volume = client.create_volume(unique("member"), 1)
    client.set_replay_profiles(volume.instance_id, [group.instance_id])
    emulator.admin.fault(method="DELETE", path="ScMappingProfile/", action="status", status=500)
    with pytest.raises(errors.ScConflict, match="the next apply that snapshots or deletes"):
        client.create_group_replay(group.instance_id, "first")
    assert len(client.volume_mapping_profiles(volume.instance_id)) == 1  # active, still mapped
    emulator.admin.clear_faults()
    snapshot = client.create_group_replay(group.instance_id, "again")
    assert snapshot is not None
    assert client.volume_mapping_profiles(volume.instance_id) == []
    for replay in client.consistency_group_replays(snapshot.instance_id):
        client.expire_replay(replay.instance_id)
    client.delete_replay_profile(group.instance_id)
    client.delete_volume(volume.instance_id)
