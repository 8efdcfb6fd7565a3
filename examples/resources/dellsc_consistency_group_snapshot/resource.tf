# Every member of the group frozen at the same instant, kept for a week.
resource "dellsc_consistency_group_snapshot" "before_upgrade" {
  consistency_group_id = dellsc_consistency_group.orders.id
  name                 = "orders-before-upgrade"
  expire_minutes       = 7 * 24 * 60
}

output "data_snapshot_id" {
  value = dellsc_consistency_group_snapshot.before_upgrade.snapshots[dellsc_volume.data.id]
}
