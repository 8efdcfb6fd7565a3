data "dellsc_server" "esx01" {
  name = "esx01" # or: id = "64702.47"
}

resource "dellsc_volume_mapping" "scratch" {
  volume_id = "64702.101"
  server_id = data.dellsc_server.esx01.id
}
