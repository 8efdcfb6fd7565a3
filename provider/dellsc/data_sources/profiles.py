"""The four profile listings (`dellsc_storage_profiles`, `dellsc_snapshot_profiles`,
`dellsc_qos_profiles`, `dellsc_data_reduction_profiles`): one reader driven by a small table.
Each type still has its own schema file; storage profiles have no `type`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dellsc.data_sources.base import DataSource, Values
from dellsc.tf.diagnostics import Diagnostics

if TYPE_CHECKING:
    from dellsc.sc import ScClient


@dataclass(frozen=True)
class Listing:
    fetch: Callable[[ScClient], Sequence[Any]]
    kind: Callable[[Any], str] | None  # the profile's type, for kinds that have one


LISTINGS = {
    "dellsc_storage_profiles": Listing(lambda c: c.storage_profiles(), None),
    "dellsc_snapshot_profiles": Listing(lambda c: c.replay_profiles(), lambda p: p.type),
    "dellsc_qos_profiles": Listing(
        lambda c: [*c.qos_profiles("VolumeQosProfile"), *c.qos_profiles("GroupQosProfile")],
        lambda p: p.profile_type,
    ),
    "dellsc_data_reduction_profiles": Listing(
        lambda c: c.data_reduction_profiles(), lambda p: p.type
    ),
}


class ProfilesDataSource(DataSource):
    """Reads the listing named by the subclass's `type_name`."""

    def read(self, config: Values, diags: Diagnostics) -> Values:
        listing = LISTINGS[self.type_name]
        pattern = re.compile(config["name_regex"]) if config.get("name_regex") else None
        found = []
        for profile in listing.fetch(self.provider.client()):
            name = profile.name or profile.instance_name
            if pattern is not None and not pattern.search(name):
                continue
            entry = {"id": profile.instance_id, "name": name}
            if listing.kind is not None:
                entry["type"] = listing.kind(profile)
            found.append(entry)
        found.sort(key=lambda p: (p["name"], p["id"]))
        return {**config, "profiles": found, "names": sorted({p["name"] for p in found})}


class StorageProfilesDataSource(ProfilesDataSource):
    type_name = "dellsc_storage_profiles"


class SnapshotProfilesDataSource(ProfilesDataSource):
    type_name = "dellsc_snapshot_profiles"


class QosProfilesDataSource(ProfilesDataSource):
    type_name = "dellsc_qos_profiles"


class DataReductionProfilesDataSource(ProfilesDataSource):
    type_name = "dellsc_data_reduction_profiles"
