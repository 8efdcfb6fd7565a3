# group-snapshots.tfquery.hcl, next to the configuration; then:
#   terraform query -generate-config-out=generated.tf
# The prerequisites were made by another configuration: include_managed lists them too (take
# over only what that configuration gave up, with `terraform state rm` there first).
list "dellsc_consistency_group_snapshot" "weekly" {
  provider = dellsc
  config {
    consistency_group_id = "64702.11"
    name_regex           = "^weekly-"
    include_managed      = true
  }
}
