# servers.tfquery.hcl, next to the configuration; then:
#   terraform query -generate-config-out=generated.tf
# The prerequisites were made by another configuration: include_managed lists them too (take
# over only what that configuration gave up, with `terraform state rm` there first).
list "dellsc_server" "esx" {
  provider = dellsc
  config {
    name_regex      = "^esx-"
    include_managed = true
  }
}
