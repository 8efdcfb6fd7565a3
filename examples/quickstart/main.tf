# Quickstart: one volume on the Storage Center named by the DELLSC_* environment variables
# (`make demo` points them at the bundled emulator).
terraform {
  required_providers {
    dellsc = {
      source  = "dellsc/dellsc"
      version = "~> 0.1"
    }
  }
}

provider "dellsc" {
  volume_folder = "terraform/quickstart"
}

resource "dellsc_volume" "data" {
  name            = "quickstart-data"
  size_gb         = 10
  storage_profile = "High Priority"
  replay_profiles = ["Daily"]
}

output "volume_id" {
  value = dellsc_volume.data.id
}

output "volume_wwn" {
  value = dellsc_volume.data.wwn
}

output "volume_folder" {
  value = dellsc_volume.data.folder_path
}
