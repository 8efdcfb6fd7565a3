"""Resource types, one module each; RESOURCES must list exactly the files in schemas/resources."""

from dellsc.resources.base import Resource
from dellsc.resources.snapshot import SnapshotResource
from dellsc.resources.volume import VolumeResource

RESOURCES: dict[str, type[Resource]] = {r.type_name: r for r in (VolumeResource, SnapshotResource)}
