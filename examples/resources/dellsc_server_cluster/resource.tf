resource "dellsc_server" "esx" {
  for_each         = toset(["esx11", "esx12", "esx13"])
  name             = each.key
  operating_system = "VMware ESXi 6.5"
  iscsi_initiators = ["iqn.1998-01.com.vmware:${each.key}"]
}

# The cluster: a datastore mapped to it reaches every host at one LUN.
resource "dellsc_server_cluster" "prod" {
  name             = "esx-prod"
  operating_system = "VMware ESXi 6.5"
  folder           = "vmware/prod"
  server_ids       = [for s in dellsc_server.esx : s.id]
}

resource "dellsc_volume" "datastore" {
  name    = "ds-prod-01"
  size_gb = 2048
}

resource "dellsc_volume_mapping" "datastore" {
  volume_id = dellsc_volume.datastore.id
  server_id = dellsc_server_cluster.prod.id
}

output "datastore_lun" {
  value = dellsc_volume_mapping.datastore.lun # the same on every host
}
