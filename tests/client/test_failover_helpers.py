"""Client calls behind failover: an SC that is down, host initiators, replication lookup."""

from __future__ import annotations

import pytest

from dellsc.sc import errors

from .conftest import SSN, EmulatorFactory

TARGET = 64703


def test_volume_of_a_down_sc_is_unavailable_not_gone(make_emulator: EmulatorFactory) -> None:
    with make_emulator(ssns=(SSN, TARGET)) as emu, emu.client(cache=True, ssn=SSN) as client:
        volume = client.create_volume("survivor", 1)
        assert client.sc_reachable(SSN) and client.sc_reachable(TARGET)
        emu.admin._call("POST", f"storage_centers/{SSN}/down")
        assert not client.sc_reachable(SSN) and client.sc_reachable(TARGET)
        with pytest.raises(errors.ScUnavailable, match="not reachable"):
            client.get_volume(volume.instance_id)
        emu.admin._call("POST", f"storage_centers/{SSN}/up")
        assert client.get_volume(volume.instance_id).name == "survivor"
        with pytest.raises(errors.ScNotFound):
            client.get_volume(f"{SSN}.99999")


def test_replication_lookup_and_mapping_by_initiator(make_emulator: EmulatorFactory) -> None:
    iqn = "iqn.2024-01.com.example:dr-host"
    with make_emulator(ssns=(SSN, TARGET)) as emu, emu.client(ssn=SSN) as client:
        host = client.create_server("dr-host")
        client.add_hba(host.instance_id, "Iscsi", iqn)
        volume = client.create_volume("mapped", 1)
        client.map_volume(volume.instance_id, host.instance_id)
        node = client.ensure_replication_qos_node("q", SSN)
        replication = client.create_replication(
            volume.instance_id, TARGET, node.instance_id, destination_name="copy", notes="mark"
        )
        found = client.replication_to(volume.instance_id, TARGET)
        assert found is not None and found.instance_id == replication.instance_id
        assert client.replication_to(volume.instance_id, 11111) is None
        assert replication.destination_volume is not None
        copy = replication.destination_volume.instance_id
        assert client.get_volume(copy).notes == "mark"
        # the replication link to the other SC is not a host
        assert client.volume_initiators(volume.instance_id) == [iqn]
        assert client.volume_initiators(copy) == []
        with emu.client(ssn=TARGET) as remote:
            twin = remote.create_server("dr-host-twin")
            remote.add_hba(twin.instance_id, "Iscsi", iqn)
        assert client.map_to_initiators(copy, [iqn, "iqn.2024-01.com.example:none"]) == [
            twin.instance_id
        ]
        assert client.volume_initiators(copy) == [iqn]
