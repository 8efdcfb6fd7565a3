"""`dellsc_volume_mapping`: a volume exported to a server, with its connection facts.

Plays the Cinder driver's create/ensure/remove_export + initialize_connection (§6.9): map
through `MapToServer` (reusing an existing mapping profile of that server, so a create whose
reply was lost is adopted on the next apply), report targets as the driver does, notice on
refresh a mapping removed outside Terraform (Read drops it, the next apply maps again), and
unmap only this server's mapping profile on destroy. A mapping keeps its last known state, with
a warning, while its Storage Center is down, and while its volume is failed over or failing
back (the failover unmapped it; the copy serves the hosts until the failback maps the volume
again): it is never mapped again meanwhile, which would let a host write to a replication
target.

A configured `lun` is asked for without a fallback, and the LUN the array used is read back
from its mapping list: a mapping the array made at another LUN is removed again and the
create fails saying so (the next plan's LUN check then names the volume holding it), so a
taken LUN never turns into a replacement on every apply.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.resources.disaster_recovery import stand_in
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScMappingProfile

_ID = re.compile(r"\d+\.\d+")


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


class VolumeMappingResource(Resource):
    type_name = "dellsc_volume_mapping"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        if self.provider.catalog is None or (change.prior and not change.requires_replace):
            return
        client = self.provider.client()
        planned, diags = change.planned, change.diags
        for attribute in ("volume_id", "server_id"):
            value = planned[attribute]
            if _known(value):
                self._check_target(client, attribute, value, diags)
        lun: Any = change.config.get("lun")
        volume_id, server_id = planned["volume_id"], planned["server_id"]
        if diags.has_errors or not (_known(volume_id) and _known(server_id)):
            return
        # a cluster shares its LUNs and volumes with its members (and they with it)
        for profile in client.profiles_presented_with(client.get_server(server_id)):
            if profile.volume and profile.volume.instance_id == volume_id:
                via = profile.server.instance_id if profile.server else server_id
                if via != server_id:
                    diags.error(
                        "Volume Already Presented Through A Cluster",
                        f"Volume {volume_id} is already mapped to server {via}, which is "
                        f"server {server_id}'s cluster or one of its members: the array "
                        "presents a volume once per host. Keep one of the two mappings.",
                        AttrPath("server_id"),
                    )
                continue
            if _known(lun) and int(lun) in profile.lun_used:
                other = profile.volume.instance_name if profile.volume else "another volume"
                diags.error(
                    "LUN Already In Use",
                    f"Server {server_id} already sees volume {other!r} at LUN {lun} (its own "
                    "mapping, or its cluster's or members'). "
                    "Choose a free LUN or leave lun unset to let the array choose.",
                    AttrPath("lun"),
                )

    @staticmethod
    def _check_target(client: ScClient, attribute: str, value: str, diags: Diagnostics) -> None:
        kind = "Volume" if attribute == "volume_id" else "Server"
        ssn = int(value.split(".")[0])
        if ssn != client.ssn:
            diags.error(
                f"{kind} On Another Storage Center",
                f"{attribute} {value} belongs to Storage Center {ssn}, but this provider "
                f"manages Storage Center {client.ssn}; a volume can only be mapped to a "
                "server of its own Storage Center. Use a provider configured with that ssn.",
                AttrPath(attribute),
            )
            return
        try:
            if attribute == "volume_id":
                client.get_volume(value)
            else:
                client.get_server(value)
        except errors.ScNotFound:
            diags.error(
                f"{kind} Not Found",
                f"{attribute} {value} does not exist on Storage Center {ssn}.",
                AttrPath(attribute),
            )

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        lun = int(planned["lun"]) if _known(planned["lun"]) else None
        volume_id, server_id = planned["volume_id"], planned["server_id"]
        try:
            profile = client.map_volume(volume_id, server_id, lun)
        except errors.ScNotApplied as exc:
            diags.error(
                "Mapping Made At Another LUN",
                f"{exc.message[0].upper()}{exc.message[1:]}. Choose a free LUN, or leave lun "
                "unset to let the array choose.",
                AttrPath("lun"),
            )
            left = client.find_mapping_profile(volume_id, server_id)
            return None if left is None else self._state(client, left, planned)
        state = self._state(client, profile, planned)
        if lun is not None and state["lun"] != lun:
            diags.error(
                "Existing Mapping Has Another LUN",
                f"Volume {planned['volume_id']} was already mapped to server "
                f"{planned['server_id']} at LUN {state['lun']}, not {lun}. It is kept in "
                "state as tainted; the next apply maps it again at the configured LUN.",
            )
        return state

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume_id = state["volume_id"]
        try:
            profile = client.find_mapping_profile(volume_id, state["server_id"])
            if profile is not None:
                return self._state(client, profile, state)
            why = stand_in(client, volume_id)
        except errors.ScNotFound:  # the volume is gone, and its mappings with it
            return None
        if why is None:
            return None  # unmapped outside Terraform: the next apply maps it again
        diags.warning(
            "Volume Failed Over",
            f"Volume {volume_id} is failed over: {why}, and the volume itself is unmapped. "
            f"The mapping to server {state['server_id']} stays in the state as it was; the "
            "failback maps the volume again.",
        )
        return state

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        raise AssertionError("every argument of dellsc_volume_mapping forces a replacement")

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        try:
            client.unmap_volume(state["volume_id"], state["server_id"])
            left = client.find_mapping_profile(state["volume_id"], state["server_id"])
        except errors.ScNotFound:
            return
        if left is not None:
            diags.error(
                "Mapping Not Removed",
                f"Volume {state['volume_id']} is still mapped to server {state['server_id']} "
                "after the unmap was accepted.",
            )

    # -- import --------------------------------------------------------------------------

    def import_id(self, identity: Values) -> str:
        return f"{identity.get('volume_id') or ''}/{identity.get('server_id') or ''}"

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume_id, _, server_id = import_id.partition("/")
        profile: ScMappingProfile | None = None
        try:
            if _ID.fullmatch(volume_id) and _ID.fullmatch(server_id):
                profile = client.find_mapping_profile(volume_id, server_id)
            elif _ID.fullmatch(import_id):
                profile = client.get_mapping_profile(import_id)
            else:
                diags.error(
                    "Invalid Import ID",
                    f"{import_id!r} is neither <volume_id>/<server_id> (such as "
                    "64702.101/64702.47) nor a mapping profile instance ID.",
                )
                return None
        except errors.ScNotFound:
            profile = None
        if profile is None or profile.volume is None or profile.server is None:
            diags.error(
                "Mapping Not Found",
                f"No mapping matches {import_id!r} on Storage Center {client.ssn}.",
            )
            return None
        return {
            "id": profile.instance_id,
            "volume_id": profile.volume.instance_id,
            "server_id": profile.server.instance_id,
        }

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _state(client: ScClient, profile: ScMappingProfile, prior: Values) -> Values:
        volume_id = profile.volume.instance_id if profile.volume else prior["volume_id"]
        server_id = profile.server.instance_id if profile.server else prior["server_id"]
        facts = client.connection(volume_id, server_id, profile.instance_id)
        # the LUN the paths use, as the mapping list shows it; the profile's own field else
        lun = facts.lun if facts.lun is not None else next(iter(profile.lun_used), None)
        transport = (["Iscsi"] if facts.iscsi_target_iqns else []) + (
            ["FibreChannel"] if facts.fc_target_wwns else []
        )
        return {
            "id": profile.instance_id,
            "volume_id": volume_id,
            "server_id": server_id,
            "lun": Decimal(lun) if lun is not None else None,
            "transport": sorted(transport),
            "iscsi_target_iqns": facts.iscsi_target_iqns,
            "iscsi_target_portals": facts.iscsi_target_portals,
            "fc_target_wwns": facts.fc_target_wwns,
            "fc_initiator_target_map": facts.fc_initiator_target_map,
        }
