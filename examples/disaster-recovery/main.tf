# Disaster recovery: the database volumes on Storage Center 64702 replicate to 64703.
# Fail over with `terraform apply -var active_site=secondary` (also while 64702 is down);
# fail back with `-var active_site=primary`.
terraform {
  required_providers {
    dellsc = {
      source  = "dellsc/dellsc"
      version = "~> 0.1"
    }
  }
}

provider "dellsc" {
  ssn = 64702 # the primary Storage Center
}

variable "active_site" {
  type    = string
  default = "primary"
}

resource "dellsc_volume" "db" {
  for_each = toset(["dr-db-data", "dr-db-log"])
  name     = each.key
  size_gb  = 200
  folder   = "prod/db"
}

resource "dellsc_replication_plan" "db" {
  name            = "prod-db"
  volume_ids      = [for v in dellsc_volume.db : v.id]
  destination_ssn = 64703
  type            = "async"
  active_replay   = true
  active_site     = var.active_site
}

output "replicas" {
  value = {
    for id, pair in dellsc_replication_plan.db.pairs : id => pair.destination_volume_id
  }
}
