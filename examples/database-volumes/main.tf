# Database volumes: a data and a log volume, a snapshot of the data volume taken before an
# upgrade and kept for a week, and a test copy of the data volume made from that snapshot.
terraform {
  required_providers {
    dellsc = {
      source  = "dellsc/dellsc"
      version = "~> 0.1"
    }
  }
}

provider "dellsc" {}

variable "database" {
  type    = string
  default = "orders"
}

resource "dellsc_volume" "data" {
  name            = "${var.database}-data"
  size_gb         = 500
  storage_profile = "High Priority"
}

resource "dellsc_volume" "log" {
  name            = "${var.database}-log"
  size_gb         = 100
  storage_profile = "High Priority"
}

resource "dellsc_snapshot" "data_before_upgrade" {
  volume_id      = dellsc_volume.data.id
  name           = "${var.database}-data-before-upgrade"
  expire_minutes = 7 * 24 * 60
}

# A test copy of the data volume as it was before the upgrade.
resource "dellsc_volume" "data_test" {
  name               = "${var.database}-data-test"
  size_gb            = 500
  source_snapshot_id = dellsc_snapshot.data_before_upgrade.id
}

output "volume_wwns" {
  value = {
    data      = dellsc_volume.data.wwn
    log       = dellsc_volume.log.wwn
    data_test = dellsc_volume.data_test.wwn
  }
}
