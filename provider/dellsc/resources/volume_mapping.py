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

A mapping profile has no Notes, so its owner is recorded on its volume before it is made
(`[dellsc:maps <server id>=<owner>]`, see `dellsc.resources.marks`): a create adopts an
existing mapping of the pair only when it is this configuration's, and refuses one that another
configuration or someone outside Terraform made; a destroy never unmaps a mapping recorded as
another configuration's.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources import ledger
from dellsc.resources.adopt import (
    Sorted,
    keyed,
    plan_create,
    plan_hold,
    plan_lookup,
    refuse,
    skipped,
    take,
    warn_imported,
)
from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.resources.disaster_recovery import stand_in
from dellsc.resources.marks import Notes
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.state_owner import describe
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScMappingProfile

_ID = re.compile(r"\d+\.\d+")


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def pair_key(values: Values) -> tuple[str, ...]:
    return ("dellsc_volume_mapping", str(values.get("volume_id")), str(values.get("server_id")))


def described(values: Values) -> str:
    return f"the mapping of volume {values.get('volume_id')} to server {values.get('server_id')}"


def sort_mapping(
    client: ScClient, volume_id: str, server_id: str, owner: str, *, fresh: bool
) -> Sorted[ScMappingProfile]:
    """The mapping profile of the pair (if any), by whose it is (the volume's record)."""
    profile = client.find_mapping_profile(volume_id, server_id)
    if profile is None or profile.instance_id in skipped():
        return Sorted([], [], [], [])
    volume = client.fresh_volume(volume_id) if fresh else client.get_volume(volume_id)
    recorded = Notes.parse(volume.notes).maps().get(server_id)
    if recorded == owner:
        return Sorted([profile], [], [], [])
    if recorded is not None:
        return Sorted([], [(profile, recorded)], [], [])
    return Sorted([], [], [], [profile])


class VolumeMappingResource(Resource):
    type_name = "dellsc_volume_mapping"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        self.check_single_owner(change.prior, change.diags)
        if self.provider.catalog is None:
            return
        prior, planned, diags = change.prior, change.planned, change.diags
        if prior is not None:
            keys = [pair_key(prior), pair_key(planned)]
            plan_hold(self.provider, "mapping", described(prior), keys, prior["id"], diags,
                      AttrPath("server_id"))  # fmt: skip
            if not change.requires_replace:
                return
        client = self.provider.client()
        for attribute in ("volume_id", "server_id"):
            value = planned[attribute]
            if _known(value):
                self._check_target(client, attribute, value, diags)
        lun: Any = change.config.get("lun")
        volume_id, server_id = planned["volume_id"], planned["server_id"]
        if diags.has_errors or not (_known(volume_id) and _known(server_id)):
            return
        found = plan_lookup("mapping", described(planned), lambda: sort_mapping(
            client, volume_id, server_id, self.provider.owner, fresh=False,
        ), diags, AttrPath("server_id"))  # fmt: skip
        if found and found.unmarked and found.unmarked[0].instance_id != change.replaces:
            self._mapped_outside(found.unmarked[0], planned, diags)
            return
        plan_create(
            self.provider, "mapping", described(planned), pair_key(planned), found,
            lambda p: p.instance_id, change.replaces, diags, AttrPath("server_id"),
            f"{volume_id}/{server_id}",
        )  # fmt: skip
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

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if isinstance(prior.get("id"), str):
            plan_hold(self.provider, "mapping", described(prior), [pair_key(prior)],
                      prior["id"], diags, AttrPath("id"), destroy=True)  # fmt: skip

    @staticmethod
    def _mapped_outside(profile: ScMappingProfile, values: Values, diags: Diagnostics) -> None:
        diags.error(
            "Volume Already Mapped",
            f"Volume {values['volume_id']} is already mapped to server {values['server_id']} "
            f"(mapping profile {profile.instance_id}), and not by this configuration. A volume "
            "has one mapping per server: import it (terraform import <address> "
            f"{values['volume_id']}/{values['server_id']}) instead of declaring a second one.",
            AttrPath("server_id"),
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
        return keyed("mapping", described(planned), pair_key(planned), diags,
                     lambda: self._create(planned, diags))  # fmt: skip

    def _create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        lun = int(planned["lun"]) if _known(planned["lun"]) else None
        volume_id, server_id = planned["volume_id"], planned["server_id"]
        owner = self.provider.owner
        found = sort_mapping(client, volume_id, server_id, owner, fresh=True)
        if found.theirs:
            other, by = found.theirs[0]
            refuse("mapping", described(planned), other.instance_id, by, owner, diags,
                   import_id=f"{volume_id}/{server_id}")  # fmt: skip
            return None
        if found.unmarked:
            self._mapped_outside(found.unmarked[0], planned, diags)
            return None
        if found.ours:
            diags.warning(
                "Adopted An Unfinished Mapping",
                f"{described(planned)[0].upper()}{described(planned)[1:]} "
                f"({found.ours[0].instance_id}) was made by an earlier create of this "
                "configuration that did not finish; it is adopted.",
            )
        else:  # recorded on the volume before it is made, so it is never a stranger's
            ledger.rewrite(client, volume_id, lambda n: n.with_maps({**n.maps(), server_id: owner}))
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
            if left is None:
                _forget(client, volume_id, server_id)
                return None
            return self._state(client, left, planned)
        except errors.ScError as exc:
            if not found.ours and not errors.outcome_unknown(exc):  # certainly not mapped
                _forget(client, volume_id, server_id)
            raise
        take(profile.instance_id)
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
        volume_id, server_id, owner = state["volume_id"], state["server_id"], self.provider.owner
        try:
            recorded = Notes.parse(client.fresh_volume(volume_id).notes).maps().get(server_id)
            if recorded is not None and recorded != owner:
                diags.warning(
                    "Mapping Left In Place",
                    f"{described(state)[0].upper()}{described(state)[1:]} belongs to another "
                    f"Terraform configuration or workspace ({describe(recorded)}; this one is "
                    f"{describe(owner)}): it is removed from this state only, and the host "
                    "keeps the volume.",
                )
                return
            client.unmap_volume(volume_id, server_id)
            left = client.find_mapping_profile(volume_id, server_id)
            if left is None and recorded is not None:
                _forget(client, volume_id, server_id)
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
        volume_id, server_id = profile.volume.instance_id, profile.server.instance_id
        recorded = Notes.parse(client.get_volume(volume_id).notes).maps().get(server_id)
        warn_imported(described({"volume_id": volume_id, "server_id": server_id}),
                      profile.instance_id, recorded, self.provider.owner, diags,
                      "destroying it here leaves it mapped")  # fmt: skip
        return {"id": profile.instance_id, "volume_id": volume_id, "server_id": server_id}

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


def _forget(client: ScClient, volume_id: str, server_id: str) -> None:
    """Drop the volume's record of its mapping to the server."""
    ledger.rewrite(
        client,
        volume_id,
        lambda n: n.with_maps({s: o for s, o in n.maps().items() if s != server_id}),
    )
