data "dellsc_data_reduction_profiles" "compression" {
  name_regex = "Compression"
}

output "compression_profiles" {
  value = data.dellsc_data_reduction_profiles.compression.names
}
