resource "dellsc_volume" "app" {
  name    = "app01"
  size_gb = 10
}

resource "dellsc_snapshot" "nightly" {
  volume_id = dellsc_volume.app.id
  name      = "nightly"
}

locals {
  nightly = provider::dellsc::parse_id(dellsc_snapshot.nightly.id)
}

# The volume a snapshot ID belongs to, and the Storage Center that holds it.
output "nightly_volume_id" {
  value = local.nightly.volume_id # = dellsc_volume.app.id
}

output "nightly_ssn" {
  value = local.nightly.ssn
}

# Reject a malformed import ID before anything reads the array.
variable "mapping_import_id" {
  type    = string
  default = "64702.101/64702.47"

  validation {
    condition     = can(provider::dellsc::parse_id(var.mapping_import_id)) && try(provider::dellsc::parse_id(var.mapping_import_id).object, "") == "mapping"
    error_message = "mapping_import_id must be <volume_id>/<server_id>, such as 64702.101/64702.47."
  }
}
