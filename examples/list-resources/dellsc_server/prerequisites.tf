# Not part of the example: what it lists, made outside its configuration (the tests apply this
# first, in a working directory of its own, then query, generate and import).
resource "dellsc_server" "esx" {
  name             = "esx-01"
  iscsi_initiators = ["iqn.1998-01.com.vmware:esx-01-4c1a2b3d"]
}

resource "dellsc_server" "db" { # not listed: another name
  name             = "db-01"
  iscsi_initiators = ["iqn.1994-05.com.redhat:db-01"]
}
