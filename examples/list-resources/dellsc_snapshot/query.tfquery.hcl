# snapshots.tfquery.hcl, next to the configuration; then:
#   terraform query -generate-config-out=generated.tf
list "dellsc_snapshot" "nightly" {
  provider = dellsc
  config {
    volume_id  = "64702.101"
    name_regex = "^nightly-"
  }
}
