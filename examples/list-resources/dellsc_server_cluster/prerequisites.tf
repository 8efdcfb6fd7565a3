# Not part of the example: what it lists, made outside its configuration (the tests apply this
# first, in a working directory of its own, then query, generate and import).
resource "dellsc_server_cluster" "esx" {
  name = "esx-prod"
}

resource "dellsc_server_cluster" "hyperv" { # not listed: another name
  name = "hyperv-prod"
}
