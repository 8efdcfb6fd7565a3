"""The realistic disaster-recovery module of issue 17, and what the tests check of it.

Two volumes in a consistency group (with a group snapshot), a snapshot, a host with a mapping
of each volume on the primary, a standby host with the same IQN on the secondary (through a
second provider), the `dellsc_storage_center` and `dellsc_volume` data sources and a
replication plan of both volumes.
"""

from __future__ import annotations

import json
from typing import Any

from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays
from tests.acceptance.harness import Terraform

IQN = "iqn.1994-05.com.redhat:app-host"
PLAN = "dellsc_replication_plan.dr"
VOLUMES = {"data": "app-data", "logs": "app-logs"}
HOST, STANDBY = "app-host", "app-standby"


# the two providers every DR configuration starts with: the primary's and the secondary's
PROVIDERS = f"""
provider "dellsc" {{
  ssn = {PRIMARY}
}}

provider "dellsc" {{
  alias = "dr"
  ssn   = {SECONDARY}
}}
"""


def module(*, data_gb: int = 2, active_site: str = "primary", extra: str = "") -> str:
    """The whole configuration; `extra` is appended (more resources)."""
    return f"""{PROVIDERS}
data "dellsc_storage_center" "primary" {{}}

resource "dellsc_volume" "data" {{
  name    = "{VOLUMES["data"]}"
  size_gb = {data_gb}
  folder  = "app"
}}

resource "dellsc_volume" "logs" {{
  name    = "{VOLUMES["logs"]}"
  size_gb = 1
  folder  = "app"
}}

resource "dellsc_consistency_group" "app" {{
  name       = "app-cg"
  volume_ids = [dellsc_volume.data.id, dellsc_volume.logs.id]
}}

resource "dellsc_consistency_group_snapshot" "app" {{
  consistency_group_id = dellsc_consistency_group.app.id
  name                 = "app-baseline"
}}

data "dellsc_volume" "data" {{
  id = dellsc_volume.data.id
}}

resource "dellsc_snapshot" "baseline" {{
  volume_id      = dellsc_volume.data.id
  name           = "baseline"
  expire_minutes = 0
}}

resource "dellsc_server" "host" {{
  name             = "{HOST}"
  iscsi_initiators = ["{IQN}"]
}}

resource "dellsc_volume_mapping" "data" {{
  volume_id = dellsc_volume.data.id
  server_id = dellsc_server.host.id
}}

resource "dellsc_volume_mapping" "logs" {{
  volume_id = dellsc_volume.logs.id
  server_id = dellsc_server.host.id
}}

resource "dellsc_server" "standby" {{
  provider         = dellsc.dr
  name             = "{STANDBY}"
  iscsi_initiators = ["{IQN}"]
}}

resource "dellsc_replication_plan" "dr" {{
  name            = "app"
  destination_ssn = {SECONDARY}
  volume_ids      = [dellsc_volume.data.id, dellsc_volume.logs.id]
  active_site     = "{active_site}"
}}

output "primary_site" {{
  value = data.dellsc_storage_center.primary.name
}}
{extra}"""


def state(tf: Terraform) -> dict[str, dict[str, Any]]:
    """Every resource's attributes by address, straight from the state file."""
    raw = json.loads((tf.workdir / "terraform.tfstate").read_text())
    found: dict[str, dict[str, Any]] = {}
    for resource in raw["resources"]:
        prefix = "data." if resource["mode"] == "data" else ""
        for instance in resource["instances"]:
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            found[f"{prefix}{resource['type']}.{resource['name']}{suffix}"] = dict(
                instance["attributes"]
            )
    return found


def server_id(arrays: Arrays, ssn: int, name: str) -> str:
    [found] = [
        s["instanceId"]
        for s in arrays.objects("ScServer")
        if s["scSerialNumber"] == ssn and s["name"] == name
    ]
    return str(found)


def host_mapped(arrays: Arrays, volume_id: str) -> set[str]:
    """Servers (not replication links) a volume is mapped to."""
    servers = {s["instanceId"]: s for s in arrays.objects("ScServer")}
    return {
        sid
        for sid in arrays.mapped_servers(volume_id)
        if servers.get(sid, {}).get("objectType") != "ScRemoteStorageCenter"
    }


def size_bytes(volume: dict[str, Any]) -> int:
    """A volume's size, from a REST reply or from the emulator's state dump."""
    if "configuredSize" in volume:
        return int(float(str(volume["configuredSize"]).split()[0]))
    return int(volume["_sizeBytes"])


__all__ = ["PRIMARY", "SECONDARY", "Arrays"]
