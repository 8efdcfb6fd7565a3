"""`dellsc_server_cluster`: one server cluster, by id or name, with its members."""

from __future__ import annotations

from dellsc.data_sources.base import DataSource, Values
from dellsc.data_sources.lookup import one
from dellsc.resources.server_cluster import read_cluster
from dellsc.tf.diagnostics import AttrPath, Diagnostics


class ServerClusterDataSource(DataSource):
    type_name = "dellsc_server_cluster"

    def read(self, config: Values, diags: Diagnostics) -> Values:
        from dellsc.sc.clusters import is_cluster

        client = self.provider.client()
        cluster = one(
            "Server Cluster",
            config,
            client.get_server,
            client.find_clusters,
            lambda s: s.instance_id,
            diags,
            f"Storage Center {client.ssn}",
        )
        if cluster is not None and not is_cluster(cluster):
            diags.error(
                "Not A Server Cluster",
                f"{cluster.instance_id} is a {cluster.type} server, not a server cluster.",
                AttrPath("id"),
            )
            cluster = None
        values = read_cluster(client, cluster.instance_id, {}) if cluster is not None else None
        if values is None:
            return dict(config)
        return {**values, "status": cluster.status if cluster is not None else None}
