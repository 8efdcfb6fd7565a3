"""Action types, one module each; ACTIONS must list exactly the files in schemas/actions."""

from dellsc.actions.base import Action
from dellsc.actions.failover import FailoverAction
from dellsc.actions.snapshot import SnapshotAction

ACTIONS: dict[str, type[Action]] = {a.type_name: a for a in (SnapshotAction, FailoverAction)}
