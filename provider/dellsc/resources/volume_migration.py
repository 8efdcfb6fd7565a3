"""Moving a volume to another Storage Center of the same DSM (`migration_policy = "on_demand"`).

The array cannot change a volume's Storage Center in place; the seed migrates and then lets the
new volume take the old one's name (update_migrated_volume, DSM reference §6.18). Here:

1. replicate the volume to the target SC into `dellsc-migrating-<id>` (QoS node
   `dellsc-migration` on the source, created when missing);
2. wait until the replication reports `synced`;
3. cut over: delete the replication, keeping the destination;
4. rename the destination to the volume's name (update_migrated_volume);
5. unmap and delete the original (to the recycle bin).

Every step first looks for what an interrupted earlier run left (the replication, the
destination by its temporary name, or by its name and the mark in its notes), so the next apply
resumes instead of making a second copy.
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources.marks import Notes
from dellsc.resources.profiles import UnknownProfile
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath
from dellsc.tf.values import UNKNOWN

if TYPE_CHECKING:
    from dellsc.resources.base import PlanChange
    from dellsc.resources.profiles import ProfileCatalog
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplication, ScVolume

log = logging.getLogger("dellsc.resources.volume_migration")

QOS_NODE = "dellsc-migration"
_QOS_NODE_LOCK = threading.Lock()
POLICIES = ("never", "on_demand")


def temporary_name(volume_id: str) -> str:
    """The name of the destination volume while the migration runs."""
    return f"dellsc-migrating-{volume_id}"


def mark(volume_id: str) -> str:
    """The note that ties a destination volume to the volume it replaces."""
    return f"Migrated by terraform-provider-dellsc from volume {volume_id}"


def target_client(client: ScClient, ssn: Any) -> ScClient:
    """The client of SC `ssn`; ScNotFound when the DSM does not manage it."""
    return client.for_ssn(int(ssn))


# -- plan ----------------------------------------------------------------------------------------


def plan(change: PlanChange, client: ScClient, catalog: ProfileCatalog | None) -> bool:
    """Check and preview a change of `ssn`; False (with an error) when it cannot happen."""
    prior, planned, diags = change.prior, change.planned, change.diags
    assert prior is not None
    source, target = int(prior["ssn"]), int(planned["ssn"])
    policy = planned.get("migration_policy") or "never"
    if policy != "on_demand":
        diags.error(
            "Volume Cannot Change Storage Center In Place",
            f"ssn changes from {source} to {target}, but a Storage Center cannot hand a volume "
            'to another one in place, and migration_policy is "never". Either set '
            f'ssn = {source} again, or set migration_policy = "on_demand" to migrate: '
            "replicate to the other Storage Center, cut over, delete the original; the new "
            "volume takes the name (new ID and WWN). Nothing was sent to the array.",
            AttrPath("ssn"),
        )
        return False
    try:
        target_sc = target_client(client, target)
    except errors.ScNotFound as exc:
        diags.error("Unknown Storage Center", str(exc), AttrPath("ssn"))
        return False
    volume_id = prior["id"]
    home = client.for_ssn(source)
    foreign = [r for r in _replications_to(home, volume_id, target) if not _ours(r, volume_id)]
    if foreign:
        diags.error(
            "Volume Already Replicates To That Storage Center",
            f"Volume {prior['name']!r} ({volume_id}) already replicates to SC {target} "
            f"(replication {foreign[0].instance_id}), and a migration must not take over a "
            "replication it did not make. Remove that replication first. Nothing was sent to "
            "the array.",
            AttrPath("ssn"),
        )
        return False
    servers = sorted(
        p.server.instance_name or p.server.instance_id
        for p in home.volume_mapping_profiles(volume_id)
        if p.server is not None
    )
    configuration = home.get_volume_configuration(volume_id)
    standard = set(prior.get("replay_profiles") or [])
    groups = sorted(
        r.instance_name
        for r in configuration.replay_profile_list
        if r.instance_name not in standard
    )
    schedules = planned.get("replay_profiles")
    lost = [
        f"mappings to {', '.join(servers)} (map the new volume again on SC {target})"
        if servers
        else "mappings: none",
        f"consistency-group membership in {', '.join(groups)}" if groups else "groups: none",
        f"snapshot schedules of SC {source}; SC {target}'s profiles of the same names "
        f"({', '.join(schedules) if isinstance(schedules, list) and schedules else 'none'}) "
        "are applied instead",
    ]
    reapplied = _profiles_to_set(target_sc, catalog, planned)
    diags.warning(
        "Migration To Another Storage Center: ssn",
        f"Volume {prior['name']!r} ({volume_id}): ssn {source} → {target} with "
        'migration_policy = "on_demand". Apply will replicate it to SC '
        f"{target} as {temporary_name(volume_id)!r}, wait for the sync, cut over (delete the "
        "replication, keep the copy), rename the copy to "
        f"{prior['name']!r} and delete the original (recycle bin), then set on the copy "
        f"what differs from SC {target}'s defaults: {', '.join(reapplied) or 'nothing'}. "
        "Same Terraform address; new id and wwn. Cannot follow: " + "; ".join(lost) + ".",
        AttrPath("ssn"),
    )
    planned["id"] = UNKNOWN
    planned["wwn"] = UNKNOWN
    return True


def _profiles_to_set(
    target: ScClient, catalog: ProfileCatalog | None, planned: dict[str, Any]
) -> list[str]:
    """The profile attributes whose planned value is not what a new volume on `target` gets."""
    if catalog is None:
        return []
    defaults = target.user_preferences()
    out = []
    for attribute, ref in (
        ("storage_profile", defaults.storage_profile),
        ("volume_qos_profile", defaults.volume_qos_profile),
        ("group_qos_profile", defaults.group_qos_profile),
        ("data_reduction_profile", defaults.data_reduction_profile),
    ):
        wanted = planned.get(attribute)
        if wanted is not None and not catalog.same(
            attribute, wanted, ref.instance_id if ref is not None else None
        ):
            out.append(f'{attribute} = "{wanted}"')
    wanted_replays = planned.get("replay_profiles")
    if isinstance(wanted_replays, list):
        default_ids = {r.instance_id for r in defaults.replay_profile_list}
        wanted_ids = set()
        for name in wanted_replays:
            try:
                wanted_ids.add(catalog.resolve("replay_profiles", name).instance_id)
            except UnknownProfile:
                return out  # reported at replay_profiles
        if wanted_ids != default_ids:
            names = ", ".join(f'"{n}"' for n in sorted(wanted_replays))
            out.append(f"replay_profiles = [{names}]")
    return out


# -- apply ---------------------------------------------------------------------------------------


def migrate(client: ScClient, volume_id: str, name: str, target_ssn: int) -> ScVolume:
    """Move volume `volume_id` to SC `target_ssn`; the copy ends up named `name`."""
    home = client.for_ssn(int(volume_id.split(".")[0]))
    target = target_client(client, target_ssn)
    destination_id = _adopt(target, volume_id, name)
    replication = next(
        (r for r in _replications_to(home, volume_id, target.ssn) if _ours(r, volume_id)), None
    )
    if replication is None and destination_id is None:
        # volumes migrating together share the node: make it once, and never remove it
        # between another migration's ensure and its use (see `_remove_node`)
        with _QOS_NODE_LOCK:
            node = home.ensure_replication_qos_node(QOS_NODE, home.ssn)
            replication = home.create_replication(
                volume_id,
                target.ssn,
                node.instance_id,
                destination_name=temporary_name(volume_id),
                notes=mark(volume_id),
            )
    if replication is not None:
        _wait_synced(home, replication.instance_id)
        assert replication.destination_volume is not None
        destination_id = replication.destination_volume.instance_id
        home.delete_replication(
            replication.instance_id, delete_destination=False, recycle_destination=False
        )
        _remove_node(home)
    assert destination_id is not None
    copy = target.get_volume(destination_id)
    if copy.name != name:
        copy = target.update_volume(destination_id, name=name)
    _retire(home, volume_id)
    return target.get_volume(copy.instance_id)


def _remove_node(home: ScClient) -> None:
    """Remove the migration QoS node once no migration uses it, if this process made it;
    best effort: a node left behind costs nothing."""
    with _QOS_NODE_LOCK:
        for node_id, name in list(home.created_qos_nodes.items()):
            if name != QOS_NODE:
                continue
            try:
                home.remove_unused_qos_node(node_id)
            except errors.ScError as exc:
                log.warning("QoS node %s (%s) kept: %s", node_id, QOS_NODE, exc)


def _replications_to(home: ScClient, volume_id: str, target: int) -> list[ScReplication]:
    return [
        r for r in home.volume_replications(volume_id) if r.destination_sc_serial_number == target
    ]


def _ours(replication: ScReplication, volume_id: str) -> bool:
    """Whether a replication is this volume's migration (by its destination's name)."""
    destination = replication.destination_volume
    return destination is not None and destination.instance_name == temporary_name(volume_id)


def _adopt(target: ScClient, volume_id: str, name: str) -> str | None:
    """The destination an interrupted migration left on the target, if any."""
    found = target.find_volumes(name=temporary_name(volume_id)) + [
        v for v in target.find_volumes(name=name) if v.notes == mark(volume_id)
    ]
    return found[0].instance_id if found else None


def _wait_synced(home: ScClient, replication_id: str) -> None:
    deadline = time.monotonic() + home.config.task_timeout
    pause = 0.2
    while True:
        if home.replication_progress(replication_id).synced:
            return
        if time.monotonic() + pause > deadline:
            raise errors.ScTimeout(
                f"replication {replication_id} did not sync within "
                f"{home.config.task_timeout:.0f} s; the next apply resumes the migration"
            )
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


def _retire(home: ScClient, volume_id: str) -> None:
    try:
        volume = home.get_volume(volume_id)
    except errors.ScNotFound:
        return
    if volume.mapped:
        home.unmap_all(volume_id)
    try:
        home.delete_volume(volume_id)
    except errors.ScNotFound:
        return


def find_migrated(client: ScClient, state: dict[str, Any]) -> ScVolume | None:
    """The volume a finished migration put in place of the vanished volume in `state`."""
    volume_id, ssn = state.get("id"), state.get("ssn")
    if not isinstance(volume_id, str) or not isinstance(ssn, Decimal | int):
        return None
    for sc in client.storage_centers():
        if sc.sc_serial_number == int(ssn):
            continue
        other = client.for_ssn(sc.sc_serial_number)
        for volume in other.find_volumes(name=state.get("name")):
            if migrated_from(volume, volume_id):
                return volume
    return None


def migrated_from(volume: ScVolume, volume_id: str) -> bool:
    """Whether `volume` is the copy a migration of `volume_id` made: its notes are the
    migration's, or (once the migration gave it the original's notes) they say so."""
    return (
        volume.notes == mark(volume_id)
        or Notes.parse(volume.notes).marks.get("migrated") == volume_id
    )
