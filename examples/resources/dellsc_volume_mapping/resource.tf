resource "dellsc_volume" "data" {
  name    = "esx01-data"
  size_gb = 500
}

resource "dellsc_server" "esx01" {
  name             = "esx01"
  iscsi_initiators = ["iqn.1998-01.com.vmware:esx01-4c1a2b3d"]
}

resource "dellsc_volume_mapping" "data_on_esx01" {
  volume_id = dellsc_volume.data.id
  server_id = dellsc_server.esx01.id
  lun       = 10 # optional: the array picks the lowest free LUN otherwise
}

# What the host needs to log in: one target IQN and portal per path.
output "iscsi_targets" {
  value = [
    for i, iqn in dellsc_volume_mapping.data_on_esx01.iscsi_target_iqns : {
      iqn    = iqn
      portal = dellsc_volume_mapping.data_on_esx01.iscsi_target_portals[i]
    }
  ]
}
