# A snapshot taken outside Terraform, found by its volume and name...
data "dellsc_snapshot" "nightly" {
  volume_id = "64702.101"
  name      = "nightly-2026-11-29"
}

# ...or by its replay ID.
data "dellsc_snapshot" "by_id" {
  id = "64702.101.7"
}

# A test copy of production data, made from that snapshot.
resource "dellsc_volume" "db_test" {
  name               = "db01-test"
  size_gb            = 100
  source_snapshot_id = data.dellsc_snapshot.nightly.id
}
