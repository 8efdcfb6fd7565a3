# By plan ID: <primary ssn>:<secondary ssn>:<name>
terraform import dellsc_replication_plan.dr 64702:64703:prod-db
