"""Connection facts of a mapping (initialize_connection), in both iSCSI port modes and FC."""

from __future__ import annotations

from typing import Any

from dellsc.sc import ScClient

from .conftest import SSN, Emulator, EmulatorFactory, Unique


def _raw(client: ScClient, path: str) -> Any:
    return client.session.request("GET", path, read=True).data


def _mapped(client: ScClient, name: str, port_type: str, initiator: str) -> tuple[str, str]:
    server = client.create_server(name)
    client.add_hba(server.instance_id, port_type, initiator)
    volume = client.create_volume(name, 1)
    client.map_volume(volume.instance_id, server.instance_id, lun=3)
    return volume.instance_id, server.instance_id


def _rows(client: ScClient, volume_id: str) -> list[Any]:
    return list(_raw(client, f"StorageCenter/ScVolume/{volume_id}/MappingList"))


def test_virtual_port_portals_come_from_fault_domains(client: ScClient, unique: Unique) -> None:
    volume_id, server_id = _mapped(
        client, unique("vp"), "Iscsi", f"iqn.2001-04.com.example:{unique('i')}"
    )
    facts = client.connection(volume_id, server_id)
    expected = set()
    for row in _rows(client, volume_id):
        port_id = row["controllerPort"]["instanceId"]
        iqn = _raw(client, f"StorageCenter/ScControllerPort/{port_id}")["iscsiName"]
        for domain in _raw(client, f"StorageCenter/ScControllerPort/{port_id}/FaultDomainList"):
            expected.add((iqn, f"{domain['targetIpv4Address']}:{domain['portNumber']}"))
    assert set(zip(facts.iscsi_target_iqns, facts.iscsi_target_portals, strict=True)) == expected
    assert len(facts.iscsi_target_portals) == len(expected), "no duplicate paths"
    assert facts.lun == 3 and set(facts.iscsi_target_luns) == {3}
    assert facts.fc_target_wwns == [] and facts.fc_initiator_target_map == {}
    assert client.connection(volume_id, f"{SSN}.999999").lun is None


def test_legacy_port_mode_uses_port_addresses(make_emulator: EmulatorFactory) -> None:
    with make_emulator(iscsi_mode="Legacy") as emu, emu.client(ssn=SSN) as client:
        volume_id, server_id = _mapped(client, "legacy", "Iscsi", "iqn.2001-04.com.example:lg")
        facts = client.connection(volume_id, server_id)
        expected = set()
        for row in _rows(client, volume_id):
            port_id = row["controllerPort"]["instanceId"]
            iqn = _raw(client, f"StorageCenter/ScControllerPort/{port_id}")["iscsiName"]
            config = _raw(client, f"StorageCenter/ScControllerPortIscsiConfiguration/{port_id}")
            expected.add((iqn, f"{config['ipAddress']}:{config['portNumber']}"))
        assert expected
        assert (
            set(zip(facts.iscsi_target_iqns, facts.iscsi_target_portals, strict=True)) == expected
        )


def test_fibre_channel_targets_and_initiator_map(client: ScClient, unique: Unique) -> None:
    wwpn = f"2100{abs(hash(unique('w'))) % 16**12:012x}"
    volume_id, server_id = _mapped(client, unique("fc"), "FibreChannel", wwpn.upper())
    facts = client.connection(volume_id, server_id)
    targets = {
        _raw(client, f"StorageCenter/ScControllerPort/{r['controllerPort']['instanceId']}")[
            "WWN"
        ].lower()
        for r in _rows(client, volume_id)
    }
    assert targets and set(facts.fc_target_wwns) == targets
    assert facts.fc_initiator_target_map.keys() == {wwpn}
    assert set(facts.fc_initiator_target_map[wwpn]) == targets
    assert facts.iscsi_target_iqns == [] and facts.lun == 3


def test_port_facts_are_read_once_per_cached_client(emulator: Emulator, unique: Unique) -> None:
    with emulator.client(ssn=SSN, cache=True) as client:
        volume_id, server_id = _mapped(
            client, unique("cached"), "Iscsi", f"iqn.2001-04.com.example:{unique('c')}"
        )
        route = "GET StorageCenter/ScControllerPort/{id}/FaultDomainList"

        def counts() -> tuple[int, int]:
            stats = emulator.admin.stats()
            return stats["requests"], stats["by_route"].get(route, 0)

        start = counts()
        first = client.connection(volume_id, server_id)
        middle = counts()
        assert client.connection(volume_id, server_id) == first
        end = counts()
        assert middle[1] > start[1] and end[1] == middle[1], "fault domains read once"
        assert end[0] - middle[0] <= 3, "then: mapping rows, configuration, HBAs"
