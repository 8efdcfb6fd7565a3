"""Resource types, one module each; RESOURCES must list exactly the files in schemas/resources."""

from dellsc.resources.base import Resource
from dellsc.resources.consistency_group import ConsistencyGroupResource
from dellsc.resources.consistency_group_snapshot import ConsistencyGroupSnapshotResource
from dellsc.resources.replication_plan import ReplicationPlanResource
from dellsc.resources.server import ServerResource
from dellsc.resources.server_cluster import ServerClusterResource
from dellsc.resources.snapshot import SnapshotResource
from dellsc.resources.volume import VolumeResource
from dellsc.resources.volume_mapping import VolumeMappingResource

RESOURCES: dict[str, type[Resource]] = {
    r.type_name: r
    for r in (
        VolumeResource,
        ServerResource,
        ServerClusterResource,
        VolumeMappingResource,
        SnapshotResource,
        ConsistencyGroupResource,
        ConsistencyGroupSnapshotResource,
        ReplicationPlanResource,
    )
}
