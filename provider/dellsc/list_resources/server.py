"""`list "dellsc_server"`: the physical servers of the Storage Center, by name and folder."""

from __future__ import annotations

from collections.abc import Iterable

from dellsc.list_resources.base import Found, NameFolderList
from dellsc.resources.marks import Notes
from dellsc.sc.notes import ACTIVATION_SERVER


class ServerList(NameFolderList):
    """The activation server (`dellsc-activation`) counts as managed by the provider."""

    type_name = "dellsc_server"

    def found(self) -> Iterable[Found]:
        for server in self.provider.client().servers():
            if server.type != "Physical":  # what dellsc_server manages
                continue
            owner = Notes.parse(server.notes).owner
            if server.name.casefold() == ACTIVATION_SERVER:
                owner = "terraform-provider-dellsc"
            yield Found(server.name, server.server_folder_path.strip("/"), server.instance_id,
                        owner)  # fmt: skip
