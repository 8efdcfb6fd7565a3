"""What the provider made and no longer needs: empty folders and unused replication QoS
nodes go; anything holding something, in use, or made by someone else stays."""

from __future__ import annotations

from dellsc.sc import ScClient

from .conftest import SSN, Emulator, Unique

TARGET = 64703


def test_empty_folders_the_provider_made_are_removed_deepest_first(
    emulator: Emulator, unique: Unique
) -> None:
    top = unique("tidy")
    with emulator.client(ssn=SSN) as maker:
        leaf = maker.ensure_volume_folder(f"{top}/a/b")
        volume = maker.create_volume(unique("in-b"), 1, folder_id=leaf.instance_id)
        maker.ensure_volume_folder(f"{top}/other")
    with emulator.client(ssn=SSN) as client:  # a new process: nothing pinned
        assert client.remove_empty_volume_folders(f"{top}/a/b") == [], "it holds a volume"
        client.delete_volume(volume.instance_id)
        removed = client.remove_empty_volume_folders(f"{top}/a/b")
        assert removed == [f"{top}/a/b", f"{top}/a"], "stops at the folder holding `other`"
        assert client.find_volume_folder(f"{top}/a") is None
        assert client.find_volume_folder(f"{top}/other") is not None
        assert client.remove_empty_volume_folders(f"{top}/other") == [f"{top}/other", top]


def test_a_folder_in_use_by_this_process_is_kept(client: ScClient, unique: Unique) -> None:
    path = f"{unique('pinned')}/x"
    client.ensure_server_folder(path)  # a create of this process is about to use it
    assert client.remove_empty_server_folders(path) == []
    assert client.find_server_folder(path) is not None


def test_unused_qos_nodes_the_provider_made_are_removed(client: ScClient, unique: Unique) -> None:
    node = client.ensure_replication_qos_node(unique("qos"), SSN)
    assert client.created_qos_nodes[node.instance_id] == node.name
    source = client.create_volume(unique("repl"), 1)
    replication = client.create_replication(source.instance_id, TARGET, node.instance_id)
    assert client.qos_node_in_use(node.instance_id)
    assert client.remove_unused_qos_node(node.instance_id) is False, "in use: kept"
    client.delete_replication(
        replication.instance_id, delete_destination=True, recycle_destination=True
    )
    assert client.remove_unused_qos_node(node.instance_id) is True
    assert node.instance_id not in {n.instance_id for n in client.replication_qos_nodes(SSN)}
    assert node.instance_id not in client.created_qos_nodes
    client.delete_volume(source.instance_id)


def test_a_qos_node_a_live_volume_uses_is_kept(client: ScClient, unique: Unique) -> None:
    primary = client.ensure_replication_qos_node(unique("lv-qos"), SSN)
    secondary = client.ensure_replication_qos_node(unique("lv-qos"), TARGET)
    volume = client.create_volume(unique("lv"), 1)
    live = client.create_live_volume(
        volume.instance_id, TARGET, primary.instance_id, secondary.instance_id
    )
    assert client.qos_node_in_use(primary.instance_id)
    assert client.qos_node_in_use(secondary.instance_id)
    client.delete_live_volume(live.instance_id, delete_secondary=True, recycle_secondary=True)
    assert client.remove_unused_qos_node(secondary.instance_id)
    assert client.remove_unused_qos_node(primary.instance_id)
    client.delete_volume(volume.instance_id)
