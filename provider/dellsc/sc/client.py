"""ScClient: the typed Storage Center client the provider's resources use.

One per process; safe to share between threads. Connecting and shared plumbing live in
`base.ClientCore`, each area of the API in its own mixin module; this one adds closing and
Storage-Center-level calls.
"""

from __future__ import annotations

from types import TracebackType

from .bulk import BulkMixin
from .clusters import ClustersMixin
from .folders import FoldersMixin
from .groups import GroupsMixin
from .models import StorageUsage
from .ports import PortsMixin
from .profiles import ProfilesMixin
from .replication import ReplicationMixin


class ScClient(
    GroupsMixin,
    ReplicationMixin,
    BulkMixin,
    PortsMixin,
    ClustersMixin,
    FoldersMixin,
    ProfilesMixin,
):
    """Typed DSM REST client bound to one Storage Center (`ssn`): `ScClient(config, cache=False)`.

    `cache=True` answers `get_volume` / `get_volume_configuration` from one bulk GetList per
    process, dropped by any write.
    """

    def close(self) -> None:
        """Log out and release connections."""
        self.session.close()

    def __enter__(self) -> ScClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def storage_usage(self, ssn: int | None = None) -> StorageUsage:
        """Capacity of an SC (default: this one)."""
        serial = self.ssn if ssn is None else ssn
        return self._get(StorageUsage, f"StorageCenter/StorageCenter/{int(serial)}/StorageUsage")
