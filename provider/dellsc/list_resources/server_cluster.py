"""`list "dellsc_server_cluster"`: the server clusters of the Storage Center."""

from __future__ import annotations

from collections.abc import Iterable

from dellsc.list_resources.base import Found, NameFolderList


class ServerClusterList(NameFolderList):
    type_name = "dellsc_server_cluster"

    def found(self) -> Iterable[Found]:
        from dellsc.sc.clusters import is_cluster

        for server in self.provider.client().servers():
            if is_cluster(server):
                yield Found(server.name, server.server_folder_path.strip("/"), server.instance_id)
