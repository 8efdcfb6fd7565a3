resource "dellsc_volume" "db" {
  name    = "db01"
  size_gb = 100
}

# A snapshot kept for a week; on destroy it expires at once (deletion_policy = "DELETE").
resource "dellsc_snapshot" "before_upgrade" {
  volume_id      = dellsc_volume.db.id
  name           = "before-upgrade"
  expire_minutes = 10080
}

# A larger test volume made from the snapshot, and a full clone of the live volume.
resource "dellsc_volume" "db_test" {
  name               = "db01-test"
  size_gb            = 200
  source_snapshot_id = dellsc_snapshot.before_upgrade.id
}

resource "dellsc_volume" "db_clone" {
  name             = "db01-clone"
  size_gb          = 100
  source_volume_id = dellsc_volume.db.id
}
