resource "dellsc_volume" "data" {
  name    = "orders-data"
  size_gb = 500
}

resource "dellsc_volume" "log" {
  name    = "orders-log"
  size_gb = 100
}

resource "dellsc_consistency_group" "orders" {
  name       = "orders-db"
  volume_ids = [dellsc_volume.data.id, dellsc_volume.log.id]
}

# Every member of the group frozen at the same instant, kept for a week.
resource "dellsc_consistency_group_snapshot" "before_upgrade" {
  consistency_group_id = dellsc_consistency_group.orders.id
  name                 = "orders-before-upgrade"
  expire_minutes       = 7 * 24 * 60
}

output "data_snapshot_id" {
  value = dellsc_consistency_group_snapshot.before_upgrade.snapshots[dellsc_volume.data.id]
}
