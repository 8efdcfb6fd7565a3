# Not part of the example: what it reads, made outside its configuration (the tests apply this
# first, in a working directory of its own, on a fresh array: the volume gets ID 64702.101).
resource "dellsc_volume" "scratch" {
  name    = "scratch"
  size_gb = 10
}

resource "dellsc_server" "esx01" {
  name             = "esx01"
  iscsi_initiators = ["iqn.1998-01.com.vmware:esx01-4c1a2b3d"]
}
