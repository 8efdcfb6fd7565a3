data "dellsc_volume" "golden" {
  name = "golden-image" # or: id = "64702.101"
}

output "golden_wwn" {
  value = data.dellsc_volume.golden.wwn
}
