# Not part of the example: what it lists, made outside its configuration (the tests apply this
# first, in a working directory of its own, then query, generate and import).
resource "dellsc_volume" "orders" {
  name    = "db-orders"
  size_gb = 10
  folder  = "prod/db"
}

resource "dellsc_volume" "web" { # not listed: another name
  name    = "web-01"
  size_gb = 10
  folder  = "prod/db"
}
