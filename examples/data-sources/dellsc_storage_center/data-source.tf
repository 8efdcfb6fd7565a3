data "dellsc_storage_center" "this" {}

output "free_capacity_gb" {
  value = data.dellsc_storage_center.this.free_capacity_gb
}

# Fail the plan early when a module asks for a profile the array does not have.
check "storage_profile_exists" {
  assert {
    condition     = contains(data.dellsc_storage_center.this.storage_profiles, "High Priority")
    error_message = "This Storage Center has no \"High Priority\" storage profile."
  }
}
