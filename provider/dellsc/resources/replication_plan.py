"""`dellsc_replication_plan`: replication of a set of volumes to a second Storage Center, with
declarative failover and failback (`active_site`) and plan previews of both.

The array steps are in `disaster_recovery`; this module plans, checks and orders them. The
plan's ID (`<primary ssn>:<secondary ssn>:<name>`) is written in the notes of every destination
volume, so a create whose reply was lost is adopted by the next apply, and import finds the
members of a plan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dellsc.resources import dr_preview, outage
from dellsc.resources.base import PlanChange, Resource, Values
from dellsc.resources.bounded import DEFAULT_PARALLELISM, each
from dellsc.resources.disaster_recovery import (
    FAILBACK_QOS_NODE,
    FAILED_OVER,
    PLAN_ID,
    REPL_PREFIX,
    UNMANAGED_PREFIX,
    Pairs,
    Settings,
    discover,
    mark,
    pair_value,
)
from dellsc.resources.dr_failback import Failback
from dellsc.resources.dr_failover import Failover, Moved, needs_fencing
from dellsc.resources.dr_refresh import active_site, read_pairs
from dellsc.sc import errors
from dellsc.schema.validators import parse_duration
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.values import UNKNOWN, contains_unknown, is_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient

DEFAULT_FAILBACK_TIMEOUT = 1800.0


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def _ssn_of(volume_id: str) -> int | None:
    head = volume_id.split(".", 1)[0]
    return int(head) if head.isdigit() and "." in volume_id else None


def _known_ids(value: Any) -> list[str]:
    """The known elements of a set of ids (the others are made in this apply)."""
    return [v for v in value if _known(v)] if _known(value) else []


class ReplicationPlanResource(Resource):
    type_name = "dellsc_replication_plan"

    # -- plan ----------------------------------------------------------------------------

    def validate(self, config: Values, diags: Diagnostics) -> None:
        kind, mode, active = (
            config.get("type"),
            config.get("sync_mode"),
            config.get("active_replay"),
        )
        # an omitted type is the default, async: sync_mode alone would be dropped from the plan
        if _known(mode) and (kind is None or (_known(kind) and kind != "sync")):
            diags.error(
                "Sync Mode Needs Synchronous Replication",
                f'sync_mode = "{mode}" only applies to type = "sync", and type is '
                f"{'not set (so async, the default)' if kind is None else repr(kind)}. Set "
                'type = "sync" as well, or remove sync_mode.',
                AttrPath("sync_mode"),
            )
        if kind == "sync" and active is False:
            diags.error(
                "Synchronous Replication Carries The Active Replay",
                'type = "sync" always replicates the active replay; remove active_replay or '
                "set it to true.",
                AttrPath("active_replay"),
            )
        if config.get("live_volume") is True and kind == "sync" and mode == "HighConsistency":
            diags.error(
                "Live Volume Needs High Availability",
                "A synchronous Live Volume runs in HighAvailability mode only; the array "
                'refuses HighConsistency. Set sync_mode = "HighAvailability" or remove it.',
                AttrPath("sync_mode"),
            )
        volume_ids = config.get("volume_ids")
        # a fully known list was checked by the schema's validator; a partly known one is not
        partial = isinstance(volume_ids, list) and not all(_known(v) for v in volume_ids)
        for volume_id in volume_ids if partial and isinstance(volume_ids, list) else []:
            if _known(volume_id) and _ssn_of(volume_id) is None:
                diags.error(
                    "Invalid Volume ID",
                    f"{volume_id!r} is not a volume instance ID such as 64702.101.",
                    AttrPath("volume_ids"),
                )

    def modify_plan(self, change: PlanChange) -> None:
        prior, planned, config, diags = change.prior, change.planned, change.config, change.diags
        client = self.provider.client()
        source = client.ssn
        dest = planned["destination_ssn"]
        if config.get("active_site") is None:  # omitted: follow the array
            planned["active_site"] = prior["active_site"] if prior else "primary"
        if not _known(planned["type"]):  # decided once the type is known
            planned["sync_mode"] = config.get("sync_mode") or UNKNOWN
            configured = config.get("active_replay")
            planned["active_replay"] = UNKNOWN if configured is None else configured
        elif planned["type"] == "sync":
            planned["sync_mode"] = config.get("sync_mode") or "HighAvailability"
            planned["active_replay"] = True
        else:
            planned["sync_mode"] = None
            planned["active_replay"] = bool(config.get("active_replay"))
        if prior is None and _known(dest) and _known(planned["name"]):
            planned["id"] = f"{source}:{int(dest)}:{planned['name']}"
        self._check_placement(change, source)
        if diags.has_errors:
            return
        if prior is None:
            self._plan_create(change, client)
        else:
            self._plan_update(change, client)

    def _check_placement(self, change: PlanChange, source: int) -> None:
        planned, diags = change.planned, change.diags
        dest = planned["destination_ssn"]
        if _known(dest) and int(dest) == source:
            diags.error(
                "Destination Is The Primary",
                f"destination_ssn {int(dest)} is the provider's own Storage Center; replicate "
                "to another Storage Center managed by the same DSM.",
                AttrPath("destination_ssn"),
            )
        volume_ids = planned["volume_ids"]
        for volume_id in volume_ids if _known(volume_ids) else []:
            if _known(volume_id) and _ssn_of(volume_id) not in (None, source):
                diags.error(
                    "Volume On Another Storage Center",
                    f"Volume {volume_id} is on Storage Center {_ssn_of(volume_id)}; a plan "
                    f"replicates volumes of the provider's Storage Center {source}.",
                    AttrPath("volume_ids"),
                )

    def _plan_create(self, change: PlanChange, client: ScClient) -> None:
        planned, diags = change.planned, change.diags
        if planned["active_site"] == "secondary":
            diags.error(
                "Create With The Primary Active",
                'A new plan starts with active_site = "primary"; fail over in a later apply.',
                AttrPath("active_site"),
            )
            return
        if not self._check_destination(change, client):
            return
        planned["pairs"] = UNKNOWN
        volume_ids = planned["volume_ids"]
        if _known(volume_ids) and _known(planned["id"]):
            self._check_new_members(change, client, [v for v in volume_ids if _known(v)])

    def _check_destination(self, change: PlanChange, client: ScClient) -> bool:
        dest = change.planned["destination_ssn"]
        if not _known(dest):
            return True
        serials = sorted(sc.sc_serial_number for sc in client.storage_centers())
        if int(dest) not in serials:
            change.diags.error(
                "Unknown Destination Storage Center",
                f"Storage Center {int(dest)} is not managed by this DSM (it manages "
                f"{', '.join(str(s) for s in serials)}).",
                AttrPath("destination_ssn"),
            )
            return False
        return True

    def _check_new_members(self, change: PlanChange, client: ScClient, added: list[str]) -> None:
        pairs = Pairs(client, self._settings(change.planned, client.ssn))
        for volume_id in added:
            try:
                volume = client.get_volume(volume_id)
                why = pairs.foreign(volume_id)
            except errors.ScNotFound:
                change.diags.error(
                    "Volume Not Found",
                    f"Volume {volume_id} does not exist on Storage Center {client.ssn}.",
                    AttrPath("volume_ids"),
                )
                continue
            if why:
                change.diags.error(
                    "Volume Already Replicated",
                    f"Volume {volume.name!r} ({volume_id}) cannot join plan "
                    f"{change.planned['name']!r}: {why}. A volume belongs to one plan.",
                    AttrPath("volume_ids"),
                )
                continue
            kind = (
                "Live Volume"
                if pairs.settings.live_volume
                else f"{change.planned['type']} replication"
            )
            change.diags.warning(
                f"Replication Will Start: {volume.name!r} ({volume_id})",
                f"{kind[0].upper()}{kind[1:]} to Storage Center "
                f"{pairs.settings.destination_ssn} starts; its copy there is named "
                f"{(volume.name if pairs.settings.live_volume else REPL_PREFIX + volume.name)!r}.",
            )

    def _plan_update(self, change: PlanChange, client: ScClient) -> None:
        prior, planned, diags = change.prior, change.planned, change.diags
        assert prior is not None
        if planned["name"] != prior["name"]:
            diags.error(
                "Plan Name Cannot Change",
                f"The plan is named {prior['name']!r} on the array (its ID {prior['id']} marks "
                "its destination volumes); keep the name.",
                AttrPath("name"),
            )
            return
        # computed attributes are known now: only a real change forces a replacement
        change.requires_replace[:] = [
            p for p in change.requires_replace if planned[str(p.steps[0])] != prior[str(p.steps[0])]
        ]
        if change.requires_replace:
            planned["pairs"] = UNKNOWN
            if prior["active_site"] != "primary":
                diags.error(
                    "Plan Is Failed Over",
                    "This change replaces the plan, which stops every replication; the copies "
                    "on the secondary are the active volumes now. Fail back first.",
                    change.requires_replace[0],
                )
            return
        old, new = set(prior["volume_ids"] or []), planned["volume_ids"]
        known = set(_known_ids(new))
        membership = _known(new) and (contains_unknown(new) or known != old)
        site_moves = planned["active_site"] != prior["active_site"]
        if membership and site_moves:
            diags.error(
                "One Change At A Time",
                "Change active_site or volume_ids, not both in one apply: fail over or back "
                "first, then change the members.",
                AttrPath("active_site"),
            )
            return
        if membership and prior["active_site"] != "primary":
            diags.error(
                "Members Change Only On The Primary",
                f"The plan is active on its {prior['active_site']} site; fail back "
                '(active_site = "primary") before adding or removing volumes.',
                AttrPath("volume_ids"),
            )
            return
        if planned["active_replay"] != prior["active_replay"] and prior["live_volume"]:
            diags.error(
                "Live Volume Active Replay Is Fixed",
                "A Live Volume keeps the active-replay setting it was created with; changing "
                "it replaces the plan. Set live_volume = false or keep active_replay.",
                AttrPath("active_replay"),
            )
            return
        if site_moves:
            self._preview_site(change, client)
        elif not _known(new):
            planned["pairs"] = UNKNOWN
        elif membership:
            self._preview_members(change, client, sorted(known - old), sorted(old - known))
        else:
            self._plan_upkeep(change, client)

    def _plan_upkeep(self, change: PlanChange, client: ScClient) -> None:
        """No move, no member change: fence a returning primary, grow a copy that fell
        behind, change the active-replay setting; else the pairs stay as they are."""
        prior, planned = change.prior, change.planned
        assert prior is not None
        pairs: dict[str, Any] = prior["pairs"] or {}
        planned["pairs"] = pairs if planned["active_replay"] == prior["active_replay"] else UNKNOWN
        if not pairs or planned["live_volume"]:
            return
        fo = Failover(client, self._settings(planned, client.ssn), len(pairs))
        due = {v: p for v, p in pairs.items() if needs_fencing(p)} if fo.primary_up else {}
        behind = {
            v: p for v, p in pairs.items() if dr_preview.copy_behind(p)
        } if fo.primary_up and fo.secondary_up else {}  # fmt: skip
        if due:
            dr_preview.fencing(fo, due, change.diags)
            if not is_unknown(planned["pairs"]):  # the pairs change only by being fenced
                planned["pairs"] = {v: p | {"fenced": True} if v in due else p
                                    for v, p in pairs.items()}  # fmt: skip
        if behind:
            dr_preview.growth(fo, behind, change.diags)
            planned["pairs"] = UNKNOWN

    def _preview_members(
        self, change: PlanChange, client: ScClient, added: list[str], removed: list[str]
    ) -> None:
        planned = change.planned
        planned["pairs"] = UNKNOWN
        self._check_new_members(change, client, added)
        prior_pairs = (change.prior or {}).get("pairs") or {}
        keep = planned["deletion_policy"] == "UNMANAGE"
        for volume_id in removed:
            dest = (prior_pairs.get(volume_id) or {}).get("destination_volume_id") or "?"
            fate = (
                f"its copy {dest} is kept, renamed with the prefix Unmanaged_"
                if keep
                else f"its copy {dest} on Storage Center {int(planned['destination_ssn'])} "
                "is deleted (deletion_policy = DELETE)"
            )
            change.diags.warning(
                f"Replication Will Stop: {volume_id}", f"Its replication stops; {fate}."
            )

    def _preview_site(self, change: PlanChange, client: ScClient) -> None:
        prior, planned, diags = change.prior, change.planned, change.diags
        assert prior is not None
        planned["pairs"] = UNKNOWN
        source = client.ssn
        settings = self._settings(planned, source)
        pairs: dict[str, Any] = {
            v: p for v, p in (prior["pairs"] or {}).items() if v in (prior["volume_ids"] or [])
        }
        if planned["active_site"] == "secondary":
            fo = Failover(client, settings, len(pairs))
            if not fo.secondary_up:
                diags.error(
                    "Secondary Storage Center Is Down",
                    f"A failover makes the copies on Storage Center {settings.destination_ssn} "
                    "serve the hosts, but the DSM cannot reach it; nothing was changed.",
                    AttrPath("active_site"),
                )
                return
            dr_preview.failover(fo, pairs, diags)
            if all(p.get("destination_volume_id") for p in pairs.values()):
                planned["pairs"] = {v: self._predicted(p) for v, p in pairs.items()}
            return
        fb = Failback(client, settings, self._failback_timeout(planned), len(pairs))
        if not client.reachability().get(source, False):
            diags.error(
                "Primary Storage Center Is Down",
                f"Failback replicates the data back to Storage Center {source}, which the DSM "
                'cannot reach. Keep active_site = "secondary" until it is back up; nothing '
                "was changed.",
                AttrPath("active_site"),
            )
            return
        for volume_id, problem in sorted(fb.problems(pairs).items()):
            name = dr_preview.display(fb.primary, fb.secondary, volume_id, pairs[volume_id])
            diags.error(
                "Failback Not Possible",
                f"{name}: {problem}. Nothing was changed.",
                AttrPath("active_site"),
            )
        if not diags.has_errors:
            dr_preview.failback(fb, pairs, diags)

    @staticmethod
    def _predicted(pair: dict[str, Any]) -> dict[str, Any]:
        """A pair after its failover: its copy takes over; whether the original ends fenced
        (and, when never recorded, which initiators it served) is known after the apply."""
        moved = pair_value(pair["destination_volume_id"], FAILED_OVER, False, None, pair)
        moved["fenced"] = UNKNOWN
        if moved["initiators"] is None:
            moved["initiators"] = UNKNOWN
        return moved

    # -- apply ---------------------------------------------------------------------------

    def create(self, planned: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        state = dict(planned)
        if not _known(state["id"]):
            state["id"] = f"{client.ssn}:{int(state['destination_ssn'])}:{state['name']}"
        settings = self._settings(state, client.ssn)
        self._raise_first(
            each(sorted(state["volume_ids"]), Pairs(client, settings).start, settings.parallelism)
        )
        state["created_qos_node_ids"] = sorted(
            node_id
            for node_id, name in client.created_qos_nodes.items()
            if name == state["qos_node"]
        )
        reading = read_pairs(client, settings, sorted(state["volume_ids"]), {})
        state["volume_ids"] = sorted(reading.pairs)
        state["pairs"] = reading.pairs
        return state

    def update(self, prior: Values, planned: Values, diags: Diagnostics) -> Values:
        client = self.provider.client()
        settings = self._settings(planned, client.ssn)
        pairs: dict[str, Any] = dict(prior["pairs"] or {})
        state = dict(planned)
        site = planned["active_site"]
        if site != prior["active_site"] and site in ("primary", "secondary"):
            if site == "secondary":
                moved = Failover(client, settings, len(pairs)).run(pairs)
            else:
                timeout = self._failback_timeout(planned)
                failback = Failback(client, settings, timeout, len(pairs))
                moved = failback.run(pairs, planned=True)
            state["pairs"] = moved.pairs
            if moved.errors:
                self._report(moved, "Failover" if site == "secondary" else "Failback", diags)
                state["active_site"] = active_site(moved.pairs, prior["active_site"], False)
            elif site == "primary":  # the temporary replications back are gone, so is their node
                made = client.created_qos_nodes.items()
                remove_qos_nodes(
                    client, [n for n, name in made if name == FAILBACK_QOS_NODE], diags
                )
            return state
        if not settings.live_volume and any(needs_fencing(p) for p in pairs.values()):
            moved = Failover(client, settings, len(pairs)).fence(pairs)  # before anything else
            pairs = moved.pairs
            if moved.errors:
                self._report(moved, "Fencing", diags)
                return {**dict(prior), "pairs": pairs}
        old, new = set(prior["volume_ids"]), set(planned["volume_ids"])
        membership = Pairs(client, settings)
        keep = planned["deletion_policy"] == "UNMANAGE"
        self._raise_first(each(sorted(old - new), lambda v: membership.stop(v, keep=keep),
                               settings.parallelism))  # fmt: skip
        self._raise_first(each(sorted(new - old), membership.start, settings.parallelism))
        if planned["active_replay"] != prior["active_replay"] and not planned["live_volume"]:
            self._raise_first(each(sorted(new), membership.set_active_replay,
                                   settings.parallelism))  # fmt: skip
        behind = [v for v, p in pairs.items() if v in new and dr_preview.copy_behind(p)]
        self._raise_first(each(behind, lambda v: client.grow_to(
            pairs[v]["destination_volume_id"], int(pairs[v]["volume_size_bytes"])),
            settings.parallelism))  # fmt: skip
        if not is_unknown(planned["pairs"]):
            return state  # nothing changed on the array: the pairs stay as planned
        kept = {v: p for v, p in pairs.items() if v in new}
        reading = read_pairs(client, settings, sorted(new), kept)
        state["pairs"] = {v: reading.pairs.get(v) or kept.get(v) for v in sorted(new)}
        state["pairs"] = {v: p for v, p in state["pairs"].items() if p is not None}
        state["active_site"] = active_site(state["pairs"], prior["active_site"], False)
        return state

    @staticmethod
    def _raise_first(done: list[Any]) -> None:
        for outcome in done:
            if outcome.error is not None:
                raise outcome.error

    @staticmethod
    def _report(moved: Moved, what: str, diags: Diagnostics) -> None:
        """One error naming every volume the move could not finish, and why."""
        reasons = "; ".join(f"{v}: {e}" for v, e in sorted(moved.errors.items()))
        done = len(moved.pairs) - len(moved.errors)
        diags.error(
            f"{what} Incomplete",
            f"{done} of {len(moved.pairs)} volumes are done; not done: {reasons}. The state "
            "records what was done; the next apply finishes the rest from what the array shows.",
            AttrPath("active_site"),
        )

    def read(self, state: Values, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        state = dict(state)
        settings = self._settings(state, client.ssn)
        volume_ids = sorted(state["volume_ids"] or [])
        reading = read_pairs(client, settings, volume_ids, dict(state.get("pairs") or {}))
        for ssn, up in ((settings.source_ssn, reading.primary_up),
                        (settings.destination_ssn, reading.secondary_up)):  # fmt: skip
            if not up:
                outage.warn(self.provider, self.type_name, ssn, None, diags)
        state["volume_ids"] = [v for v in volume_ids if v in reading.pairs]
        state["pairs"] = reading.pairs
        state["active_site"] = active_site(reading.pairs, state["active_site"], bool(reading.kept))
        return state

    def delete(self, state: Values, diags: Diagnostics) -> None:
        client = self.provider.client()
        pairs = Pairs(client, self._settings(state, client.ssn))
        for volume_id in sorted(state["volume_ids"] or []):
            pairs.stop(volume_id, keep=state.get("deletion_policy") == "UNMANAGE")
        remove_qos_nodes(client, sorted(state.get("created_qos_node_ids") or []), diags)

    def plan_destroy(self, prior: Values, diags: Diagnostics) -> None:
        if prior.get("deletion_policy") == "UNMANAGE":
            pairs: dict[str, Any] = prior.get("pairs") or {}
            copies = ", ".join(
                f"{(pairs.get(v) or {}).get('destination_volume_id') or '?'} (copy of {v})"
                for v in sorted(prior.get("volume_ids") or [])
            )
            diags.warning(
                f"Replication Will Stop, Copies Kept: {prior.get('name')!r}",
                "Destroying this plan stops the replication of its volumes; their copies on "
                f"Storage Center {prior.get('destination_ssn')} are kept, each renamed with "
                f'the prefix {UNMANAGED_PREFIX} (deletion_policy = "UNMANAGE"): '
                f"{copies or 'none'}. The primary volumes are not touched.",
                AttrPath("deletion_policy"),
            )
        if prior.get("active_site") != "primary" and prior.get("deletion_policy") != "UNMANAGE":
            diags.error(
                "Plan Is Failed Over",
                "The copies on the secondary are the active volumes; destroying the plan with "
                'deletion_policy = "DELETE" would delete them. Fail back first (active_site = '
                '"primary"), or set deletion_policy = "UNMANAGE" to keep them.',
                AttrPath("active_site"),
            )

    # -- import --------------------------------------------------------------------------

    def import_state(self, import_id: str, diags: Diagnostics) -> Values | None:
        client = self.provider.client()
        match = PLAN_ID.fullmatch(import_id)
        if match is None or int(match[1]) != client.ssn:
            diags.error(
                "Invalid Import ID",
                f"{import_id!r} is not a plan ID of this Storage Center: "
                f"<primary ssn>:<secondary ssn>:<name>, such as {client.ssn}:64703:dr.",
            )
            return None
        settings, members = discover(client, import_id)
        if not members or any(m.volume_id is None for m in members):
            diags.error(
                "Replication Plan Not Found",
                f"No volume on Storage Center {int(match[2])} carries the mark of plan "
                f"{import_id!r} (notes {mark(import_id)!r}) with a primary volume that can be "
                "read now.",
            )
            return None
        return {
            "id": import_id,
            "name": match[3],
            "destination_ssn": Decimal(int(match[2])),
            "volume_ids": sorted(m.volume_id for m in members if m.volume_id),
            "active_site": "primary",
            "deletion_policy": "DELETE",
            "parallelism": Decimal(DEFAULT_PARALLELISM),
            "pairs": {m.volume_id: pair_value(m.copy_id, m.state, False, None) for m in members},
            "qos_node": settings.pop("qos_node", None) or "cinderqos",
            **settings,
        }

    def home_ssn(self, state: Values) -> int | None:
        """None: a plan reads what it can of either SC itself (`dr_refresh`)."""
        return None

    def upgrade_state(self, version: int, state: Values) -> Values:
        """States written before `parallelism` existed take its default (no planned change)."""
        if state.get("parallelism") is None:
            state["parallelism"] = Decimal(DEFAULT_PARALLELISM)
        return state

    # -- helpers -------------------------------------------------------------------------

    def _settings(self, values: Values, source: int) -> Settings:
        return Settings.of(values, source)

    @staticmethod
    def _failback_timeout(values: Values) -> float:
        text = (values.get("timeouts") or {}).get("failback")
        return (parse_duration(text) if text else None) or DEFAULT_FAILBACK_TIMEOUT


def remove_qos_nodes(client: ScClient, node_ids: list[str], diags: Diagnostics) -> None:
    """Remove the QoS nodes this provider made that no replication uses any more; one that
    is still used is kept, and a failure only warns (nothing depends on the node)."""
    for node_id in node_ids:
        try:
            client.remove_unused_qos_node(node_id)
        except errors.ScError as exc:
            diags.warning(
                "Replication QoS Node Not Removed",
                f"QoS node {node_id}, made by this provider, is no longer used, but removing it "
                f"failed: {exc}. Remove it on the array if it is not needed.",
            )
