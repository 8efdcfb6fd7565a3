"""`action "dellsc_failover"`: fail a replication plan over to its secondary, or back to its
primary, on demand (Terraform 1.14+).

For runbooks that want an explicit trigger. The pairs are found from the plan's copies on the
secondary (their notes carry the plan ID), so a failover works while the primary is down; each
pair goes through the same steps as a change of the plan's `active_site`, several at a time.
A plan that leaves `active_site` unset follows the array, so its next plan is clean. Unlike
the plan, the action has no state: with the primary down it cannot know which hosts the
volumes served, and maps the copies to none (the plan's `active_site` can).
"""

from __future__ import annotations

from collections.abc import Iterator

from dellsc.actions.base import Action, Values
from dellsc.resources.disaster_recovery import (
    FAILED_OVER,
    PLAN_ID,
    REPLICATING,
    Settings,
    discover,
    pair_value,
)
from dellsc.resources.dr_failback import Failback
from dellsc.resources.dr_failover import Failover
from dellsc.schema.validators import parse_duration
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import is_unknown

_PLAN = AttrPath("plan_id")
_SITE = AttrPath("target_site")
DEFAULT_FAILBACK_TIMEOUT = 1800.0


class FailoverAction(Action):
    type_name = "dellsc_failover"

    def validate(self, config: Values, diags: Diagnostics) -> None:
        plan_id = config.get("plan_id")
        if isinstance(plan_id, str) and PLAN_ID.fullmatch(plan_id) is None:
            diags.error(
                "Invalid Plan ID",
                f"plan_id {plan_id!r} is not a replication plan ID "
                "<primary ssn>:<secondary ssn>:<name>; use dellsc_replication_plan.<name>.id.",
                _PLAN,
            )

    def plan(self, config: Values, diags: Diagnostics) -> None:
        plan_id, site = config.get("plan_id"), config.get("target_site")
        if not isinstance(plan_id, str) or is_unknown(plan_id) or self.provider.catalog is None:
            return
        match = PLAN_ID.fullmatch(plan_id)
        if match is None:
            return
        client = self.provider.client()
        if int(match[1]) != client.ssn:
            diags.error(
                "Plan Of Another Storage Center",
                f"Plan {plan_id} replicates from Storage Center {match[1]}; this provider "
                f"manages {client.ssn}.",
                _PLAN,
            )
            return
        if site == "primary" and not client.sc_reachable(client.ssn):
            diags.error(
                "Primary Storage Center Is Down",
                f"Failback replicates the data back to Storage Center {client.ssn}, which the "
                "DSM cannot reach; nothing was changed.",
                _SITE,
            )

    def invoke(self, config: Values, diags: Diagnostics) -> Iterator[str]:
        client = self.provider.client()
        plan_id, site = config["plan_id"], config["target_site"]
        settings, members = discover(client, plan_id)
        if not members:
            diags.error(
                "Replication Plan Not Found",
                f"No copy on the secondary carries the mark of plan {plan_id}.",
                _PLAN,
            )
            return
        match = PLAN_ID.fullmatch(plan_id)
        assert match is not None
        values = {
            "id": plan_id,
            "destination_ssn": int(match[2]),
            "type": settings.get("type", "async"),
            "sync_mode": settings.get("sync_mode"),
            "active_replay": settings.get("active_replay", False),
            "qos_node": settings.get("qos_node") or "cinderqos",
            "live_volume": settings.get("live_volume", False),
        }
        plan = Settings.of(values, client.ssn)
        timeout = parse_duration(config.get("failback_timeout") or "") or DEFAULT_FAILBACK_TIMEOUT
        if site == "secondary":
            todo = {
                m.volume_id or m.copy_id: pair_value(m.copy_id, m.state, False, None)
                for m in members
                if m.state != FAILED_OVER
            }
            yield f"Failing over {len(todo)} volumes to Storage Center {plan.destination_ssn}"
            moved = Failover(client, plan).run(todo)
        else:
            todo = {
                m.volume_id: pair_value(m.copy_id, m.state, False, None)
                for m in members
                if m.state != REPLICATING and m.volume_id is not None
            }
            yield f"Failing back {len(todo)} volumes to Storage Center {plan.source_ssn}"
            moved = Failback(client, plan, timeout).run(todo)
        for volume_id, pair in sorted(moved.pairs.items()):
            if volume_id not in moved.errors:
                yield f"{volume_id}: {pair['destination_volume_id']} is {pair['state']}"
        if moved.errors:
            reasons = "; ".join(f"{v}: {e}" for v, e in sorted(moved.errors.items()))
            what = "Failover" if site == "secondary" else "Failback"
            diags.error(
                f"{what} Failed", f"Not done: {reasons}. Invoke the action again to finish.", _SITE
            )
            return
        yield f"Plan {plan_id} is active on its {site} site"
