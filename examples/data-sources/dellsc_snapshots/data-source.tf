# Every live snapshot of a volume, newest first.
data "dellsc_snapshots" "db" {
  volume_id = "64702.101"
}

output "latest_snapshot_id" {
  value = data.dellsc_snapshots.db.snapshots[0].id
}
