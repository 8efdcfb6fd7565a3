resource "dellsc_volume" "db" {
  for_each = toset(["prod-db-data", "prod-db-log"])
  name     = each.key
  size_gb  = 100
}

# A plan driven by a runbook: active_site is left unset, so the plan follows the array.
resource "dellsc_replication_plan" "dr" {
  name            = "prod-db"
  volume_ids      = [for v in dellsc_volume.db : v.id]
  destination_ssn = 64703
}

# terraform apply -invoke=action.dellsc_failover.to_dr
action "dellsc_failover" "to_dr" {
  config {
    plan_id     = dellsc_replication_plan.dr.id
    target_site = "secondary"
  }
}

# terraform apply -invoke=action.dellsc_failover.home
action "dellsc_failover" "home" {
  config {
    plan_id          = dellsc_replication_plan.dr.id
    target_site      = "primary"
    failback_timeout = "2h"
  }
}
