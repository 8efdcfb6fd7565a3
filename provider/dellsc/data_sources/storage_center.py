"""`dellsc_storage_center`: the managed Storage Center, its capacity and profile names.

Capacity is the Cinder driver's get_volume_stats (§6.14): `StorageUsage.availableSpace` is the
total and `freeSpace` the free space, reported in whole GiB (rounded down) as the driver does
and in bytes; used, allocated and configured (provisioned) space come from the same reply.
While the Storage Center is unreachable, the DSM still lists it: identity and `connected =
false` are answered, capacity and profile names are null.
"""

from __future__ import annotations

from decimal import Decimal

from dellsc.data_sources.base import DataSource, Values
from dellsc.tf.diagnostics import Diagnostics

GIB = 1 << 30
_RATIO = Decimal("0.0001")
_LISTS = {
    "storage_profiles": "storage_profile",
    "replay_profiles": "replay_profiles",
    "volume_qos_profiles": "volume_qos_profile",
    "group_qos_profiles": "group_qos_profile",
    "data_reduction_profiles": "data_reduction_profile",
}


class StorageCenterDataSource(DataSource):
    type_name = "dellsc_storage_center"

    def read(self, config: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        catalog = self.provider.catalog_or_fail()
        usage = client.storage_usage()
        values: Values = {
            **self._identity(),
            "connected": True,
            "total_capacity_gb": Decimal(usage.total_bytes // GIB),
            "free_capacity_gb": Decimal(usage.free_bytes // GIB),
            "total_capacity_bytes": Decimal(usage.total_bytes),
            "free_capacity_bytes": Decimal(usage.free_bytes),
            "used_capacity_bytes": Decimal(usage.used_bytes),
            "allocated_capacity_bytes": Decimal(usage.allocated_bytes),
            "provisioned_capacity_bytes": Decimal(usage.configured_bytes),
            "provisioning_ratio": (
                (Decimal(usage.configured_bytes) / Decimal(usage.total_bytes)).quantize(_RATIO)
                if usage.total_bytes
                else Decimal(0)
            ),
        }
        for attribute, kind in _LISTS.items():
            values[attribute] = sorted({p.name for p in catalog.profiles(kind)})
        return values

    def unreachable(self, config: Values, ssn: int) -> Values:
        return {**super().unreachable(config, ssn), **self._identity(), "connected": False}

    def _identity(self) -> Values:
        """What the DSM says of the SC, whether or not it can reach it."""
        client = self.provider.client()
        center = next(c for c in client.storage_centers() if c.sc_serial_number == client.ssn)
        return {
            "ssn": Decimal(client.ssn),
            "name": center.name,
            "version": center.version,
            "api_version": client.api_version,
        }
