"""Front-end ports and the connection facts of a mapping (§4.8, §6.9 initialize_connection).

`connection(volume_id, server_id)` rebuilds what the Cinder driver hands to a host: for iSCSI
one (target IQN, portal, LUN) per path, the active controller's first path that is up going
first; for FC the target WWNs and the initiator -> targets map, all lower case. Unlike the
driver, IPv6 portals are written `[addr]:port`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from .config import ScConfig
from .models import (
    ScConfiguration,
    ScControllerPort,
    ScControllerPortIscsiConfiguration,
    ScIscsiFaultDomain,
    ScMapping,
)
from .servers import ServersMixin
from .units import ssn_of
from .validation import check_id
from .volumes import VolumesMixin

F = TypeVar("F")


@dataclass
class Connection:
    """What a host needs to reach a mapped volume."""

    lun: int | None = None
    iscsi_target_iqns: list[str] = field(default_factory=list)
    iscsi_target_portals: list[str] = field(default_factory=list)
    iscsi_target_luns: list[int] = field(default_factory=list)
    fc_target_wwns: list[str] = field(default_factory=list)
    fc_initiator_target_map: dict[str, list[str]] = field(default_factory=dict)


def portal(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


class PortsMixin(VolumesMixin, ServersMixin):
    """Port lookups. With the client's cache on, port facts (a port, its fault domains and
    iSCSI address, the SC's iSCSI mode) are hardware configuration, read once per client."""

    def __init__(self, config: ScConfig, *, cache: bool = False) -> None:
        super().__init__(config, cache=cache)
        self._facts: dict[str, Any] | None = {} if cache else None
        self._facts_lock = threading.Lock()

    def _fact(self, path: str, load: Callable[[str], F]) -> F:
        if self._facts is None:
            return load(path)
        with self._facts_lock:
            if path in self._facts:
                return cast(F, self._facts[path])
        value = load(path)
        with self._facts_lock:
            self._facts[path] = value
        return value

    def controller_port(self, instance_id: str) -> ScControllerPort:
        check_id(instance_id, "controller port id")
        path = f"StorageCenter/ScControllerPort/{instance_id}"
        return self._fact(path, lambda p: self._get(ScControllerPort, p))

    def port_fault_domains(self, instance_id: str) -> list[ScIscsiFaultDomain]:
        check_id(instance_id, "controller port id")
        path = f"StorageCenter/ScControllerPort/{instance_id}/FaultDomainList"
        return self._fact(path, lambda p: self._get_list(ScIscsiFaultDomain, p))

    def port_iscsi_configuration(self, instance_id: str) -> ScControllerPortIscsiConfiguration:
        check_id(instance_id, "controller port id")
        path = f"StorageCenter/ScControllerPortIscsiConfiguration/{instance_id}"
        return self._fact(path, lambda p: self._get(ScControllerPortIscsiConfiguration, p))

    def sc_configuration(self, ssn: int | None = None) -> ScConfiguration:
        serial = self.ssn if ssn is None else ssn
        path = f"StorageCenter/ScConfiguration/{int(serial)}"
        return self._fact(path, lambda p: self._get(ScConfiguration, p))

    def connection(
        self, volume_id: str, server_id: str, profile_id: str | None = None
    ) -> Connection:
        """Target facts of the mapping of a volume to a server (empty when there is none).

        With the mapping profile's id, the paths of that profile count too whatever server
        they name: a cluster's mapping reaches the volume through its members' HBAs."""
        rows = [
            m
            for m in self.volume_mappings(volume_id)
            if (m.server is not None and m.server.instance_id == server_id)
            or (profile_id and m.profile is not None and m.profile.instance_id == profile_id)
        ]
        out = Connection(lun=next((m.lun for m in rows if m.lun is not None), None))
        if not rows:
            return out
        ports: dict[str, ScControllerPort] = {}

        def port_of(row: ScMapping) -> ScControllerPort | None:
            if row.controller_port is None:
                return None
            pid = row.controller_port.instance_id
            if pid not in ports:
                ports[pid] = self.controller_port(pid)
            return ports[pid]

        self._iscsi_targets(volume_id, rows, port_of, out)
        fc_rows = [r for r in rows if (port := port_of(r)) is not None and port.wwn]
        hosts = sorted({r.server.instance_id for r in fc_rows if r.server is not None})
        fc_initiators = {
            h.instance_name.lower()
            for host in hosts
            for h in self.server_hbas(host)
            if h.port_type == "FibreChannel"
        }
        for row in fc_rows:
            hba = row.server_hba.instance_name.lower() if row.server_hba else ""
            port = port_of(row)
            if hba not in fc_initiators or port is None:
                continue
            wwn = port.wwn.lower()
            if wwn not in out.fc_target_wwns:
                out.fc_target_wwns.append(wwn)
            targets = out.fc_initiator_target_map.setdefault(hba, [])
            if wwn not in targets:
                targets.append(wwn)
        return out

    def _iscsi_targets(
        self,
        volume_id: str,
        rows: list[ScMapping],
        port_of: Callable[[ScMapping], ScControllerPort | None],
        out: Connection,
    ) -> None:
        active = self.get_volume_configuration(volume_id).controller
        active_id = active.instance_id if active else None
        virtual = self.sc_configuration(ssn_of(volume_id)).iscsi_transport_mode != "Legacy"
        paths: list[tuple[str, str, int, bool]] = []
        for row in rows:
            port = port_of(row)
            if port is None or not port.iscsi_name:
                continue
            if virtual:
                portals = [
                    portal(d.address, d.port_number)
                    for d in self.port_fault_domains(port.instance_id)
                    if d.address
                ]
            else:
                config = self.port_iscsi_configuration(port.instance_id)
                portals = [portal(config.ip_address, config.port_number)]
            on_active = row.controller is not None and row.controller.instance_id == active_id
            preferred = on_active and row.status.casefold() == "up"
            for address in portals:
                if all((port.iscsi_name, address) != (p[0], p[1]) for p in paths):
                    paths.append((port.iscsi_name, address, row.lun or 0, preferred))
        first = next((i for i, p in enumerate(paths) if p[3]), 0)
        if paths:
            paths.insert(0, paths.pop(first))
        out.iscsi_target_iqns = [p[0] for p in paths]
        out.iscsi_target_portals = [p[1] for p in paths]
        out.iscsi_target_luns = [p[2] for p in paths]
