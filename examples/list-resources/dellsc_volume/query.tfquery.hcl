# volumes.tfquery.hcl, next to the configuration; then:
#   terraform query -generate-config-out=generated.tf
list "dellsc_volume" "databases" {
  provider = dellsc
  limit    = 1000
  config {
    name_regex = "^db-"
    folder     = "prod/db"
  }
}
