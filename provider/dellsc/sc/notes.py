"""What the provider writes into the Notes of the objects it creates (unless told otherwise).

Kept apart from the client so that resources can use it without importing requests and
pydantic (Terraform's schema and validate processes never talk to the array).
"""

from __future__ import annotations

DEFAULT_NOTES = "Created by terraform-provider-dellsc"

# The server the provider maps new volumes to for a moment to activate them (§6.3): it has no
# initiators, so it reaches no host.
ACTIVATION_SERVER = "dellsc-activation"
ACTIVATION_NOTES = (
    "Used by terraform-provider-dellsc to activate new volumes before their first snapshot: "
    "they are mapped to this server for a moment. It has no initiators, so no host sees "
    "them; do not add any."
)
