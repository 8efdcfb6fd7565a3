data "dellsc_snapshot_profiles" "all" {}

# Only the schedule-based profiles can go in dellsc_volume.replay_profiles.
output "standard_snapshot_profiles" {
  value = [for p in data.dellsc_snapshot_profiles.all.profiles : p.name if p.type == "Standard"]
}
