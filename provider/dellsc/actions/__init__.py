"""Action types, one module each; ACTIONS must list exactly the files in schemas/actions."""

from dellsc.actions.base import Action

ACTIONS: dict[str, type[Action]] = {}
