"""The small base every resource module builds on.

The server layer does everything generic (decode, validators and plan modifiers from the
schema file, error mapping, private state, identity); a subclass only translates between
Terraform values and the array. Values are plain dicts keyed by attribute name, in the
codec's value model (numbers are `Decimal`, unknowns are `codec.Unknown`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from dellsc.resources import outage
from dellsc.schema.loader import schema
from dellsc.schema.model import Schema
from dellsc.schema.validators import hidden_character
from dellsc.tf.diagnostics import AttrPath, Diagnostics

if TYPE_CHECKING:
    from dellsc.host import ProviderHost

Values = dict[str, Any]


@dataclass
class PlanChange:
    """A plan under construction, handed to `Resource.modify_plan` to refine."""

    prior: Values | None
    planned: Values
    config: Values
    diags: Diagnostics
    requires_replace: list[AttrPath] = field(default_factory=list)
    # the create half of a replacement: the id of the object it replaces
    replaces: str | None = None

    def changed(self, name: str) -> bool:
        """True when this attribute's planned value differs from the prior state."""
        return self.prior is not None and self.planned.get(name) != self.prior.get(name)


def import_name(import_id: str, name: str, example: str, diags: Diagnostics) -> str | None:
    """The name of a `name:<name>` import ID, or None with an "Invalid Import ID" error when
    it is blank or holds control characters (no such name can exist on the array)."""
    hidden = hidden_character(name)
    if name.strip() and not hidden:
        return name
    problem = f"The name in {import_id!r} {hidden}" if hidden else f"{import_id!r} names nothing"
    diags.error(
        "Invalid Import ID", f"{problem}. Write the exact name after name:, such as {example}."
    )
    return None


class Resource:
    """One Terraform resource type. Subclasses implement the CRUD hooks against the array."""

    type_name: ClassVar[str]

    def __init__(self, provider: ProviderHost) -> None:
        self.provider = provider

    @classmethod
    def schema(cls) -> Schema:
        return schema("resources", cls.type_name)

    def validate(self, config: Values, diags: Diagnostics) -> None:
        """Checks across attributes, beyond the schema's validators. Pure: no array calls."""

    def modify_plan(self, change: PlanChange) -> None:
        """Plan-time checks and predictions. May read from the array, never write."""

    def home_ssn(self, state: Values) -> int | None:
        """The Storage Center the object lives on (from its id by default)."""
        return outage.home_ssn(state.get("id"))

    def refresh(self, state: Values, diags: Diagnostics) -> Values | None:
        """`read`, except that an object whose Storage Center is unreachable keeps its last
        known state (one warning per type, see `outage`)."""
        ssn = self.home_ssn(state)
        if outage.known_down(self.provider, ssn):
            assert ssn is not None
            outage.warn(self.provider, self.type_name, ssn, None, diags)
            return state
        try:
            return self.read(state, diags)
        except Exception as exc:
            if ssn is None or not outage.unreachable(self.provider, exc, ssn):
                raise
            outage.warn(self.provider, self.type_name, ssn, exc, diags)
            return state

    def plan(self, change: PlanChange) -> None:
        """`modify_plan`, except that a plan whose checks need an unreachable Storage Center
        keeps the generic plan (for an unchanged object: its last known state)."""
        planned, replace = dict(change.planned), list(change.requires_replace)
        try:
            self.modify_plan(change)
        except Exception as exc:
            ssn = self.home_ssn(change.prior or change.planned)
            if ssn is None or not outage.unreachable(self.provider, exc, ssn):
                raise
            change.planned.clear()
            change.planned.update(planned)
            change.requires_replace[:] = replace
            outage.warn(self.provider, self.type_name, ssn, exc, change.diags)

    def check_single_owner(self, prior: Values | None, diags: Diagnostics) -> None:
        """Warn when a second resource in this run holds the same object id in its state
        (e.g. imported twice): each would overwrite the other's changes. Call from
        modify_plan."""
        object_id = (prior or {}).get("id")
        if isinstance(object_id, str) and not self.provider.first_plan_of(
            self.type_name, object_id
        ):
            diags.warning(
                "Object Managed By Two Resources",
                f"{self.type_name} {object_id} is in the state of more than one resource of "
                "this configuration. Each apply would undo the other's changes and destroying "
                "either removes it for both. Keep one: remove the other with `terraform state "
                "rm` (or a `removed` block).",
                AttrPath("id"),
            )

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        """Plan-time checks of a destroy (e.g. a policy that forbids it)."""

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        raise NotImplementedError

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        """The current remote state, or None when the object is gone."""
        raise NotImplementedError

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        raise NotImplementedError

    def delete(self, state: Values, diags: Diagnostics) -> None:
        """Remove (or release) the object; an object already gone is success."""
        raise NotImplementedError

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        """An import stub (usually just `id`) that `read` then fills in."""
        raise NotImplementedError

    def import_id(self, identity: Values) -> str:
        """The import ID that designates the object a resource identity names."""
        return str(identity.get("id") or "")

    def upgrade_state(self, version: int, state: Values) -> Values:
        """Migrate state written by an older schema version. Pure data transformation."""
        return state

    def identity(self, state: Values) -> Values:
        """The resource identity of an object in this state (schema `identity` attributes)."""
        return {a.name: state.get(a.name) for a in self.schema().identity}
