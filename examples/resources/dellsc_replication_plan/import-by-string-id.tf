import {
  to = dellsc_replication_plan.dr
  id = "64702:64703:prod-db"
}
