"""`dellsc_consistency_group`: a snapshot profile of type Consistent and its member volumes.

The Cinder driver's create/update/delete_consistencygroup (DSM REST reference §6.10): the
group is a replay profile of type Consistent; a volume is a member when that profile is in its
snapshot-profile list. Only this resource sets membership; `dellsc_volume` shows and changes
Standard profiles only, so the two never fight over a volume's profile list.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dellsc.resources.adopt import (
    Creation,
    create_once,
    plan_create,
    plan_hold,
    plan_lookup,
    remember,
    sort_found,
    warn_imported,
)
from dellsc.resources.base import PlanChange, Resource, Values, import_name
from dellsc.resources.marks import Notes, new_notes
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplayProfile

CONSISTENT = "Consistent"
_ID = re.compile(r"(\d+)\.\d+")  # volumes and snapshot profiles: <ssn>.<index>
# The text of the profiles this resource creates; the owner mark follows it (see
# `dellsc.resources.marks`), so that an interrupted create is adopted by the next apply of its
# own configuration, and another configuration's (or a stranger's) profile is never taken over.
GROUP_NOTES = "Consistency group created by terraform-provider-dellsc"


def group_key(ssn: int, name: str) -> tuple[str, ...]:
    return ("dellsc_consistency_group", str(ssn), name)


class ConsistencyGroupResource(Resource):
    type_name = "dellsc_consistency_group"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        planned, diags = change.planned, change.diags
        self.check_single_owner(change.prior, diags)
        self._claim_members(change)
        if self.provider.catalog is None:  # provider arguments unknown yet: checked at apply
            return
        volume_ids = planned.get("volume_ids")
        if change.prior is None or change.changed("volume_ids"):
            if volume_ids is not None and not is_unknown(volume_ids):
                prior_ids = set(change.prior["volume_ids"]) if change.prior else set()
                new = [v for v in volume_ids if not is_unknown(v) and v not in prior_ids]
                own_id = change.prior["id"] if change.prior else None
                # a create's same-named group is its own leftover (adopted) or refused below
                own_name = None if change.prior else planned.get("name")
                self._check_members(new, diags, own_id, own_name)
        name = planned.get("name")
        prior = change.prior
        what = f"consistency group {name!r}"
        if prior is not None:
            keys = [group_key(self.provider.client().ssn, prior["name"])]
            if isinstance(name, str):
                keys.append(group_key(self.provider.client().ssn, name))
            plan_hold(self.provider, "consistency group", what, keys, prior["id"], diags,
                      AttrPath("name"))  # fmt: skip
        elif isinstance(name, str):
            client = self.provider.client()
            key = group_key(client.ssn, name)
            objects = plan_lookup("consistency group", what,
                                  lambda: client.find_replay_profiles(name), diags,
                                  AttrPath("name"))  # fmt: skip
            found = None
            if objects is not None:
                remember(key, objects)
                found = sort_found(objects, self.provider.owner, _notes,
                                   lambda p: p.instance_id, {change.replaces or ""})  # fmt: skip
                if found.unmarked:
                    self._name_taken(name, found.unmarked, diags)
                    return
            plan_create(
                self.provider, "consistency group", what, group_key(client.ssn, name), found,
                lambda p: p.instance_id, change.replaces, diags, AttrPath("name"),
            )  # fmt: skip

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if isinstance(prior.get("id"), str) and self.provider.catalog is not None:
            key = group_key(self.provider.client().ssn, str(prior.get("name")))
            plan_hold(self.provider, "consistency group",
                      f"consistency group {prior.get('name')!r}", [key], prior["id"], diags,
                      AttrPath("id"), destroy=True)  # fmt: skip
        if prior.get("deletion_policy") == "UNMANAGE":
            members = len(prior.get("volume_ids") or [])
            diags.warning(
                f"Consistency Group Will Be Kept: {prior.get('name')!r}",
                f"Destroying this resource keeps the Consistent snapshot profile "
                f"{prior.get('name')!r} ({prior.get('id')}) on the array with its {members} "
                'member volume(s) (deletion_policy = "UNMANAGE"); Terraform only forgets it.',
                AttrPath("deletion_policy"),
            )

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
        self,
        volume_ids: list[str],
        diags: Diagnostics,
        own_id: str | None = None,
        own_name: str | None = None,
    ) -> bool:
        """Every volume must exist on the provider's Storage Center and belong to no other
        consistency group (a group named `own_name` is this one, left by an interrupted
        create, or refused by the create as taken); reads only."""
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
                    if group.name == own_name:
                        continue
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

    def _name_taken(self, name: str, taken: list[ScReplayProfile], diags: Diagnostics) -> None:
        ids = ", ".join(f"{p.instance_id} ({p.type})" for p in taken)
        diags.error(
            "Snapshot Profile Name Taken",
            f"Storage Center {self.provider.client().ssn} already has a snapshot profile named "
            f"{name!r}, made outside this configuration: {ids}. Choose another name, or import "
            f"an existing consistency group with `terraform import <address> name:{name}`.",
            AttrPath("name"),
        )

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume_ids = sorted(planned["volume_ids"])
        if not self._check_members(volume_ids, diags, own_name=planned["name"]):
            return None
        name, owner = planned["name"], self.provider.owner
        profile = create_once(
            Creation(
                kind="consistency group",
                what=f"consistency group {name!r}",
                key=group_key(client.ssn, name),
                owner=owner,
                notes=new_notes(GROUP_NOTES, owner),
                find=lambda: client.find_replay_profiles(name),
                create=lambda notes: client.create_consistency_group(name, notes=notes),
                notes_of=_notes,
                id_of=lambda p: p.instance_id,
                unique=True,
            ),
            diags,
        )
        if profile is None:
            return None
        if profile.type != CONSISTENT:
            diags.error(
                "Snapshot Profile Name Taken",
                f"Snapshot profile {profile.instance_id} named {name!r} is of type "
                f"{profile.type}, not a consistency group.",
                AttrPath("name"),
            )
            return None
        group_id = profile.instance_id
        try:
            self._set_members(client, group_id, volume_ids)
        except errors.ScError as exc:
            return self._undo_create(client, group_id, exc, planned, diags)
        return self._state(client, group_id, planned)

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
            self._warn_other_owner(found[0], diags)
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
        self._warn_other_owner(profile, diags)
        return {"id": profile.instance_id}

    def _warn_other_owner(self, profile: ScReplayProfile, diags: Diagnostics) -> None:
        warn_imported(f"consistency group {profile.name!r}", profile.instance_id,
                      Notes.parse(profile.notes).owner, self.provider.owner, diags,
                      "destroying either deletes it for both")  # fmt: skip

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


def _notes(profile: ScReplayProfile) -> str:
    """A profile's notes as far as ownership goes: only Consistent profiles can be ours."""
    return profile.notes if profile.type == CONSISTENT else ""
