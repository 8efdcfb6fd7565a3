"""What the provider keeps in an object's Notes, kept apart from the user's own text.

Notes are the user's text (or the provider's default, `Created by terraform-provider-dellsc`)
followed by the provider's marks, each `[dellsc:<kind> <value>]`:

- `owner <id>`: the Terraform state (see `dellsc.tf.state_owner`) that created the object.
  Written with the create request itself and never cleared: a create adopts a same-named
  object only when it carries its own owner, and refuses one that carries another.
- `source snapshot <replay id>` / `source volume <volume id>`: what a volume was made from
  (a creation fact: import restores it).
- `copying`: a clone whose copy has not finished.
- `snaps <owner>=<replay index>,... ...` (on a volume): the snapshots of the volume that each
  state took, and `<owner>=~<key>><index>` for a group snapshot being taken (its intent).
- `maps <server id>=<owner> ...` (on a volume): which state mapped the volume to which server.
- `migrated <volume id>`: the volume a migration to another Storage Center put in place of
  that one (so a read after an interrupted apply still finds it).
- `pending <token>`: left by an interrupted create of an earlier version (read only).

Objects made by earlier versions carry no marks, or `... from snapshot <id>`, `... cloning <id>`
or `... clone of <id>` after the default text: those read as the same facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from dellsc.sc.notes import DEFAULT_NOTES

_MARK = re.compile(r"\s*\[dellsc:([a-z]+)(?: ([^\[\]]*))?\]")
_LEGACY = re.compile(
    re.escape(DEFAULT_NOTES) + r" (from snapshot|cloning|clone of) (\d+(?:\.\d+)+)$"
)
# the order marks are written in
_KINDS = ("owner", "source", "migrated", "copying", "snaps", "maps", "pending")
RESERVED = "[dellsc:"


@dataclass(frozen=True)
class Notes:
    """An object's Notes, split into the user's text and the provider's marks."""

    text: str
    marks: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, notes: str | None) -> Notes:
        raw = notes or ""
        marks = {m.group(1): (m.group(2) or "").strip() for m in _MARK.finditer(raw)}
        text = _MARK.sub("", raw).strip()
        legacy = _LEGACY.fullmatch(text)
        if legacy is not None and "source" not in marks:
            kind = "snapshot" if legacy.group(1) == "from snapshot" else "volume"
            marks["source"] = f"{kind} {legacy.group(2)}"
            if legacy.group(1) == "cloning":
                marks["copying"] = ""
            text = DEFAULT_NOTES
        return cls(text, marks)

    def render(self) -> str:
        parts = [self.text] if self.text else []
        for kind in sorted(self.marks, key=lambda k: _KINDS.index(k) if k in _KINDS else 99):
            value = self.marks[kind]
            parts.append(f"[dellsc:{kind} {value}]" if value else f"[dellsc:{kind}]")
        return " ".join(parts)

    def with_text(self, text: str) -> Notes:
        return replace(self, text=text.strip())

    def with_mark(self, kind: str, value: str | None) -> Notes:
        """These notes with mark `kind` set to `value` (None removes it)."""
        marks = dict(self.marks)
        if value is None:
            marks.pop(kind, None)
        else:
            marks[kind] = value
        return replace(self, marks=marks)

    @property
    def owner(self) -> str | None:
        return self.marks.get("owner") or None

    @property
    def legacy_pending(self) -> bool:
        """An interrupted create of an earlier version, with no owner."""
        return "pending" in self.marks and self.owner is None

    @property
    def source(self) -> tuple[str, str] | None:
        """("snapshot" | "volume", id) the volume was made from, or None."""
        kind, _, source_id = self.marks.get("source", "").partition(" ")
        return (kind, source_id) if kind in ("snapshot", "volume") and source_id else None

    @property
    def copying(self) -> bool:
        return "copying" in self.marks

    # -- ledgers -------------------------------------------------------------------------

    def snaps(self) -> dict[str, list[str]]:
        """owner -> entries (replay indexes, or `~<key>><index>` intents) of the `snaps` mark."""
        out: dict[str, list[str]] = {}
        for item in self.marks.get("snaps", "").split():
            owner, _, entries = item.partition("=")
            if owner and entries:
                out.setdefault(owner, []).extend(e for e in entries.split(",") if e)
        return out

    def with_snaps(self, ledger: dict[str, list[str]]) -> Notes:
        items = [f"{o}={','.join(e)}" for o, e in sorted(ledger.items()) if e]
        return self.with_mark("snaps", " ".join(items) or None)

    def snapshot_owner(self, index: str) -> str | None:
        """The state whose snapshot the volume's replay with this index is, if recorded."""
        return next((o for o, e in self.snaps().items() if index in e), None)

    def maps(self) -> dict[str, str]:
        """server id -> owner of the `maps` mark."""
        pairs = (item.partition("=") for item in self.marks.get("maps", "").split())
        return {server: owner for server, _, owner in pairs if server and owner}

    def with_maps(self, ledger: dict[str, str]) -> Notes:
        items = [f"{s}={o}" for s, o in sorted(ledger.items())]
        return self.with_mark("maps", " ".join(items) or None)


def user_text(notes: str | None) -> str:
    """What the user (or the provider's default) wrote, without the provider's marks."""
    return Notes.parse(notes).text


def new_notes(text: str | None, owner: str, **marks: str) -> str:
    """The Notes a create writes: the text (default: the provider's), the owner, `marks`."""
    notes = Notes(text if text is not None else DEFAULT_NOTES, {"owner": owner, **marks})
    return notes.render()


def replay_index(replay_id: str) -> str:
    """The last part of a replay id (`64702.101.3` -> `3`): its index on its volume."""
    return replay_id.rsplit(".", 1)[-1]


def prune(ledger: dict[str, list[str]], live: Iterable[str]) -> dict[str, list[str]]:
    """The ledger without the replay indexes that are not `live` (intents are kept)."""
    keep = set(live)
    return {o: [e for e in es if e.startswith("~") or e in keep] for o, es in ledger.items()}
