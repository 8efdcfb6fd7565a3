"""`action "dellsc_snapshot"`: take a replay of each listed volume now (Terraform 1.14+).

Each replay is taken like a `dellsc_snapshot` create (§6.3: an inactive volume is activated
first, leaving no mapping), one volume after the other; the first failure stops the action,
so a `before_update` trigger keeps the risky change from running without its snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator

from dellsc.actions.base import Action, Values
from dellsc.resources.replays import VOLUME_ID
from dellsc.sc import errors
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import contains_unknown, is_unknown

_VOLUMES = AttrPath("volume_ids")


class SnapshotAction(Action):
    type_name = "dellsc_snapshot"

    def validate(self, config: Values, diags: Diagnostics) -> None:
        ids = config.get("volume_ids")
        if ids is None or is_unknown(ids):
            return
        if not ids:
            diags.error(
                "No Volumes To Snapshot", "volume_ids must list at least one volume.", _VOLUMES
            )
        for volume_id in ids:
            if not is_unknown(volume_id) and not VOLUME_ID.fullmatch(volume_id):
                diags.error(
                    "Invalid Volume ID",
                    f"volume_ids element {volume_id!r} is not a volume instance ID such as "
                    "64702.101.",
                    _VOLUMES,
                )

    def plan(self, config: Values, diags: Diagnostics) -> None:
        ids = config.get("volume_ids")
        if ids is None or contains_unknown(ids) or self.provider.catalog is None:
            return
        client = self.provider.client()
        for volume_id in ids:
            try:
                client.get_volume(volume_id)
            except errors.ScNotFound:
                diags.error(
                    "Volume Not Found",
                    f"volume_ids element {volume_id!r} names no volume on Storage Center "
                    f"{client.ssn}.",
                    _VOLUMES,
                )

    def invoke(self, config: Values, diags: Diagnostics) -> Iterator[str]:
        client = self.provider.client()
        name = config["name"]
        minutes = int(config.get("expire_minutes") or 0)
        for volume_id in config["volume_ids"]:
            yield f"Taking snapshot {name!r} of volume {volume_id}"
            try:
                replay = client.create_replay(volume_id, name, minutes)
            except errors.ScError as exc:
                diags.error(
                    "Snapshot Failed",
                    f"Taking snapshot {name!r} of volume {volume_id} failed: {exc}",
                    _VOLUMES,
                )
                return
            yield f"Volume {volume_id}: snapshot {replay.instance_id} taken"
