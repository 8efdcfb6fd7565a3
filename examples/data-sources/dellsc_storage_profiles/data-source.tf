data "dellsc_storage_profiles" "all" {}

output "storage_profile_names" {
  value = data.dellsc_storage_profiles.all.names
}
