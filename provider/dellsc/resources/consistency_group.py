"""`dellsc_consistency_group`: a snapshot profile of type Consistent and its member volumes.

The Cinder driver's create/update/delete_consistencygroup (DSM REST reference §6.10): the
group is a replay profile of type Consistent; a volume is a member when that profile is in its
snapshot-profile list. Only this resource sets membership; `dellsc_volume` shows and changes
Standard profiles only, so the two never fight over a volume's profile list.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dellsc.resources.adopt import find_again, report_unknown
from dellsc.resources.base import PlanChange, Resource, Values, import_name
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplayProfile

CONSISTENT = "Consistent"
_ID = re.compile(r"(\d+)\.\d+")  # volumes and snapshot profiles: <ssn>.<index>
# Marks the profiles this resource creates, so that a create whose reply was lost is adopted by
# the next apply instead of made twice, and a stranger's profile is never taken over.
GROUP_NOTES = "Consistency group created by terraform-provider-dellsc"


def is_ours(profile: ScReplayProfile) -> bool:
    return profile.type == CONSISTENT and profile.notes == GROUP_NOTES


class ConsistencyGroupResource(Resource):
    type_name = "dellsc_consistency_group"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        planned, diags = change.planned, change.diags
        self._claim_members(change)
        if self.provider.catalog is None:  # provider arguments unknown yet: checked at apply
            return
        volume_ids = planned.get("volume_ids")
        if change.prior is None or change.changed("volume_ids"):
            if volume_ids is not None and not is_unknown(volume_ids):
                prior_ids = set(change.prior["volume_ids"]) if change.prior else set()
                new = [v for v in volume_ids if not is_unknown(v) and v not in prior_ids]
                own_id = change.prior["id"] if change.prior else None
                self._check_members(new, diags, own_id)
        name = planned.get("name")
        if change.prior is None and isinstance(name, str):
            self._adoptable(name, diags)

    def _claim_members(self, change: PlanChange) -> None:
        """A volume may be in one group of this configuration only."""
        name, volume_ids = change.planned.get("name"), change.planned.get("volume_ids")
        if not isinstance(name, str) or volume_ids is None or is_unknown(volume_ids):
            return
        for volume_id in sorted(v for v in volume_ids if not is_unknown(v)):
            other = self.provider.claim("group member", volume_id, name)
            if other is not None:
                change.diags.error(
                    "Volume In Two Consistency Groups",
                    f"Volume {volume_id} is also a member of the dellsc_consistency_group "
                    f"named {other!r} in this configuration. A volume belongs to one "
                    "consistency group at most (as a Cinder volume belongs to one group): "
                    "keep it in one of them.",
                    AttrPath("volume_ids"),
                )

    def _check_members(
        self, volume_ids: list[str], diags: Diagnostics, own_id: str | None = None
    ) -> bool:
        """Every volume must exist on the provider's Storage Center and belong to no other
        consistency group; reads only."""
        client = self.provider.client()
        ok = True
        for volume_id in sorted(volume_ids):
            match = _ID.fullmatch(volume_id)
            ssn = int(match.group(1)) if match else None
            if ssn is None:
                diags.error(
                    "Invalid Volume ID",
                    f"{volume_id!r} is not a volume instance ID such as {client.ssn}.101.",
                    AttrPath("volume_ids"),
                )
                ok = False
            elif ssn != client.ssn:
                diags.error(
                    "Volume On Another Storage Center",
                    f"Volume {volume_id} is on Storage Center {ssn}, but this provider "
                    f"manages Storage Center {client.ssn}. A consistency group can only hold "
                    "volumes of its own Storage Center. Nothing was changed on the array.",
                    AttrPath("volume_ids"),
                )
                ok = False
            else:
                try:
                    client.get_volume(volume_id)
                except errors.ScNotFound:
                    diags.error(
                        "Volume Not Found",
                        f"Storage Center {client.ssn} has no volume {volume_id}.",
                        AttrPath("volume_ids"),
                    )
                    ok = False
                    continue
                for group in self._groups_of(client, volume_id, own_id):
                    diags.error(
                        "Volume In Another Consistency Group",
                        f"Volume {volume_id} is a member of consistency group {group.name!r} "
                        f"({group.instance_id}) on Storage Center {client.ssn}. A volume "
                        "belongs to one consistency group at most: remove it there first, "
                        "or import that group to manage it here. Nothing was changed.",
                        AttrPath("volume_ids"),
                    )
                    ok = False
        return ok

    def _groups_of(
        self, client: ScClient, volume_id: str, own_id: str | None
    ) -> list[ScReplayProfile]:
        """The Consistent snapshot profiles, other than `own_id`, the volume belongs to."""
        catalog = self.provider.catalog
        standard = (
            {p.instance_id for p in catalog.profiles("replay_profiles")} if catalog else set()
        )
        configuration = client.get_volume_configuration(volume_id)
        found = []
        for ref in configuration.replay_profile_list:
            if ref.instance_id in standard or ref.instance_id == own_id:
                continue
            try:
                profile = client.get_replay_profile(ref.instance_id)
            except errors.ScNotFound:
                continue
            if profile.type == CONSISTENT:
                found.append(profile)
        return found

    def _adoptable(self, name: str, diags: Diagnostics) -> ScReplayProfile | None:
        """The profile an earlier, failed create of this group left behind (if any); an error
        on `name` when another snapshot profile already has that name."""
        client = self.provider.client()
        found = client.find_replay_profiles(name)
        strangers = [p for p in found if not is_ours(p)]
        if strangers or len(found) > 1:
            ids = ", ".join(f"{p.instance_id} ({p.type})" for p in found)
            diags.error(
                "Snapshot Profile Name Taken",
                f"Storage Center {client.ssn} already has a snapshot profile named {name!r}: "
                f"{ids}. Choose another name, or import an existing consistency group with "
                f"`terraform import <address> name:{name}`.",
                AttrPath("name"),
            )
            return None
        return found[0] if found else None

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume_ids = sorted(planned["volume_ids"])
        profile = self._adoptable(planned["name"], diags)
        if diags.has_errors:
            return None
        if not self._check_members(volume_ids, diags, profile.instance_id if profile else None):
            return None
        if profile is None:
            profile = self._make(client, planned["name"], diags)
            if profile is None:
                return None
        group_id = profile.instance_id
        try:
            self._set_members(client, group_id, volume_ids)
        except errors.ScError as exc:
            return self._undo_create(client, group_id, exc, planned, diags)
        return self._state(client, group_id, planned)

    @staticmethod
    def _make(client: ScClient, name: str, diags: Diagnostics) -> ScReplayProfile | None:
        """Create the group's profile; after a failure whose outcome is unknown, the profile
        the array made anyway (None, with an error, if it cannot be found)."""
        try:
            return client.create_consistency_group(name, notes=GROUP_NOTES)
        except errors.ScError as exc:
            if not errors.outcome_unknown(exc):
                raise
            cause = exc
        profile, lookup_error = find_again(
            lambda: [p for p in client.find_replay_profiles(name) if is_ours(p)]
        )
        if profile is None:
            report_unknown(
                "consistency group", name, cause, lookup_error,
                "a Consistent snapshot profile with this name and this provider's notes", diags,
            )  # fmt: skip
        return profile

    def _undo_create(
        self,
        client: ScClient,
        group_id: str,
        cause: errors.ScError,
        planned: Values,
        diags: Diagnostics,
    ) -> Values | None:
        """Remove a group whose members could not all be added: a create is all or nothing."""
        try:
            client.delete_replay_profile(group_id)
        except errors.ScNotFound:
            pass
        except errors.ScError as exc:
            diags.error(
                "Consistency Group Half Made",
                f"Adding the members of group {group_id} failed ({cause}) and removing the "
                f"group again failed too ({exc}). It is saved as tainted, so the next apply "
                "deletes and recreates it.",
            )
            return self._state(client, group_id, planned)
        diags.error(
            "Consistency Group Not Created",
            f"Adding the member volumes failed: {cause}. The group's snapshot profile was "
            "removed again, so nothing is left on the array.",
        )
        return None

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        try:
            return self._state(client, state["id"], state)
        except errors.ScNotFound:
            return None

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        group_id = prior["id"]
        added = sorted(set(planned["volume_ids"]) - set(prior["volume_ids"]))
        if not self._check_members(added, diags, group_id):
            return prior
        try:
            self._set_members(client, group_id, planned["volume_ids"])
        except errors.ScError as exc:
            diags.error(
                "Consistency Group Partly Updated",
                f"Changing the members of group {group_id} failed: {exc}. The state records "
                "the members the group has now; the next apply finishes the change.",
            )
        return self._state(client, group_id, planned)

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if prior.get("deletion_policy") == "UNMANAGE":
            members = len(prior.get("volume_ids") or [])
            diags.warning(
                f"Consistency Group Will Be Kept: {prior.get('name')!r}",
                f"Destroying this resource keeps the Consistent snapshot profile "
                f"{prior.get('name')!r} ({prior.get('id')}) on the array with its {members} "
                'member volume(s) (deletion_policy = "UNMANAGE"); Terraform only forgets it.',
                AttrPath("deletion_policy"),
            )

    def delete(self, state: Values, diags: Diagnostics) -> None:
        if state.get("deletion_policy") == "UNMANAGE":
            return
        client = self.provider.client()
        group_id = state["id"]
        try:
            client.delete_replay_profile(group_id)
        except errors.ScNotFound:
            pass
        try:  # trust no "gone" without reading it
            client.get_replay_profile(group_id)
        except errors.ScNotFound:
            return
        diags.error(
            "Consistency Group Not Deleted",
            f"The array accepted deleting snapshot profile {group_id} but still lists it.",
        )

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        if import_id.startswith("name:"):
            name = import_name(import_id, import_id.removeprefix("name:"), "name:orders-db", diags)
            if name is None:
                return None
            found = [p for p in client.find_replay_profiles(name) if p.type == CONSISTENT]
            if len(found) != 1:
                diags.error(
                    "Consistency Group Not Found" if not found else "Group Name Not Unique",
                    f"{len(found)} Consistent snapshot profiles are named {name!r} on Storage "
                    f"Center {client.ssn}"
                    + (f" ({', '.join(p.instance_id for p in found)})" if found else "")
                    + ". Import one by its instance ID.",
                )
                return None
            return {"id": found[0].instance_id}
        match = _ID.fullmatch(import_id)
        if match is None:
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is neither an instance ID such as {client.ssn}.11 nor a name "
                "reference such as name:orders-db.",
            )
            return None
        try:
            if int(match.group(1)) != client.ssn:
                raise errors.ScNotFound(404, f"{import_id} is on another Storage Center")
            profile = client.get_replay_profile(import_id)
        except errors.ScNotFound:
            diags.error(
                "Consistency Group Not Found",
                f"Storage Center {client.ssn} has no snapshot profile {import_id}.",
            )
            return None
        if profile.type != CONSISTENT:
            diags.error(
                "Not A Consistency Group",
                f"Snapshot profile {import_id} ({profile.name!r}) is of type {profile.type}, "
                "not Consistent.",
            )
            return None
        return {"id": profile.instance_id}

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _set_members(client: ScClient, group_id: str, volume_ids: list[str]) -> None:
        """Make the group's members exactly `volume_ids` (the seed's update_consistencygroup)."""
        wanted = set(volume_ids)
        current = {v.instance_id for v in client.replay_profile_volumes(group_id)}
        for volume_id in sorted(wanted - current):
            client.add_group_member(group_id, volume_id)
        for volume_id in sorted(current - wanted):
            client.remove_group_member(group_id, volume_id)

    @staticmethod
    def _state(client: ScClient, group_id: str, prior: Values) -> Values:
        """Terraform state of the group as the array has it; ScNotFound if it is not a group."""
        profile = client.get_replay_profile(group_id)
        if profile.type != CONSISTENT:
            raise errors.ScNotFound(404, f"snapshot profile {group_id} is not Consistent")
        members = client.replay_profile_volumes(group_id)
        return {
            "id": profile.instance_id,
            "name": profile.name,
            "volume_ids": sorted(v.instance_id for v in members),
            "deletion_policy": prior.get("deletion_policy") or "DELETE",
        }
