"""`dellsc_snapshot` (one replay, by id or by volume and name) and `dellsc_snapshots` (all
live replays of a volume, newest first): replays made outside Terraform, usable as sources."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from dellsc.data_sources.base import DataSource, Values
from dellsc.resources.replays import is_live, named, parse_time, snapshot_values
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics

if TYPE_CHECKING:
    from dellsc.sc import ScClient
    from dellsc.sc.models import ScReplay

_EPOCH = dt.datetime.fromtimestamp(0, dt.UTC)


def _volume_replays(client: ScClient, volume_id: str, diags: Diagnostics) -> list[ScReplay]:
    try:
        return client.volume_replays(volume_id)
    except errors.ScNotFound:
        diags.error(
            "Volume Not Found",
            f"volume_id {volume_id!r} names no volume on Storage Center {client.ssn}.",
            AttrPath("volume_id"),
        )
        return []


class SnapshotDataSource(DataSource):
    type_name = "dellsc_snapshot"

    def validate(self, config: Values, diags: Diagnostics) -> None:
        by_id = config.get("id") is not None
        by_name = config.get("volume_id") is not None and config.get("name") is not None
        if by_id == by_name:
            diags.error(
                "Snapshot Not Specified" if not by_id else "Conflicting Snapshot Lookups",
                "Set either id, or both volume_id and name.",
                AttrPath("id"),
            )

    def read(self, config: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        replay: ScReplay | None = None
        if config.get("id") is not None:
            try:
                replay = client.get_replay(config["id"])
            except errors.ScNotFound:
                replay = None
            if replay is None or not is_live(replay):
                diags.error(
                    "Snapshot Not Found", f"No live snapshot has the id {config['id']!r}.",
                    AttrPath("id"),
                )  # fmt: skip
                return config
        else:
            volume_id, name = config["volume_id"], config["name"]
            found = named(_volume_replays(client, volume_id, diags), name)
            if diags.has_errors:
                return config
            if len(found) != 1:
                ids = ", ".join(r.instance_id for r in found)
                diags.error(
                    "Snapshot Not Found" if not found else "Snapshot Name Not Unique",
                    f"{len(found)} live snapshots of volume {volume_id} are named {name!r}"
                    + (f" ({ids}); use id instead." if found else "."),
                    AttrPath("name"),
                )
                return config
            replay = found[0]
        return snapshot_values(replay)


class SnapshotsDataSource(DataSource):
    type_name = "dellsc_snapshots"

    def read(self, config: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        live = [r for r in _volume_replays(client, config["volume_id"], diags) if is_live(r)]
        live.sort(key=lambda r: (parse_time(r.freeze_time) or _EPOCH, _index(r)), reverse=True)
        snapshots = []
        for replay in live:
            values = snapshot_values(replay)
            del values["volume_id"]
            snapshots.append(values)
        return {"volume_id": config["volume_id"], "snapshots": snapshots}


def _index(replay: ScReplay) -> int:
    last = replay.instance_id.rsplit(".", 1)[-1]
    return int(last) if last.isdigit() else 0
