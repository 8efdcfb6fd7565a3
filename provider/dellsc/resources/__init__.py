"""Resource types, one module each; RESOURCES must list exactly the files in schemas/resources."""

from dellsc.resources.base import Resource
from dellsc.resources.replication_plan import ReplicationPlanResource
from dellsc.resources.volume import VolumeResource

RESOURCES: dict[str, type[Resource]] = {
    r.type_name: r for r in (VolumeResource, ReplicationPlanResource)
}
