"""`list "dellsc_volume"`: the volumes of the Storage Center, filtered by name and folder."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dellsc.list_resources.base import Listed, ListResource, Values
from dellsc.resources.volume import folder_path
from dellsc.tf.diagnostics import AttrPath, Diagnostics


class VolumeList(ListResource):
    type_name = "dellsc_volume"

    def validate(self, config: Values, diags: Diagnostics) -> None:
        pattern = config.get("name_regex")
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as exc:
                diags.error(
                    "Invalid Regular Expression",
                    f"name_regex {pattern!r} is not a valid regular expression: {exc}.",
                    AttrPath("name_regex"),
                )

    def list(self, config: Values, diags: Diagnostics) -> Iterator[Listed]:
        client = self.provider.client()
        pattern = re.compile(config["name_regex"]) if config.get("name_regex") else None
        folder = config.get("folder")
        wanted = folder_path(folder) if isinstance(folder, str) else None
        volumes = sorted(client.list_volumes(), key=lambda v: (v.name, v.instance_id))
        for volume in volumes:
            path = volume.volume_folder_path.strip("/")
            if pattern is not None and not pattern.search(volume.name):
                continue
            if wanted is not None and path != wanted:
                continue
            where = f"{path}/" if path else ""
            yield Listed(f"{where}{volume.name} ({volume.instance_id})", {"id": volume.instance_id})
