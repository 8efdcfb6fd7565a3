resource "dellsc_volume" "data" {
  name    = "orders-data"
  size_gb = 500
}

resource "dellsc_volume" "log" {
  name    = "orders-log"
  size_gb = 100
}

# One Consistent snapshot profile; the volumes keep their own Standard snapshot profiles.
resource "dellsc_consistency_group" "orders" {
  name       = "orders-db"
  volume_ids = [dellsc_volume.data.id, dellsc_volume.log.id]
}
