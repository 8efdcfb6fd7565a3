"""Data source types, one module each; DATA_SOURCES lists exactly schemas/data_sources."""

from dellsc.data_sources.base import DataSource
from dellsc.data_sources.profiles import (
    DataReductionProfilesDataSource,
    QosProfilesDataSource,
    SnapshotProfilesDataSource,
    StorageProfilesDataSource,
)
from dellsc.data_sources.server import ServerDataSource
from dellsc.data_sources.server_cluster import ServerClusterDataSource
from dellsc.data_sources.snapshots import SnapshotDataSource, SnapshotsDataSource
from dellsc.data_sources.storage_center import StorageCenterDataSource
from dellsc.data_sources.volume import VolumeDataSource, VolumesDataSource

DATA_SOURCES: dict[str, type[DataSource]] = {
    d.type_name: d
    for d in (
        StorageCenterDataSource,
        VolumeDataSource,
        VolumesDataSource,
        ServerDataSource,
        ServerClusterDataSource,
        StorageProfilesDataSource,
        SnapshotProfilesDataSource,
        QosProfilesDataSource,
        DataReductionProfilesDataSource,
        SnapshotDataSource,
        SnapshotsDataSource,
    )
}
