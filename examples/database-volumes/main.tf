# Database volumes: a data and a log volume in one consistency group, a group snapshot of
# both taken before an upgrade and kept for a week, a snapshot of the data volume alone, and a
# test copy of the data volume made from the group snapshot.
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

# Data and log are snapped together, at one instant.
resource "dellsc_consistency_group" "db" {
  name       = "${var.database}-db"
  volume_ids = [dellsc_volume.data.id, dellsc_volume.log.id]
}

resource "dellsc_consistency_group_snapshot" "before_upgrade" {
  consistency_group_id = dellsc_consistency_group.db.id
  name                 = "${var.database}-before-upgrade"
  expire_minutes       = 7 * 24 * 60
}

resource "dellsc_snapshot" "data_before_upgrade" {
  volume_id      = dellsc_volume.data.id
  name           = "${var.database}-data-pre-upgrade"
  expire_minutes = 7 * 24 * 60
}

# A test copy of the data volume as it was in the group snapshot.
resource "dellsc_volume" "data_test" {
  name               = "${var.database}-data-test"
  size_gb            = 500
  source_snapshot_id = dellsc_consistency_group_snapshot.before_upgrade.snapshots[dellsc_volume.data.id]
}

output "volume_wwns" {
  value = {
    data      = dellsc_volume.data.wwn
    log       = dellsc_volume.log.wwn
    data_test = dellsc_volume.data_test.wwn
  }
}
