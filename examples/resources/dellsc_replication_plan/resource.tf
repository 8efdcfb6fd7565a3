provider "dellsc" {
  ssn = 64702 # the primary Storage Center
}

resource "dellsc_volume" "db" {
  for_each = toset(["db01-data", "db01-logs"])
  name     = each.key
  size_gb  = 500
  folder   = "prod/db"
}

resource "dellsc_replication_plan" "dr" {
  name            = "prod-db"
  volume_ids      = [for v in dellsc_volume.db : v.id]
  destination_ssn = 64703
  type            = "async"
  active_replay   = true
  qos_node        = "dr-link"

  # "secondary" fails over (also while 64702 is down); "primary" fails back.
  active_site = "primary"

  timeouts = {
    failback = "2h"
  }
}

output "dr_pairs" {
  value = dellsc_replication_plan.dr.pairs
}
