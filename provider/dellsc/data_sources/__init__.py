"""Data source types, one module each; DATA_SOURCES lists exactly schemas/data_sources."""

from dellsc.data_sources.base import DataSource
from dellsc.data_sources.snapshots import SnapshotDataSource, SnapshotsDataSource
from dellsc.data_sources.storage_center import StorageCenterDataSource

DATA_SOURCES: dict[str, type[DataSource]] = {
    d.type_name: d for d in (StorageCenterDataSource, SnapshotDataSource, SnapshotsDataSource)
}
