"""`dellsc_volume`: create, grow, rename, move, retype, import and delete/unmanage volumes.

Array behaviour follows the Cinder driver's create/extend/retype/manage/unmanage sequences
(DSM REST reference §6): profiles are switched through the volume configuration, the size
only grows, and "unmanage" keeps the volume under the name `Unmanaged_<name>`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources import ledger, volume_migration, volume_sources
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
from dellsc.resources.disaster_recovery import grow_copies
from dellsc.resources.marks import RESERVED, Notes, new_notes
from dellsc.resources.profiles import KINDS, ProfileCatalog, UnknownProfile
from dellsc.resources.retype_preview import RetypePreview
from dellsc.sc import errors
from dellsc.sc.notes import DEFAULT_NOTES
from dellsc.sc.validation import MAX_VOLUME_NAME_LENGTH
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import UNKNOWN, Unknown, is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScVolume, ScVolumeConfiguration

GIB = 1 << 30
UNMANAGED_PREFIX = "Unmanaged_"
ROOT_FOLDER = "/"
_ID = re.compile(r"\d+\.\d+")
_CONFIG_KEYS = {
    "storage_profile": "storageProfile",
    "volume_qos_profile": "volumeQosProfile",
    "group_qos_profile": "groupQosProfile",
    "data_reduction_profile": "dataReductionProfile",
}
PROFILE_ATTRIBUTES = (*_CONFIG_KEYS, "replay_profiles")


def folder_path(path: str | None) -> str:
    """A folder path in the one form the array takes: `a/b`, no leading or trailing slash;
    `""` for the root folder."""
    return "/".join(part for part in (path or "").split("/") if part)


def unmanaged_name(name: str) -> str:
    """The name an unmanaged volume keeps on the array (Cinder's unmanage)."""
    return (UNMANAGED_PREFIX + name)[:MAX_VOLUME_NAME_LENGTH]


def shown_path(path: str | None) -> str:
    """A folder path as state shows it: `a/b`, or `/` for the root folder."""
    return folder_path(path) or ROOT_FOLDER


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def volume_key(values: Values) -> tuple[str, ...] | None:
    """What identifies a volume a configuration declares: SC, folder and name (None while
    any is unknown)."""
    ssn: Any = values.get("ssn")
    folder, name = values.get("folder"), values.get("name")
    if not (_known(ssn) and _known(folder) and _known(name)):
        return None
    return ("dellsc_volume", str(int(ssn)), folder_path(folder), str(name))


def described(values: Values) -> str:
    return f"volume {values.get('name')!r} in folder {shown_path(values.get('folder'))!r}"


def check_notes(config: Values, diags: Diagnostics) -> None:
    """The user's notes must not hold the provider's marks (pure)."""
    notes = config.get("notes")
    if isinstance(notes, str) and RESERVED in notes:
        diags.error(
            "Invalid notes",
            f"notes must not contain {RESERVED!r}: the provider keeps its own marks in the "
            "Notes after the text, in that form.",
            AttrPath("notes"),
        )


class VolumeResource(Resource):
    type_name = "dellsc_volume"

    # -- plan ----------------------------------------------------------------------------

    def validate(self, config: Values, diags: Diagnostics) -> None:
        volume_sources.validate(config, diags)
        check_notes(config, diags)

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned, diags = change.prior, change.planned, change.diags
        self.check_single_owner(prior, diags)
        if prior is None and change.config.get("notes") is None:
            planned["notes"] = DEFAULT_NOTES
        size = planned["size_gb"]
        if prior is not None and _known(size) and size < prior["size_gb"]:
            diags.error(
                "Volume Cannot Shrink",
                f"size_gb can only grow: the volume has {prior['size_gb']} GiB and the "
                f"configuration asks for {size} GiB. Nothing was sent to the array. To "
                "get a smaller volume, create a new one and copy the data.",
                AttrPath("size_gb"),
            )
            return
        planned["size_bytes"] = size * GIB if _known(size) else UNKNOWN
        if prior is None and change.config.get("folder") is None:
            planned["folder"] = folder_path(self.provider.volume_folder) or UNKNOWN
        if _known(planned["folder"]):
            planned["folder_path"] = shown_path(planned["folder"])
        if not self._check_ssn(change):
            return
        catalog = self._catalog(planned["ssn"])
        self._check_profiles(change, catalog)
        volume_sources.modify_plan(self.provider, change)
        if self.provider.catalog is not None and not diags.has_errors:
            self._claim(change)
        if prior is not None and not diags.has_errors:
            RetypePreview(change, catalog).warn_all(folder_path)

    def _claim(self, change: PlanChange) -> None:
        """One resource per volume: refuse another owner's volume with this name and folder,
        announce an adoption, and claim it for this plan (see `dellsc.resources.claims`)."""
        prior, planned, diags = change.prior, change.planned, change.diags
        folder = planned["folder"]
        if prior is None and change.config.get("folder") is None:  # where it will land
            folder = folder_path(self.provider.volume_folder)
        key = volume_key({**planned, "folder": folder})
        if prior is not None:
            keys = [k for k in (volume_key(prior), key) if k is not None]
            plan_hold(self.provider, "volume", described(prior), keys, prior["id"], diags,
                      AttrPath("name"))  # fmt: skip
            return
        if key is None:
            return
        client = self._client_for(planned["ssn"])
        what = described({**planned, "folder": folder})
        objects = plan_lookup(
            "volume", what, lambda: client.find_volumes(name=planned["name"],
            folder_path=folder_path(folder)), diags, AttrPath("name"),
        )  # fmt: skip
        found = None
        if objects is not None:
            remember(key, objects)
            found = sort_found(objects, self.provider.owner, lambda v: v.notes,
                               lambda v: v.instance_id, {change.replaces or ""})  # fmt: skip
        plan_create(self.provider, "volume", what, key, found, lambda v: v.instance_id,
                    change.replaces, diags, AttrPath("name"))  # fmt: skip

    def _check_ssn(self, change: PlanChange) -> bool:
        """Default `ssn` to the provider's SC; check a configured one; plan a migration."""
        prior, planned, diags = change.prior, change.planned, change.diags
        if self.provider.catalog is None:  # not configured yet: nothing to check against
            return True
        client = self.provider.client()
        if prior is None and change.config.get("ssn") is None:
            planned["ssn"] = Decimal(client.ssn)
        ssn = planned["ssn"]
        if not _known(ssn):
            return True
        if prior is not None and ssn != prior["ssn"]:
            return volume_migration.plan(change, client, self._catalog(ssn))
        if prior is None:
            try:
                client.for_ssn(int(ssn))
            except errors.ScNotFound as exc:
                diags.error("Unknown Storage Center", str(exc), AttrPath("ssn"))
                return False
        return True

    def _catalog(self, ssn: Any) -> ProfileCatalog | None:
        return self.provider.catalog_for(int(ssn) if _known(ssn) else None)

    def _check_profiles(self, change: PlanChange, catalog: ProfileCatalog | None) -> None:
        for attribute in PROFILE_ATTRIBUTES:
            moving = change.prior is not None and change.changed("ssn")
            # a migration re-applies every profile on the target SC: check them all there
            value: Any = (change.planned if moving else change.config).get(attribute)
            unchanged = change.prior is not None and not change.changed(attribute)
            if not _known(value) or (unchanged and not moving):
                continue
            if catalog is not None:
                names: list[Any] = value if attribute == "replay_profiles" else [value]
                for name in names:
                    if isinstance(name, Unknown):
                        continue
                    try:
                        catalog.resolve(attribute, name)
                    except UnknownProfile as exc:
                        change.diags.error(
                            f"Unknown {exc.kind.title}",
                            str(exc),
                            AttrPath(attribute),
                        )

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        policy = prior.get("deletion_policy")
        if policy == "PREVENT":
            diags.error(*self._prevented(prior), AttrPath("deletion_policy"))
        elif policy == "UNMANAGE":
            diags.warning(
                f"Volume Will Be Kept: {prior.get('name')!r}",
                f"Destroying this resource keeps volume {prior.get('name')!r} "
                f"({prior.get('id')}) and its data on the array, renamed "
                f'{unmanaged_name(str(prior.get("name")))!r} (deletion_policy = "UNMANAGE"), '
                "with its mappings and snapshots; Terraform only forgets it. Import it to "
                "manage it again.",
                AttrPath("deletion_policy"),
            )
        key = volume_key(prior)
        if isinstance(prior.get("id"), str) and key is not None:
            plan_hold(self.provider, "volume", described(prior), [key], prior["id"], diags,
                      AttrPath("id"), destroy=True)  # fmt: skip

    @staticmethod
    def _prevented(state: Values) -> tuple[str, str]:
        return (
            "Volume Deletion Prevented",
            f"Volume {state.get('name')!r} ({state.get('id')}) has deletion_policy = "
            '"PREVENT". Set deletion_policy to "DELETE" or "UNMANAGE" and apply before '
            "destroying it.",
        )

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self._client_for(planned["ssn"])
        path = planned["folder"] if _known(planned["folder"]) else self.provider.volume_folder
        path = folder_path(path)
        folder_id = client.ensure_volume_folder(path).instance_id if path else None
        ids = self._profile_ids(planned)
        text = planned["notes"] if _known(planned.get("notes")) else None
        if volume_sources.has_source(planned):
            made = volume_sources.create(self.provider, planned, path, folder_id, ids, text, diags)
            if made is None:
                return None
            try:
                made = volume_sources.finish(client, made, planned, ids)
                return self._state(made, client.get_volume_configuration(made.instance_id), planned)
            except errors.ScError as exc:
                diags.error(
                    "Volume Created But Not Finished",
                    f"Volume {made.instance_id} was made from its source, but setting its "
                    f"profiles or size failed: {exc} It is kept in state as tainted; the next "
                    "apply replaces it.",
                )
                return self._state(made, None, planned)
        replay_ids = ids.pop("replay_profiles", None)
        name = planned["name"]
        owner = self.provider.owner
        volume = create_once(
            Creation(
                kind="volume",
                what=described({**planned, "folder": path}),
                key=("dellsc_volume", str(client.ssn), path, name),
                owner=owner,
                notes=new_notes(text, owner),
                find=lambda: client.find_volumes(name=name, folder_path=path),
                create=lambda notes: client.create_volume(
                    name,
                    int(planned["size_gb"]),
                    folder_id=folder_id,
                    storage_profile_id=ids.get("storage_profile"),
                    replay_profile_ids=replay_ids,
                    volume_qos_profile_id=ids.get("volume_qos_profile"),
                    group_qos_profile_id=ids.get("group_qos_profile"),
                    data_reduction_profile_id=ids.get("data_reduction_profile"),
                    notes=notes,
                ),
                notes_of=lambda v: v.notes,
                id_of=lambda v: v.instance_id,
                restamp=lambda v, notes: client.update_volume(v.instance_id, notes=notes),
            ),
            diags,
        )
        if volume is None:
            return None
        try:
            state = self._state(
                volume, client.get_volume_configuration(volume.instance_id), planned
            )
        except errors.ScError as exc:
            diags.error(
                "Volume Created But Not Read Back",
                f"Volume {volume.instance_id} was created but reading it back failed: {exc}",
            )
            return self._state(volume, None, planned)
        return self._converge(state, planned, diags)

    def _converge(self, state: Values, planned: Values, diags: Diagnostics) -> Values:
        """An adopted volume (made by an earlier, interrupted create from an older
        configuration) brought to the plan in place; a fresh one already matches."""
        if all(not _known(v) or state.get(k) == v for k, v in planned.items() if k != "id"):
            return state
        target = {k: state[k] if not _known(v) and k in state else v for k, v in planned.items()}
        target["id"] = state["id"]
        return self.update(state, target, diags)

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        try:
            volume = client.get_volume(state["id"])
        except errors.ScNotFound:
            # a migration that deleted the original but was cut off before saving its result
            found = volume_migration.find_migrated(client, state)
            if found is None:
                return None
            volume = found
        # an unreachable SC (the primary after a failover): `refresh` keeps the state
        try:
            configuration = client.get_volume_configuration(volume.instance_id)
        except errors.ScNotFound:
            return None
        return self._state(volume, configuration, state)

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        if planned["ssn"] != prior["ssn"]:
            moved_volume = volume_migration.migrate(
                self.provider.client(), prior["id"], prior["name"], int(planned["ssn"])
            )
            target = self._client_for(planned["ssn"])
            # the copy's notes named the migration: give it the original's text and marks
            owner, old_id = self.provider.owner, prior["id"]
            notes = Notes(str(prior.get("notes") or DEFAULT_NOTES), {"owner": owner})
            notes = notes.with_mark("migrated", old_id)
            source = (
                f"snapshot {prior[volume_sources.SNAPSHOT]}"
                if prior.get(volume_sources.SNAPSHOT)
                else f"volume {prior[volume_sources.VOLUME]}"
                if prior.get(volume_sources.VOLUME)
                else None
            )
            moved_volume = ledger.rewrite(
                target, moved_volume.instance_id,
                lambda _: notes.with_mark("source", source),
            )  # fmt: skip
            configuration = target.get_volume_configuration(moved_volume.instance_id)
            prior = self._state(moved_volume, configuration, prior)
        client = self._client_for(planned["ssn"])
        volume_id = prior["id"]
        moved = folder_path(planned["folder"]) != folder_path(prior["folder"])
        if planned["name"] != prior["name"] or moved:
            folder_id = None
            if moved:
                path = folder_path(planned["folder"])
                folder = client.ensure_volume_folder(path) if path else client.root_volume_folder()
                folder_id = folder.instance_id
            renamed = planned["name"] != prior["name"]
            client.update_volume(
                volume_id, name=planned["name"] if renamed else None, folder_id=folder_id
            )
            if moved:
                self._tidy_folders(planned["ssn"], prior.get("folder_path"), diags)
        if _known(planned.get("notes")) and planned["notes"] != prior.get("notes"):
            text = str(planned["notes"])
            owner = self.provider.owner
            ledger.rewrite(
                client, volume_id,
                lambda n: n.with_text(text) if n.owner else n.with_text(text).with_mark(
                    "owner", owner),
            )  # fmt: skip
        if planned["size_gb"] > prior["size_gb"]:
            grown = client.expand_volume(volume_id, int(planned["size_gb"]))
            for left in grow_copies(client, grown):  # size follows the source
                diags.warning(
                    "Copy Not Grown",
                    f"Volume {volume_id} grew to {int(planned['size_gb'])} GiB, but {left}. "
                    "The replication plan grows it once both Storage Centers answer.",
                )
        changed = {a: planned[a] for a in PROFILE_ATTRIBUTES if planned[a] != prior[a]}
        if changed:
            ids = self._profile_ids({**changed, "ssn": planned["ssn"]})
            for attribute, config_key in _CONFIG_KEYS.items():
                if attribute in ids:
                    client.set_volume_profile(volume_id, config_key, ids[attribute])
            if "replay_profiles" in ids:
                current = client.get_volume_configuration(volume_id)
                standard = {
                    p.instance_id
                    for p in self._catalog_or_fail(planned["ssn"]).profiles("replay_profiles")
                }
                kept = [r.instance_id for r in current.replay_profile_list
                        if r.instance_id not in standard]  # fmt: skip
                client.set_replay_profiles(volume_id, [*ids["replay_profiles"], *kept])
        volume = client.get_volume(volume_id)
        return self._state(volume, client.get_volume_configuration(volume_id), planned)

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        policy = state.get("deletion_policy") or "DELETE"
        try:
            if policy == "PREVENT":
                diags.error(*self._prevented(state), AttrPath("deletion_policy"))
            elif policy == "UNMANAGE":
                client.update_volume(state["id"], name=unmanaged_name(state["name"]))
            else:
                if client.get_volume(state["id"]).mapped:  # an interrupted activation's
                    client.remove_activation_mappings(state["id"])
                client.delete_volume(state["id"])
                self._tidy_folders(state.get("ssn"), state.get("folder_path"), diags)
        except errors.ScNotFound as exc:
            if policy == "UNMANAGE" and client.volume_exists(state["id"]):
                raise errors.ScStillExists(
                    exc.status,
                    f"the array answered that volume {state['id']} is gone ({exc.message}), "
                    "but it still exists; it was not renamed",
                    exc.method,
                    exc.path,
                ) from exc
            return

    def _tidy_folders(self, ssn: Any, path: Any, diags: Diagnostics) -> None:
        """Remove the folders this provider made that a delete or move left empty; a
        failure only warns (the volume's own change is done)."""
        if not _known(path) or not folder_path(path):
            return
        try:
            self._client_for(ssn).remove_empty_volume_folders(folder_path(path))
        except errors.ScError as exc:
            diags.warning(
                "Empty Folder Not Removed",
                f"Volume folder {folder_path(path)!r}, made by this provider, may be empty now "
                f"but removing it failed: {exc}. Remove it on the array if it is not needed.",
            )

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        volume: ScVolume | None = None
        if import_id.startswith("name:"):
            name = import_name(import_id, import_id.removeprefix("name:"), "name:db01", diags)
            if name is None:
                return None
            found = client.find_volumes(name=name)
            if len(found) > 1:
                ids = ", ".join(v.instance_id for v in found)
                diags.error(
                    "Volume Name Not Unique",
                    f"{len(found)} volumes are named {name!r} ({ids}). Import one by its "
                    "instance ID instead.",
                )
                return None
            volume = found[0] if found else None
        elif _ID.fullmatch(import_id):
            try:
                volume = client.get_volume(import_id)
            except errors.ScNotFound:
                volume = None
        else:
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is neither an instance ID such as 64702.101 nor a name "
                "reference such as name:db01.",
            )
            return None
        if volume is None:
            diags.error(
                "Volume Not Found",
                f"No volume matches {import_id!r} on Storage Center {client.ssn}.",
            )
            return None
        warn_imported(f"volume {volume.name!r}", volume.instance_id,
                      Notes.parse(volume.notes).owner, self.provider.owner, diags,
                      "destroying either deletes it for both")  # fmt: skip
        if volume.configured_size_bytes % GIB:
            diags.error(
                "Volume Size Not A Whole Number Of GiB",
                f"Volume {volume.name!r} ({volume.instance_id}) has "
                f"{volume.configured_size_bytes} bytes, which is not a whole number of GiB, "
                "so size_gb could not describe it. Expand it to a whole GiB on the array "
                "first.",
            )
            return None
        return {"id": volume.instance_id}

    # -- helpers -------------------------------------------------------------------------

    def _client_for(self, ssn: Any) -> ScClient:
        """The client of the SC `ssn` (the provider's SC when unknown)."""
        client = self.provider.client()
        return client.for_ssn(int(ssn)) if _known(ssn) else client

    def _catalog_or_fail(self, ssn: Any) -> ProfileCatalog:
        self.provider.client()
        catalog = self._catalog(ssn)
        assert catalog is not None
        return catalog

    def _profile_ids(self, values: Values) -> dict[str, Any]:
        """Instance ids for the known, non-null profile names in values (on their SC)."""
        catalog = self._catalog_or_fail(values.get("ssn"))
        ids: dict[str, Any] = {}
        for attribute in PROFILE_ATTRIBUTES:
            value: Any = values.get(attribute)
            if not _known(value):
                continue
            if attribute == "replay_profiles":
                ids[attribute] = [catalog.resolve(attribute, n).instance_id for n in sorted(value)]
            else:
                ids[attribute] = catalog.resolve(attribute, value).instance_id
        return ids

    def _state(
        self, volume: ScVolume, configuration: ScVolumeConfiguration | None, prior: Values
    ) -> Values:
        """Terraform state for a volume; prior spellings are kept where they still match."""
        catalog = self.provider.catalog_for(volume.sc_serial_number)
        actual_path = folder_path(volume.volume_folder_path)
        prior_folder = prior.get("folder")
        state: Values = {
            "id": volume.instance_id,
            "name": volume.name,
            "size_gb": Decimal(volume.configured_size_bytes // GIB),
            "size_bytes": Decimal(volume.configured_size_bytes),
            "wwn": volume.device_id,
            "ssn": Decimal(volume.sc_serial_number),
            "folder_path": shown_path(actual_path),
            "folder": prior_folder
            if _known(prior_folder) and folder_path(prior_folder) == actual_path
            else shown_path(actual_path),
            "deletion_policy": prior.get("deletion_policy") or "DELETE",
            "migration_policy": prior.get("migration_policy") or "never",
            "notes": Notes.parse(volume.notes).text,
            **volume_sources.creation_facts(volume, prior),
        }
        for attribute, config_key in _CONFIG_KEYS.items():
            ref = getattr(configuration, _snake(config_key), None) if configuration else None
            actual_id = ref.instance_id if ref is not None else None
            wanted = prior.get(attribute)
            if (
                _known(wanted)
                and catalog is not None
                and catalog.same(attribute, wanted, actual_id)
            ):
                state[attribute] = wanted
            else:
                state[attribute] = ref.instance_name if ref is not None else None
        if configuration is None:
            state["replay_profiles"] = None
        else:
            standard = (
                {p.instance_id: p.name for p in catalog.profiles("replay_profiles")}
                if catalog is not None
                else {}
            )
            state["replay_profiles"] = sorted(
                standard.get(r.instance_id, r.instance_name)
                for r in configuration.replay_profile_list
                if not standard or r.instance_id in standard
            )
        return state


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


assert set(KINDS) == set(PROFILE_ATTRIBUTES)
