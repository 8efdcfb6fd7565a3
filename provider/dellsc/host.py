"""What resources, data sources, actions and list resources need of the provider.

A leaf: the bases type their `provider` with this protocol, so no room below the server
imports `dellsc.provider` (which imports every room).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dellsc.resources.claims import Claims
    from dellsc.resources.profiles import ProfileCatalog
    from dellsc.sc import ScClient


class ProviderHost(Protocol):
    """The configured provider as the types see it."""

    catalog: ProfileCatalog | None
    volume_folder: str | None
    claims: Claims

    @property
    def owner(self) -> str:
        """Who owns what this configuration creates (see `dellsc.tf.state_owner`)."""
        ...

    def client(self) -> ScClient:
        """The DSM client; raises when the provider is not configured."""
        ...

    def catalog_or_fail(self) -> ProfileCatalog:
        """The configured SC's profile catalog; raises when not configured."""
        ...

    def catalog_for(self, ssn: int | None) -> ProfileCatalog | None:
        """The profile catalog of SC `ssn` under the same DSM; None before configuration."""
        ...

    def first_plan_of(self, type_name: str, object_id: str) -> bool:
        """True the first time this process plans the object (see `Resource.check_single_owner`)."""
        ...

    def claim(self, what: str, key: str, claimant: str) -> str | None:
        """Record that `claimant` plans to hold `key` (an initiator, a group member ...) in
        this run; the earlier claimant when another one already holds it, else None."""

    def first_warning(self, key: str) -> bool:
        """True the first time this process asks for `key`: a warning said once per process."""
        ...
