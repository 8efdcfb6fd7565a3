"""`list "dellsc_snapshot"`: the live snapshots (replays) of one volume, or of every volume."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dellsc.list_resources.base import Listed, ListResource, Values
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
            replays = [r for r in client.volume_replays(volume.instance_id) if is_live(r)]
            for replay in sorted(replays, key=lambda r: r.instance_id):
                if pattern is not None and not pattern.search(replay.description):
                    continue
                yield Listed(
                    f"{volume.name}: {replay.description} ({replay.instance_id})",
                    {"id": replay.instance_id},
                )
