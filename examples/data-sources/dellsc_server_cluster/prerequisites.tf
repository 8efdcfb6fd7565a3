# Not part of the example: what it reads, made outside its configuration (the tests apply this
# first, in a working directory of its own, on a fresh array: the cluster gets ID 64702.3).
resource "dellsc_server" "esx21" {
  name             = "esx21"
  iscsi_initiators = ["iqn.1998-01.com.vmware:esx21"]
}

resource "dellsc_server_cluster" "prod" {
  name       = "esx-prod"
  server_ids = [dellsc_server.esx21.id]
}
