"""The Terraform value model and diagnostics: leaves that import nothing of ours."""
