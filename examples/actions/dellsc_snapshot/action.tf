resource "dellsc_volume" "db" {
  name    = "db01"
  size_gb = 100
}

# Terraform 1.14+: snapshot the database volume before every new release is rolled out.
# (An action cannot be triggered by the resource its config refers to: that is a cycle.)
resource "terraform_data" "release" {
  input = var.release

  lifecycle {
    action_trigger {
      events  = [before_update]
      actions = [action.dellsc_snapshot.before_release]
    }
  }
}

# Also on demand: terraform apply -invoke=action.dellsc_snapshot.before_release
action "dellsc_snapshot" "before_release" {
  config {
    volume_ids     = [dellsc_volume.db.id]
    name           = "before-release"
    expire_minutes = 10080 # a week
  }
}

variable "release" {
  type = string
}
