"""`list "dellsc_server"`: the physical servers of the Storage Center, by name and folder."""

from __future__ import annotations

from collections.abc import Iterable

from dellsc.list_resources.base import Found, NameFolderList


class ServerList(NameFolderList):
    type_name = "dellsc_server"

    def found(self) -> Iterable[Found]:
        for server in self.provider.client().servers():
            if server.type == "Physical":  # what dellsc_server manages
                yield Found(server.name, server.server_folder_path.strip("/"), server.instance_id)
