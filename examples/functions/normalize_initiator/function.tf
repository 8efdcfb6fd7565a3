# Initiators as a host inventory reports them: any case, WWPNs with separators.
variable "esx02_initiators" {
  type = object({ iscsi = list(string), fc = list(string) })
  default = {
    iscsi = ["IQN.1998-01.com.VMware:esx02-5D2B3C4E"]
    fc    = ["21:00:00:24:FF:30:44:2D", "21-00-00-24-ff-30-44-2e"]
  }
}

# One spelling each, the array's: the plan stays empty whatever the inventory's case.
resource "dellsc_server" "esx02" {
  name             = "esx02"
  iscsi_initiators = [for i in var.esx02_initiators.iscsi : provider::dellsc::normalize_initiator(i)]
  fc_wwpns         = [for w in var.esx02_initiators.fc : provider::dellsc::normalize_initiator(w)]
}
