"""`dellsc_server`: one server, by id or name, with its initiators."""

from __future__ import annotations

from dellsc.data_sources.base import DataSource, Values
from dellsc.data_sources.lookup import one
from dellsc.resources.server import server_state
from dellsc.tf.diagnostics import Diagnostics


class ServerDataSource(DataSource):
    type_name = "dellsc_server"

    def read(self, config: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        server = one(
            "Server",
            config,
            client.get_server,
            client.find_servers,
            lambda s: s.instance_id,
            diags,
            f"Storage Center {client.ssn}",
        )
        if server is None:
            return dict(config)
        values = server_state(server, client.server_hbas(server.instance_id), {})
        return {
            **values,
            "iscsi_initiators": values["iscsi_initiators"] or [],
            "fc_wwpns": values["fc_wwpns"] or [],
            "type": server.type,
            "status": server.status,
        }
