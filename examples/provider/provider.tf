variable "dsm_password" {
  type      = string
  sensitive = true
}

provider "dellsc" {
  endpoint      = "https://dsm.example.com:3033"
  username      = "terraform"
  password      = var.dsm_password # or DELLSC_PASSWORD
  ssn           = 64702
  ca_file       = "/etc/pki/dsm-ca.pem"
  volume_folder = "terraform"

  timeouts = {
    task    = "10m"
    request = "30s"
  }
}
