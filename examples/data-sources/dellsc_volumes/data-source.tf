data "dellsc_volumes" "prod_db" {
  name_regex      = "^db[0-9]+-"
  folder          = "prod/db"
  storage_profile = "High Priority"
}

output "prod_db_volume_ids" {
  value = data.dellsc_volumes.prod_db.ids
}
