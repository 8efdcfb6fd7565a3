resource "dellsc_volume" "db" {
  name                   = "db01-data"
  size_gb                = 500
  folder                 = "prod/db"
  storage_profile        = "High Priority"
  replay_profiles        = ["Daily", "Weekly"]
  volume_qos_profile     = "Premium"
  data_reduction_profile = "Compression"
  deletion_policy        = "UNMANAGE"
}
