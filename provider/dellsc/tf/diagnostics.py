"""Diagnostics: what the provider tells the user, with the attribute at fault (a leaf module).

Terraform anchors a diagnostic that carries an attribute path to the source range of that
argument, so every user error names its path when one attribute is to blame.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

ERROR = 1
WARNING = 2


@dataclass(frozen=True)
class AttrPath:
    """A path into a config object: attribute names, list indexes and map keys."""

    steps: tuple[str | int, ...]

    def __init__(self, *steps: str | int) -> None:
        object.__setattr__(self, "steps", tuple(steps))

    def __str__(self) -> str:
        text = ""
        for step in self.steps:
            text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
        return text

    def child(self, step: str | int) -> AttrPath:
        return AttrPath(*self.steps, step)


@dataclass(frozen=True)
class Diagnostic:
    severity: int
    summary: str
    detail: str = ""
    path: AttrPath | None = None


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics; errors make an operation fail."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, summary: str, detail: str = "", path: AttrPath | None = None) -> None:
        self.items.append(Diagnostic(ERROR, summary, detail, path))

    def warning(self, summary: str, detail: str = "", path: AttrPath | None = None) -> None:
        self.items.append(Diagnostic(WARNING, summary, detail, path))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
