# clusters.tfquery.hcl, next to the configuration; then:
#   terraform query -generate-config-out=generated.tf
list "dellsc_server_cluster" "esx" {
  provider = dellsc
  config {
    name_regex = "^esx-"
  }
}
