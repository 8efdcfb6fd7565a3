# Not part of the example: what it lists, made outside its configuration (the tests apply this
# first, in a working directory of its own, on a fresh array: the volume gets ID 64702.101).
resource "dellsc_volume" "db" {
  name    = "db01"
  size_gb = 100
}

resource "dellsc_snapshot" "nightly" {
  volume_id      = dellsc_volume.db.id
  name           = "nightly-2026-11-29"
  expire_minutes = 10080
}

resource "dellsc_snapshot" "manual" { # not listed: another name
  volume_id      = dellsc_volume.db.id
  name           = "before-upgrade"
  expire_minutes = 10080
}
