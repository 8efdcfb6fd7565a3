resource "dellsc_volume" "pg_data" {
  name    = "pg-data"
  size_gb = 50
}

# The path every Linux host the volume is mapped to sees it at, and its first partition's,
# for an fstab line or a cloud-init disk_setup.
output "pg_data_device" {
  value = provider::dellsc::wwn_device_path(dellsc_volume.pg_data.wwn)
}

output "pg_data_fstab" {
  value = "${provider::dellsc::wwn_device_path(dellsc_volume.pg_data.wwn, 1)} /var/lib/pgsql xfs defaults,_netdev 0 0"
}
