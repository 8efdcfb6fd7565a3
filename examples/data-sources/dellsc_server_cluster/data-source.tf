data "dellsc_server_cluster" "prod" {
  name = "esx-prod" # or: id = "64702.3"
}

# A datastore for every host of a cluster managed elsewhere.
resource "dellsc_volume" "scratch" {
  name    = "ds-scratch"
  size_gb = 100
}

resource "dellsc_volume_mapping" "scratch" {
  volume_id = dellsc_volume.scratch.id
  server_id = data.dellsc_server_cluster.prod.id
}

output "prod_hosts" {
  value = data.dellsc_server_cluster.prod.server_ids
}
