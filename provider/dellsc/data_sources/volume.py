"""`dellsc_volume` (one volume, by id or name) and `dellsc_volumes` (filtered listing)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.data_sources.base import DataSource, Values
from dellsc.data_sources.lookup import one
from dellsc.resources.profiles import UnknownProfile
from dellsc.resources.volume import GIB, folder_path
from dellsc.tf.diagnostics import AttrPath, Diagnostics

if TYPE_CHECKING:
    from dellsc.sc.models import ScVolume, ScVolumeConfiguration


def volume_values(volume: ScVolume, configuration: ScVolumeConfiguration) -> Values:
    """The computed attributes every volume data source reports."""

    def name(ref: Any) -> str | None:
        return str(ref.instance_name) if ref is not None else None

    return {
        "id": volume.instance_id,
        "name": volume.name,
        "size_gb": Decimal(volume.configured_size_bytes // GIB),
        "size_bytes": Decimal(volume.configured_size_bytes),
        "wwn": volume.device_id,
        "ssn": Decimal(volume.sc_serial_number),
        "folder_path": folder_path(volume.volume_folder_path),
        "mapped": volume.mapped,
        "storage_profile": name(configuration.storage_profile),
        "replay_profiles": sorted(r.instance_name for r in configuration.replay_profile_list),
        "volume_qos_profile": name(configuration.volume_qos_profile),
        "group_qos_profile": name(configuration.group_qos_profile),
        "data_reduction_profile": name(configuration.data_reduction_profile),
    }


class VolumeDataSource(DataSource):
    type_name = "dellsc_volume"

    def read(self, config: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        volume = one(
            "Volume",
            config,
            client.get_volume,
            lambda name: client.find_volumes(name=name),
            lambda v: v.instance_id,
            diags,
            f"Storage Center {client.ssn}",
        )
        if volume is None:
            return dict(config)
        return volume_values(volume, client.get_volume_configuration(volume.instance_id))


class VolumesDataSource(DataSource):
    type_name = "dellsc_volumes"

    def read(self, config: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        pattern = re.compile(config["name_regex"]) if config.get("name_regex") else None
        folder = folder_path(config["folder"]) if config.get("folder") is not None else None
        profile_id = None
        if config.get("storage_profile") is not None:
            try:
                profile = self.provider.catalog_or_fail().resolve(
                    "storage_profile", config["storage_profile"]
                )
            except UnknownProfile as exc:
                diags.error("Unknown Storage Profile", str(exc), AttrPath("storage_profile"))
                return dict(config)
            profile_id = profile.instance_id
        found = []
        for volume in sorted(client.list_volumes(), key=lambda v: (v.name, v.instance_id)):
            if pattern is not None and not pattern.search(volume.name):
                continue
            if folder is not None and folder_path(volume.volume_folder_path) != folder:
                continue
            configuration = client.get_volume_configuration(volume.instance_id)
            actual = configuration.storage_profile
            if profile_id is not None and (actual is None or actual.instance_id != profile_id):
                continue
            found.append(volume_values(volume, configuration))
        return {**config, "volumes": found, "ids": [v["id"] for v in found]}
