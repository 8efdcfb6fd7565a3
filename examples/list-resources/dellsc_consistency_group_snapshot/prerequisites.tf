# Not part of the example: what it lists, made outside its configuration (the tests apply this
# first, in a working directory of its own, on a fresh array: the group gets ID 64702.11).
resource "dellsc_volume" "data" {
  name    = "orders-data"
  size_gb = 10
}

resource "dellsc_volume" "log" {
  name    = "orders-log"
  size_gb = 10
}

resource "dellsc_consistency_group" "db" {
  name       = "orders-db"
  volume_ids = [dellsc_volume.data.id, dellsc_volume.log.id]
}

resource "dellsc_consistency_group_snapshot" "weekly" {
  consistency_group_id = dellsc_consistency_group.db.id
  name                 = "weekly-2026-11-29"
  expire_minutes       = 10080
}
