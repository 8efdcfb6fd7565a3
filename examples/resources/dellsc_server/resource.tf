resource "dellsc_server" "esx01" {
  name             = "esx01"
  operating_system = "VMware ESXi 6.5"
  iscsi_initiators = ["iqn.1998-01.com.vmware:esx01-4c1a2b3d"]
  folder           = "prod/esx"
  notes            = "Rack 12, managed by Terraform"
}

resource "dellsc_server" "db01" {
  name             = "db01"
  operating_system = "Red Hat Linux 7.x"
  fc_wwpns         = ["21000024ff30441d", "21000024ff30441e"]
}
