"""`list "dellsc_consistency_group_snapshot"`: the live group snapshots of one consistency
group, or of every one, each shown with its member snapshots. Those another configuration
manages (recorded on a member's volume, see `dellsc.resources.marks`) are left out unless
`include_managed` is true."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dellsc.list_resources.base import Listed, ListResource, Values, managed
from dellsc.resources.marks import Notes, replay_index
from dellsc.resources.replays import is_live
from dellsc.sc import errors
from dellsc.tf.diagnostics import Diagnostics


class GroupSnapshotList(ListResource):
    """`name_regex` is searched in the group snapshot's name (its description)."""

    type_name = "dellsc_consistency_group_snapshot"

    def list(self, config: Values, diags: Diagnostics) -> Iterator[Listed]:
        client = self.provider.client()
        pattern = re.compile(config["name_regex"]) if config.get("name_regex") else None
        group_id = config.get("consistency_group_id")
        groups = [client.get_replay_profile(group_id)] if group_id else client.consistent_profiles()
        for group in sorted(groups, key=lambda g: (g.name, g.instance_id)):
            for snapshot in sorted(
                client.consistency_groups(group.instance_id), key=lambda s: s.instance_id
            ):
                if pattern is not None and not pattern.search(snapshot.description):
                    continue
                try:
                    members = [
                        r
                        for r in client.consistency_group_replays(snapshot.instance_id)
                        if is_live(r) and r.create_volume is not None
                    ]
                except errors.ScNotFound:
                    continue
                if not members:
                    continue
                owners = {
                    Notes.parse(
                        client.get_volume(r.create_volume.instance_id).notes
                    ).snapshot_owner(replay_index(r.instance_id))
                    for r in members
                    if r.create_volume is not None
                } - {None}
                skip, note = managed(next(iter(sorted(str(o) for o in owners)), None), config)
                if skip:
                    continue
                shown = ", ".join(
                    f"{r.create_volume.instance_name}: {r.instance_id}"
                    for r in members
                    if r.create_volume is not None
                )
                yield Listed(
                    f"{group.name}: {snapshot.description} ({snapshot.instance_id}; {shown}{note})",
                    {"id": snapshot.instance_id},
                )
