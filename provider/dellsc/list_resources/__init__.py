"""List resource types for `terraform query`; LIST_RESOURCES lists schemas/list_resources."""

from dellsc.list_resources.base import ListResource
from dellsc.list_resources.consistency_group_snapshot import GroupSnapshotList
from dellsc.list_resources.server import ServerList
from dellsc.list_resources.server_cluster import ServerClusterList
from dellsc.list_resources.snapshot import SnapshotList
from dellsc.list_resources.volume import VolumeList

LIST_RESOURCES: dict[str, type[ListResource]] = {
    r.type_name: r
    for r in (GroupSnapshotList, ServerList, ServerClusterList, SnapshotList, VolumeList)
}
