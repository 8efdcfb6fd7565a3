"""`dellsc_server`: a physical server and its iSCSI / FC initiators, all changed in place.

The Cinder driver creates servers on attach (`POST ScPhysicalServer` + one `AddHba` per
initiator, §4.6); here the server is declared. Server names are unique on an SC, and a server
carries its owner's mark in its Notes (after the user's `notes`, see
`dellsc.resources.marks`): a create adopts a server of that name only when the mark is this
configuration's, and refuses one that another configuration made or one made outside Terraform.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

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
from dellsc.resources.volume import check_notes, folder_path
from dellsc.sc import errors
from dellsc.sc.notes import DEFAULT_NOTES
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScServer, ScServerHba

_ID = re.compile(r"\d+\.\d+")
# attribute -> the array's HbaPortType
PORT_TYPES = {"iscsi_initiators": "Iscsi", "fc_wwpns": "FibreChannel"}


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def wanted_notes(values: Values) -> str:
    """The text a create writes in the Notes: the configured one, else the provider's."""
    return str(values["notes"]) if _known(values.get("notes")) else DEFAULT_NOTES


def server_key(ssn: Any, name: Any) -> tuple[str, ...]:
    """Server names are unique on an SC, whatever their case."""
    return ("dellsc_server", str(ssn), str(name).casefold())


def initiators(values: Values, attribute: str) -> set[str]:
    """Known initiators of one kind, case-folded (the array keeps them lower case)."""
    value: Any = values.get(attribute)
    if not _known(value):
        return set()
    return {str(v).casefold() for v in value if not is_unknown(v)}


class ServerResource(Resource):
    type_name = "dellsc_server"

    # -- plan ----------------------------------------------------------------------------

    def validate(self, config: Values, diags: Diagnostics) -> None:
        check_notes(config, diags)

    def modify_plan(self, change: PlanChange) -> None:
        self.check_single_owner(change.prior, change.diags)
        self._claim_initiators(change)
        if self.provider.catalog is None:  # provider not configured yet: nothing to check
            return
        client = self.provider.client()
        prior, planned, diags = change.prior, change.planned, change.diags
        own_id = prior["id"] if prior else None
        os_name: Any = change.config.get("operating_system")
        if _known(os_name) and (prior is None or change.changed("operating_system")):
            if self._os_id(client, os_name) is None:
                choices = ", ".join(sorted(o.name for o in client.operating_systems()))
                diags.error(
                    "Unknown Operating System",
                    f"Storage Center {client.ssn} has no server operating system named "
                    f"{os_name!r}. Available: {choices}.",
                    AttrPath("operating_system"),
                )
        adoptable = None
        name = planned["name"]
        what = f"server {name!r}"
        if prior is not None:
            keys = [server_key(client.ssn, prior["name"])]
            if _known(name):
                keys.append(server_key(client.ssn, name))
            plan_hold(self.provider, "server", what, keys, prior["id"], diags, AttrPath("name"))
        objects = None
        if _known(name) and (prior is None or change.changed("name")):
            objects = plan_lookup("server", what, lambda: client.find_servers(name), diags,
                                  AttrPath("name"))  # fmt: skip
        if objects is not None:
            if prior is None:
                remember(server_key(client.ssn, name), objects)
            found = sort_found(
                objects, self.provider.owner, lambda s: s.notes,
                lambda s: s.instance_id, {own_id or "", change.replaces or ""},
            )  # fmt: skip
            taken: list[ScServer] = found.unmarked
            if prior is None:
                plan_create(
                    self.provider, "server", what, server_key(client.ssn, name), found,
                    lambda s: s.instance_id, change.replaces, diags, AttrPath("name"),
                )  # fmt: skip
                adoptable = found.ours[0] if found.ours else None
            else:  # a rename onto a name that is taken, whoever took it
                taken = taken + found.ours + found.legacy + [s for s, _ in found.theirs]
            if taken:
                diags.error(
                    "Server Name Already Taken",
                    f"Server {taken[0].instance_id} on Storage Center {client.ssn} is already "
                    f"named {taken[0].name!r}. Choose another name, or import that server "
                    f"(terraform import <address> {taken[0].instance_id}).",
                    AttrPath("name"),
                )
        elif prior is None and _known(name):  # not looked up: claimed all the same
            plan_create(
                self.provider, "server", what, server_key(client.ssn, name), None,
                lambda s: s.instance_id, change.replaces, diags, AttrPath("name"),
            )  # fmt: skip
        for attribute in PORT_TYPES:
            new = initiators(planned, attribute) - (
                initiators(prior, attribute) if prior else set()
            )
            for initiator in sorted(new):
                owner = client.find_server_by_initiator(initiator)
                if owner is None or owner.instance_id == own_id:
                    continue
                if adoptable is not None and owner.instance_id == adoptable.instance_id:
                    continue
                diags.error(
                    "Initiator Already In Use",
                    f"{initiator} belongs to server {owner.name!r} ({owner.instance_id}); an "
                    "initiator can belong to one server only. Remove it there first.",
                    AttrPath(attribute),
                )

    def _claim_initiators(self, change: PlanChange) -> None:
        """Two servers of this configuration may not list one initiator: the array gives it
        to the first and the second would never converge."""
        name = change.planned.get("name")
        if not _known(name):
            return
        for attribute in PORT_TYPES:
            for initiator in sorted(initiators(change.planned, attribute)):
                other = self.provider.claim("initiator", initiator, str(name).casefold())
                if other is not None:
                    change.diags.error(
                        "Initiator Listed By Two Servers",
                        f"{initiator} is also listed by the dellsc_server named {other!r} in "
                        "this configuration. An initiator belongs to one server only: keep "
                        "it in one of them.",
                        AttrPath(attribute),
                    )

    @staticmethod
    def _check_owners(
        client: ScClient,
        server_id: str | None,
        planned: Values,
        diags: Diagnostics,
        prior: Values | None = None,
        own_name: str | None = None,
    ) -> bool:
        """At apply, before anything changes: no initiator the server gains may belong to
        another server (one that was unknown at plan time, or taken since). A server named
        `own_name` is this one's, left by an interrupted create (or refused by the create as
        another's)."""
        for attribute in PORT_TYPES:
            had = initiators(prior, attribute) if prior else set()
            for initiator in sorted(initiators(planned, attribute) - had):
                owner = client.find_server_by_initiator(initiator)
                if owner is None or owner.instance_id == server_id or owner.name == own_name:
                    continue
                diags.error(
                    "Initiator Already In Use",
                    f"{initiator} belongs to server {owner.name!r} ({owner.instance_id}); "
                    "an initiator can belong to one server only. Nothing was changed on "
                    "the array. Remove it there first.",
                    AttrPath(attribute),
                )
        return not diags.has_errors

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if isinstance(prior.get("id"), str) and self.provider.catalog is not None:
            key = server_key(self.provider.client().ssn, prior.get("name"))
            plan_hold(self.provider, "server", f"server {prior.get('name')!r}", [key],
                      prior["id"], diags, AttrPath("id"), destroy=True)  # fmt: skip

    @staticmethod
    def _os_id(client: ScClient, name: str) -> str | None:
        for system in client.operating_systems():
            if system.name.casefold() == name.casefold():
                return system.instance_id
        return None

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        if not self._check_owners(client, None, planned, diags, own_name=planned["name"]):
            return None
        folder = folder_path(planned["folder"]) if _known(planned["folder"]) else ""
        folder_id = client.ensure_server_folder(folder).instance_id if folder else None
        os_name = planned["operating_system"] if _known(planned["operating_system"]) else None
        name, owner = planned["name"], self.provider.owner
        made: list[str] = []

        def make(notes: str) -> ScServer:
            server = client.create_server(name, os_name=os_name, folder_id=folder_id, notes=notes)
            made.append(server.instance_id)
            return server

        server = create_once(
            Creation(
                kind="server",
                what=f"server {name!r}",
                key=server_key(client.ssn, name),
                owner=owner,
                notes=new_notes(wanted_notes(planned), owner),
                find=lambda: client.find_servers(name),
                create=make,
                notes_of=lambda s: s.notes,
                id_of=lambda s: s.instance_id,
                unique=True,
            ),
            diags,
        )
        if server is None:
            return None
        if server.instance_id not in made:  # adopted: bring it to the configuration
            client.update_server(
                server.instance_id,
                os_id=self._os_id(client, os_name) if os_name else None,
                folder_id=folder_id,
            )
        try:
            self._sync_initiators(client, server.instance_id, planned)
        except errors.ScError as exc:
            diags.error(
                "Server Created But Initiators Not Added",
                f"Server {server.instance_id} ({planned['name']!r}) exists, but adding its "
                f"initiators failed: {exc}",
            )
        return self._read(client, server.instance_id, planned)

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        return self._read(self.provider.client(), state["id"], state)

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        server_id = prior["id"]
        if not self._check_owners(client, server_id, planned, diags, prior):
            return prior
        change = changes(client, prior, planned, self.provider.owner)
        client.update_server(server_id, **change)
        if change["folder_id"] is not None:
            self._tidy_folders(client, prior["folder"], diags)
        self._sync_initiators(client, server_id, planned)
        state = self._read(client, server_id, planned)
        if state is None:
            raise errors.ScNotFound(404, f"server {server_id} vanished during the update")
        return state

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        try:
            client.delete_server(state["id"])
        except errors.ScNotFound:
            pass
        if client.server_exists(state["id"]):
            diags.error(
                "Server Not Deleted",
                f"Server {state['id']} ({state.get('name')!r}) is still on the array after "
                "the delete was accepted.",
            )
            return
        self._tidy_folders(client, state.get("folder"), diags)

    @staticmethod
    def _folder_id(client: ScClient, path: str) -> str:
        """The server folder at `path` (made when missing); the root folder for `/`."""
        wanted = folder_path(path)
        folder = client.ensure_server_folder(wanted) if wanted else client.root_server_folder()
        return folder.instance_id

    @staticmethod
    def _tidy_folders(client: ScClient, path: Any, diags: Diagnostics) -> None:
        """Remove the folders this provider made that a delete or move left empty; a
        failure only warns."""
        if not _known(path) or not folder_path(path):
            return
        try:
            client.remove_empty_server_folders(folder_path(path))
        except errors.ScError as exc:
            diags.warning(
                "Empty Folder Not Removed",
                f"Server folder {folder_path(path)!r}, made by this provider, may be empty now "
                f"but removing it failed: {exc}. Remove it on the array if it is not needed.",
            )

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        server: ScServer | None = None
        if import_id.startswith("name:"):
            name = import_name(import_id, import_id.removeprefix("name:"), "name:esx01", diags)
            if name is None:
                return None
            found = client.find_servers(name) if name else []
            server = found[0] if found else None
        elif _ID.fullmatch(import_id):
            try:
                server = client.get_server(import_id)
            except errors.ScNotFound:
                server = None
        else:
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is neither an instance ID such as 64702.47 nor a name "
                "reference such as name:esx01.",
            )
            return None
        if server is None:
            diags.error(
                "Server Not Found",
                f"No server matches {import_id!r} on Storage Center {client.ssn}.",
            )
            return None
        if server.type != "Physical":
            diags.error(
                "Not A Physical Server",
                f"Server {server.instance_id} is of type {server.type!r}; only physical "
                "servers can be managed as dellsc_server.",
            )
            return None
        warn_imported(f"server {server.name!r}", server.instance_id,
                      Notes.parse(server.notes).owner, self.provider.owner, diags,
                      "destroying either deletes it for both")  # fmt: skip
        return {"id": server.instance_id}

    # -- helpers -------------------------------------------------------------------------

    def _sync_initiators(self, client: ScClient, server_id: str, planned: Values) -> None:
        """Add the configured initiators the server lacks and remove the others."""
        hbas = client.server_hbas(server_id)
        have = {h.instance_name.casefold(): h for h in hbas}
        wanted: dict[str, tuple[str, str]] = {}
        for attribute, port_type in PORT_TYPES.items():
            value: Any = planned.get(attribute)
            for initiator in value if _known(value) else []:
                wanted[str(initiator).casefold()] = (port_type, str(initiator))
        for key, hba in have.items():
            if key not in wanted:
                client.remove_hba(server_id, hba.instance_id)
        for key, (port_type, initiator) in sorted(wanted.items()):
            if key not in have:
                client.add_hba(server_id, port_type, initiator)

    def _read(self, client: ScClient, server_id: str, prior: Values) -> Values | None:
        try:
            server = client.get_server(server_id)
            hbas = client.server_hbas(server_id)
        except errors.ScNotFound:
            return None
        return server_state(server, hbas, prior)


class Changes(TypedDict):
    """The keyword arguments of `update_server` (and `update_server_cluster`)."""

    name: str | None
    notes: str | None
    os_id: str | None
    folder_id: str | None


def changes(client: ScClient, prior: Values, planned: Values, owner: str) -> Changes:
    """What an update sends for the name, notes, operating system and folder of a server
    (or a cluster): the new value where it changed, else None. New notes replace the user's
    text only: the provider's marks stay (an unmarked object gets `owner`'s)."""
    moved = _known(planned["folder"]) and folder_path(planned["folder"]) != folder_path(
        prior["folder"]
    )
    os_changed = _known(planned["operating_system"]) and (
        str(planned["operating_system"]).casefold()
        != str(prior["operating_system"] or "").casefold()
    )
    notes = None
    if _known(planned["notes"]) and planned["notes"] != prior["notes"]:
        kept = Notes.parse(client.get_server(prior["id"]).notes)
        if kept.owner is None:
            kept = kept.with_mark("owner", owner)
        notes = kept.with_text(str(planned["notes"])).render()
    return {
        "name": planned["name"] if planned["name"] != prior["name"] else None,
        "notes": notes,
        "os_id": ServerResource._os_id(client, planned["operating_system"]) if os_changed else None,
        "folder_id": ServerResource._folder_id(client, planned["folder"]) if moved else None,
    }


def _keep_spelling(actual: str, prior: Any) -> str:
    return str(prior) if _known(prior) and str(prior).casefold() == actual.casefold() else actual


def server_state(server: ScServer, hbas: list[ScServerHba], prior: Values) -> Values:
    """Terraform values of a server; configured spellings are kept where they still match."""
    state: Values = {
        "id": server.instance_id,
        "name": server.name,
        "notes": Notes.parse(server.notes).text,
        "ssn": Decimal(server.sc_serial_number) if server.sc_serial_number else None,
        "operating_system": _keep_spelling(server.operating_system.instance_name, prior.get(
            "operating_system"))
        if server.operating_system
        else None,
    }  # fmt: skip
    actual_folder = folder_path(server.server_folder_path)
    prior_folder = prior.get("folder")
    state["folder"] = (
        prior_folder
        if _known(prior_folder) and folder_path(prior_folder) == actual_folder
        else actual_folder
    )
    for attribute, port_type in PORT_TYPES.items():
        previous: Any = prior.get(attribute)
        spelled = {str(v).casefold(): str(v) for v in previous} if _known(previous) else {}
        names = sorted(
            spelled.get(h.instance_name.casefold(), h.instance_name)
            for h in hbas
            if h.port_type == port_type
        )
        state[attribute] = names if names or _known(previous) else None
    return state
