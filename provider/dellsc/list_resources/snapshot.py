"""`list "dellsc_snapshot"`: the live snapshots (replays) of one volume, or of every volume.

Left out unless asked for: snapshots another configuration manages (recorded on their volume,
see `dellsc.resources.marks`) and the members of group snapshots (listed by
`list "dellsc_consistency_group_snapshot"`, under their group snapshot).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dellsc.list_resources.base import Listed, ListResource, Values, managed
from dellsc.resources.marks import Notes, replay_index
from dellsc.resources.replays import is_live
from dellsc.tf.diagnostics import Diagnostics


class SnapshotList(ListResource):
    """`name_regex` is searched in the snapshot's name (the replay description)."""

    type_name = "dellsc_snapshot"

    def list(self, config: Values, diags: Diagnostics) -> Iterator[Listed]:
        client = self.provider.client()
        pattern = re.compile(config["name_regex"]) if config.get("name_regex") else None
        volume_id = config.get("volume_id")
        volumes = [client.get_volume(volume_id)] if volume_id else client.list_volumes()
        for volume in sorted(volumes, key=lambda v: (v.name, v.instance_id)):
            notes = Notes.parse(volume.notes)
            replays = [r for r in client.volume_replays(volume.instance_id) if is_live(r)]
            for replay in sorted(replays, key=lambda r: r.instance_id):
                if pattern is not None and not pattern.search(replay.description):
                    continue
                if replay.consistent and not config.get("include_group_members"):
                    continue
                owner = notes.snapshot_owner(replay_index(replay.instance_id))
                skip, note = managed(owner, config)
                if skip:
                    continue
                member = ", in a group snapshot" if replay.consistent else ""
                yield Listed(
                    f"{volume.name}: {replay.description} ({replay.instance_id}{member}{note})",
                    {"id": replay.instance_id},
                )
