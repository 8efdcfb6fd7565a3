# servers.tfquery.hcl, next to the configuration; then:
#   terraform query -generate-config-out=generated.tf
list "dellsc_server" "esx" {
  provider = dellsc
  config {
    name_regex = "^esx-"
  }
}
