"""`dellsc_server_cluster`: a server cluster, whose mappings reach every member server.

A volume mapped to the cluster (a `dellsc_volume_mapping` with the cluster's id) is presented
to every member at one LUN; a server added to `server_ids` (`AddToCluster`) sees the cluster's
volumes at once, with no change to the mappings. No public DSM REST call takes a server out of
a cluster (reference §9.1a), so a plan that drops a member still in the cluster is an error
that says how to do it by hand, never a silent no-op. The create goes through `create_once`
(a pending mark in the Notes), so a create whose reply was lost is adopted, not repeated.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources import adopt
from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.resources.marks import new_notes, user_text
from dellsc.resources.server import PORT_TYPES, ServerResource, changes, server_key, wanted_notes
from dellsc.resources.volume import folder_path
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScServer

_ID = re.compile(r"\d+\.\d+")
KIND = "server cluster"


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def _ids(values: Values | None) -> set[str]:
    """The known member ids in `server_ids`."""
    value: Any = (values or {}).get("server_ids")
    return {str(v) for v in value if not is_unknown(v)} if _known(value) else set()


def _is_cluster(server: ScServer) -> bool:
    from dellsc.sc.clusters import is_cluster  # the client stack only where the array is used

    return is_cluster(server)


def create_cluster(
    client: ScClient, planned: Values, os_id: str | None, folder_id: str | None, owner: str,
    diags: Diagnostics,
) -> ScServer | None:  # fmt: skip
    """Make the cluster at most once: the one place this type uses the create-mark protocol
    (the owner's mark, written with the create, see `dellsc.resources.adopt`)."""
    name = planned["name"]
    return adopt.create_once(
        adopt.Creation(
            kind=KIND,
            what=f"server cluster {name!r}",
            key=server_key(client.ssn, name),  # servers and clusters share one name space
            owner=owner,
            notes=new_notes(wanted_notes(planned), owner),
            find=lambda: client.find_clusters(name),
            create=lambda notes: client.create_server_cluster(
                name, os_id=os_id, folder_id=folder_id, notes=notes
            ),
            restamp=lambda c, notes: client.update_server_cluster(c.instance_id, notes=notes),
            notes_of=lambda c: c.notes,
            id_of=lambda c: c.instance_id,
            unique=True,
        ),
        diags,
    )


class ServerClusterResource(Resource):
    type_name = "dellsc_server_cluster"

    # -- plan ----------------------------------------------------------------------------

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned, diags = change.prior, change.planned, change.diags
        if self.provider.catalog is None:  # provider not configured yet: nothing to check
            return
        self.check_single_owner(prior, diags)
        try:
            self._check(change)
        except errors.ScError as exc:  # degrade: the plan goes on, apply meets the array
            diags.warning(
                "Server Cluster Not Checked",
                f"Checking server cluster {planned.get('name')!r} against the array (its name, "
                f"operating system and members) failed: {exc}. The plan goes on without "
                "these checks.",
            )

    def _check(self, change: PlanChange) -> None:
        """Plan-time checks that read the array (never write)."""
        prior, planned, diags = change.prior, change.planned, change.diags
        client = self.provider.client()
        own_id = prior["id"] if prior else None
        os_name: Any = change.config.get("operating_system")
        if _known(os_name) and (prior is None or change.changed("operating_system")):
            if ServerResource._os_id(client, os_name) is None:
                choices = ", ".join(sorted(o.name for o in client.operating_systems()))
                diags.error(
                    "Unknown Operating System",
                    f"Storage Center {client.ssn} has no server operating system named "
                    f"{os_name!r}. Available: {choices}.",
                    AttrPath("operating_system"),
                )
        name = planned["name"]
        if _known(name) and (prior is None or change.changed("name")):
            self._check_name(client, name, own_id, prior is None, diags)
        if own_id is not None:
            self._check_removed(client, own_id, _ids(prior) - _ids(planned), diags)
        self._check_added(client, own_id, _ids(planned) - _ids(prior), diags)

    def _check_name(
        self, client: ScClient, name: str, own_id: str | None, creating: bool, diags: Diagnostics
    ) -> None:
        others = [s for s in client.find_servers(name) if s.instance_id != own_id]
        owner = self.provider.owner
        found = adopt.sort_found(others, owner, lambda s: s.notes, lambda s: s.instance_id)
        ours = [s for s in found.ours + found.legacy if _is_cluster(s)]
        if creating and found.theirs:
            other, by = found.theirs[0]
            adopt.refuse(KIND, f"server cluster {name!r}", other.instance_id, by, owner, diags,
                         AttrPath("name"))  # fmt: skip
        elif creating and ours and len(ours) == len(others):
            diags.warning(
                "Existing Server Cluster Will Be Adopted",
                f"Server cluster {ours[0].instance_id} named {ours[0].name!r} was left by "
                "an interrupted create of this configuration; apply will adopt it instead of "
                "creating another.",
            )
        elif others:
            diags.error(
                "Server Name Already Taken",
                f"{'Server cluster' if _is_cluster(others[0]) else 'Server'} "
                f"{others[0].instance_id} on Storage Center {client.ssn} is already named "
                f"{others[0].name!r} (servers and clusters share one name space). Choose "
                "another name, or import that cluster.",
                AttrPath("name"),
            )

    @staticmethod
    def _check_removed(
        client: ScClient, cluster_id: str, removed: set[str], diags: Diagnostics
    ) -> None:
        """A member cannot leave through the API: refuse the plan while it is still in."""
        for server_id in sorted(removed):
            try:
                server = client.get_server(server_id)
            except errors.ScNotFound:
                continue  # deleted: it has left the cluster
            if server.parent is None or server.parent.instance_id != cluster_id:
                continue
            diags.error(
                "Server Cannot Leave The Cluster Here",
                f"Server {server.name!r} ({server_id}) is a member of server cluster "
                f"{cluster_id}, and the DSM REST API has no public call that takes a server "
                "out of a cluster, so this provider cannot do it. Keep it in server_ids, or "
                "remove it from the cluster in Dell Storage Manager (or delete the server "
                "there), then plan again: the refresh shows it gone.",
                AttrPath("server_ids"),
            )

    @staticmethod
    def _check_added(
        client: ScClient, cluster_id: str | None, added: set[str], diags: Diagnostics
    ) -> None:
        """New members: physical servers of this SC in no other cluster, whose own mappings
        leave the cluster's LUNs free."""
        cluster_profiles = client.server_mapping_profiles(cluster_id) if cluster_id else []
        for server_id in sorted(added):
            problem = None
            try:
                server = client.get_server(server_id)
            except errors.ScNotFound:
                server = None
            if server is None or int(server_id.split(".")[0]) != client.ssn:
                problem = f"{server_id} is not a server of Storage Center {client.ssn}."
            elif _is_cluster(server) or server.type.casefold() != "physical":
                problem = f"{server_id} is not a physical server; only those can join."
            elif server.parent is not None and server.parent.instance_id != cluster_id:
                problem = (
                    f"Server {server.name!r} ({server_id}) is a member of server cluster "
                    f"{server.parent.instance_id}; a server belongs to one cluster at a time."
                )
            else:
                problem = _lun_clash(client, server, cluster_profiles)
            if problem:
                diags.error("Server Cannot Join The Cluster", problem, AttrPath("server_ids"))

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        folder = folder_path(planned["folder"]) if _known(planned["folder"]) else ""
        folder_id = client.ensure_server_folder(folder).instance_id if folder else None
        os_name = planned["operating_system"]
        os_id = ServerResource._os_id(client, os_name) if _known(os_name) else None
        cluster = create_cluster(client, planned, os_id, folder_id, self.provider.owner, diags)
        if cluster is None:
            return None
        state = read_cluster(client, cluster.instance_id, planned)
        if state is None:
            raise errors.ScNotFound(404, f"server cluster {cluster.instance_id} vanished")
        # an adopted cluster (made by an interrupted create) is brought to the plan in place
        target = {k: v if _known(v) else state.get(k) for k, v in planned.items()}
        target["id"] = state["id"]
        differs = any(
            target[k] != state[k] for k in ("name", "operating_system", "folder", "notes")
        )
        try:
            if differs:
                return self.update(state, target, diags)
            return self._sync(client, state, planned, diags)
        except errors.ScError as exc:
            diags.error(
                "Server Cluster Created But Not Finished",
                f"Server cluster {cluster.instance_id} ({planned['name']!r}) exists, but "
                f"setting it up (its servers, name, folder or operating system) failed: {exc} "
                "It is saved in the state as tainted; the next apply replaces it.",
            )
            return read_cluster(client, cluster.instance_id, planned) or state

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        return read_cluster(self.provider.client(), state["id"], state)

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        cluster_id = prior["id"]
        client.update_server_cluster(
            cluster_id, **changes(client, prior, planned, self.provider.owner)
        )
        state = read_cluster(client, cluster_id, planned)
        if state is None:
            raise errors.ScNotFound(404, f"server cluster {cluster_id} vanished during the update")
        return self._sync(client, state, planned, diags)

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        members = client.cluster_members(state["id"])
        try:
            client.delete_server(state["id"])
        except errors.ScNotFound:
            pass
        servers = {s.instance_id for s in client.servers()}
        if state["id"] in servers:
            diags.error(
                "Server Cluster Not Deleted",
                f"Server cluster {state['id']} ({state.get('name')!r}) is still on the array "
                "after the delete was accepted.",
            )
        gone = [m for m in members if m.instance_id not in servers]
        if gone:
            diags.warning(
                "Cluster Members Deleted With The Cluster",
                "The array deleted these member servers with the cluster: "
                + ", ".join(f"{m.name!r} ({m.instance_id})" for m in gone)
                + ". Their dellsc_server resources see them gone on the next refresh.",
            )

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        cluster: ScServer | None = None
        if import_id.startswith("name:"):
            name = import_id.removeprefix("name:")
            found = client.find_clusters(name) if name else []
            cluster = found[0] if found else None
        elif _ID.fullmatch(import_id):
            try:
                cluster = client.get_server(import_id)
            except errors.ScNotFound:
                cluster = None
        else:
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is neither an instance ID such as 64702.12 nor a name "
                "reference such as name:esx-cluster.",
            )
            return None
        if cluster is None or not _is_cluster(cluster):
            diags.error(
                "Server Cluster Not Found",
                f"No server cluster matches {import_id!r} on Storage Center {client.ssn}"
                + ("" if cluster is None else f" ({import_id} is a {cluster.type} server)")
                + ".",
            )
            return None
        return {"id": cluster.instance_id}

    # -- helpers -------------------------------------------------------------------------

    def _sync(self, client: ScClient, state: Values, planned: Values, diags: Diagnostics) -> Values:
        """Add the configured servers that are not members yet; report those that cannot
        leave (the plan refused them; they came back since)."""
        wanted, have = _ids(planned), set(state["server_ids"] or [])
        for server_id in sorted(wanted - have):
            client.add_to_cluster(server_id, state["id"])
        if _known(planned.get("server_ids")) and have - wanted:
            diags.error(
                "Server Cannot Leave The Cluster Here",
                f"Servers {', '.join(sorted(have - wanted))} are still members of server "
                f"cluster {state['id']}; the DSM REST API has no public call to take them out.",
                AttrPath("server_ids"),
            )
        if wanted - have:
            return read_cluster(client, state["id"], planned) or state
        return state


def read_cluster(client: ScClient, cluster_id: str, prior: Values) -> Values | None:
    """The cluster's Terraform values, its members' initiators included; None when gone."""
    try:
        cluster = client.get_server(cluster_id)
    except errors.ScNotFound:
        return None
    members = client.cluster_members(cluster_id)
    hbas = [h for m in members for h in client.server_hbas(m.instance_id)]
    state = cluster_state(cluster, members, prior)
    for attribute, port_type in PORT_TYPES.items():
        state[attribute] = sorted({h.instance_name for h in hbas if h.port_type == port_type})
    return state


def cluster_state(cluster: ScServer, members: list[ScServer], prior: Values) -> Values:
    """Terraform values of a cluster (initiators aside); configured spellings kept."""
    os_name = cluster.operating_system.instance_name if cluster.operating_system else None
    prior_os, prior_folder = prior.get("operating_system"), prior.get("folder")
    actual_folder = folder_path(cluster.server_folder_path)
    return {
        "id": cluster.instance_id,
        "name": cluster.name,
        "notes": user_text(cluster.notes),
        "ssn": Decimal(cluster.sc_serial_number) if cluster.sc_serial_number else None,
        "operating_system": str(prior_os)
        if _known(prior_os) and os_name and str(prior_os).casefold() == os_name.casefold()
        else os_name,
        "folder": prior_folder
        if _known(prior_folder) and folder_path(prior_folder) == actual_folder
        else actual_folder,
        "server_ids": sorted(m.instance_id for m in members),
    }


def _lun_clash(client: ScClient, server: ScServer, cluster_profiles: list[Any]) -> str | None:
    """Why the server's own mappings keep it out of the cluster (the array refuses a LUN or
    a volume the cluster already presents), or None."""
    if not cluster_profiles:
        return None
    for mine in client.server_mapping_profiles(server.instance_id):
        what = mine.volume.instance_name if mine.volume else "a volume"
        for theirs in cluster_profiles:
            if (
                mine.volume
                and theirs.volume
                and mine.volume.instance_id == (theirs.volume.instance_id)
            ):
                why = "the cluster maps it too"
            elif set(mine.lun_used) & set(theirs.lun_used):
                why = f"at LUN {mine.lun_used[0]}, where the cluster presents another volume"
            else:
                continue
            return (
                f"Server {server.name!r} ({server.instance_id}) has volume {what!r} mapped on "
                f"its own, {why}; the array would refuse it. Unmap that volume from the server "
                "(or map it at another LUN) first."
            )
    return None
