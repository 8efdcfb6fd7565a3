"""`list "dellsc_volume"`: the volumes of the Storage Center, filtered by name and folder."""

from __future__ import annotations

from collections.abc import Iterable

from dellsc.list_resources.base import Found, NameFolderList
from dellsc.resources.marks import Notes


class VolumeList(NameFolderList):
    type_name = "dellsc_volume"

    def found(self) -> Iterable[Found]:
        for volume in self.provider.client().list_volumes():
            owner = Notes.parse(volume.notes).owner
            yield Found(
                volume.name, volume.volume_folder_path.strip("/"), volume.instance_id, owner
            )
