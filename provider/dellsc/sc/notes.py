"""What the provider writes into the Notes of the objects it creates (unless told otherwise).

Kept apart from the client so that resources can use it without importing requests and
pydantic (Terraform's schema and validate processes never talk to the array).
"""

from __future__ import annotations

DEFAULT_NOTES = "Created by terraform-provider-dellsc"
