"""Terraform provider for Dell EMC Storage Center, driven through the DSM REST API."""

__version__ = "0.1.0"
