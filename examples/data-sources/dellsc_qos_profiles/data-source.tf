data "dellsc_qos_profiles" "all" {}

output "volume_qos_profiles" {
  value = [for p in data.dellsc_qos_profiles.all.profiles : p.name if p.type == "VolumeQosProfile"]
}
