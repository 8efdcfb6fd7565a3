"""Rewriting a volume's Notes without losing what others wrote there.

A volume's Notes hold the user's text and the provider's marks, some of them written by other
resources (the snapshots and mappings of the volume record themselves there). Every rewrite
reads the Notes fresh and changes only its own part, one rewrite per volume at a time in this
process.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from dellsc.resources.marks import Notes

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScVolume

_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_guard = threading.Lock()


def rewrite(client: ScClient, volume_id: str, change: Callable[[Notes], Notes]) -> ScVolume:
    """Apply `change` to the volume's Notes as they are now; one PUT, none if unchanged."""
    with _guard:
        lock = _locks[volume_id]
    with lock:
        volume = client.fresh_volume(volume_id)
        notes = change(Notes.parse(volume.notes)).render()
        if notes == volume.notes:
            return volume
        return client.update_volume(volume_id, notes=notes)
