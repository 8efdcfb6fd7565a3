"""The pieces of ownership that need no array: Notes marks, plan-time claims, the owner
identity derived from Terraform's working context, snapshot lifetimes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from dellsc.resources.claims import Claims
from dellsc.resources.marks import Notes, new_notes, prune, user_text
from dellsc.resources.snapshot import lifetime, minutes_state
from dellsc.sc.models import ScReplay
from dellsc.tf import state_owner

OWNER = "0123456789abcdef"


def test_notes_keep_the_users_text_apart_from_the_marks() -> None:
    written = new_notes("ticket CHG-1 [x]", OWNER, source="snapshot 64702.101.1")
    assert written == (
        "ticket CHG-1 [x] [dellsc:owner 0123456789abcdef] [dellsc:source snapshot 64702.101.1]"
    )
    notes = Notes.parse(written)
    assert notes.text == "ticket CHG-1 [x]" and notes.owner == OWNER
    assert notes.source == ("snapshot", "64702.101.1")
    ledger = notes.with_snaps({OWNER: ["3", "~abcd1234>2"], "team-b": ["4"]})
    moved = Notes.parse(ledger.with_maps({"64702.47": "team-b"}).with_text("new text").render())
    assert moved.text == "new text" and moved.owner == OWNER
    assert moved.snapshot_owner("4") == "team-b" and moved.snapshot_owner("3") == OWNER
    assert moved.maps() == {"64702.47": "team-b"}
    assert prune(moved.snaps(), ["4"]) == {OWNER: ["~abcd1234>2"], "team-b": ["4"]}
    assert user_text(None) == "" and Notes.parse("").render() == ""


def test_notes_of_earlier_versions_read_as_the_same_facts() -> None:
    view = Notes.parse("Created by terraform-provider-dellsc from snapshot 64702.101.1")
    assert view.text == "Created by terraform-provider-dellsc" and view.owner is None
    assert view.source == ("snapshot", "64702.101.1") and not view.copying
    clone = Notes.parse("Created by terraform-provider-dellsc cloning 64702.101")
    assert clone.source == ("volume", "64702.101") and clone.copying
    pending = Notes.parse("Created by terraform-provider-dellsc [dellsc:pending 0123456789abcdef]")
    assert pending.legacy_pending and pending.text == "Created by terraform-provider-dellsc"
    assert not Notes.parse(new_notes(None, OWNER)).legacy_pending


def test_claims_reject_the_second_of_two_colliding_resources_in_any_order() -> None:
    key = ("dellsc_volume", "64702", "", "db01")
    claims = Claims()
    assert claims.creating(key, "volume 'db01'") is None
    assert "Two resources" in str(claims.creating(key, "volume 'db01'"))
    claims = Claims()  # an existing volume first, then a new one with its name
    assert claims.holding([key], "volume 'db01'", "64702.101") is None
    assert "already manages" in str(claims.creating(key, "volume 'db01'"))
    claims = Claims()  # the other order: the error lands on the existing one
    assert claims.creating(key, "volume 'db01'") is None
    assert "new resource" in str(claims.holding([key], "volume 'db01'", "64702.101"))
    claims = Claims()  # a replacement is one resource
    assert claims.holding([key], "volume 'db01'", "64702.101") is None
    assert claims.creating(key, "volume 'db01'", replaces="64702.101") is None
    claims = Claims()  # an adoption of an object another resource holds under another name
    assert claims.holding([("dellsc_volume", "64702", "", "db02")], "v", "64702.101") is None
    assert claims.creating(key, "v", adopts="64702.101") is not None
    claims = Claims()  # a destroy of what another resource keeps
    pair = ("dellsc_volume_mapping", "64702.101", "64702.47")
    assert claims.holding([pair], "m", "64702.2000") is None
    assert "destroys" in str(claims.holding([pair], "m", "64702.2000", destroy=True))


def _init(workdir: Path, backend: dict[str, object] | None, workspace: str | None) -> None:
    data = workdir / ".terraform"
    data.mkdir(exist_ok=True)
    if backend is not None:
        (data / "terraform.tfstate").write_text(json.dumps({"version": 3, "backend": backend}))
    if workspace is not None:
        (data / "environment").write_text(workspace)


def test_the_owner_is_the_state_a_working_context_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    monkeypatch.delenv("TF_DATA_DIR", raising=False)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    local = state_owner.derive(str(one))
    assert len(local) == 16 and local == state_owner.derive(str(one))
    assert local != state_owner.derive(str(two)), "two local states, two owners"
    _init(one, None, "staging")
    assert state_owner.derive(str(one)) != local, "each workspace is its own state"
    s3 = {"type": "s3", "config": {"bucket": "b", "key": "k", "secret_key": "S3cr3t"}}
    _init(one, s3, "default")
    _init(two, {**s3, "config": {**s3["config"], "secret_key": "rotated"}}, None)
    assert state_owner.derive(str(one)) == state_owner.derive(str(two)), (
        "one remote state, wherever it is used from, and credentials play no part"
    )
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert state_owner.derive(str(one)) != state_owner.derive(str(tmp_path))
    pg = {"type": "pg", "config": {"conn_str": "postgres://u:pw@db/tf"}}
    _init(two, pg, None)
    pg_owner = state_owner.derive(str(two))
    _init(two, {"type": "pg", "config": {"conn_str": "postgres://u:other@db/tf"}}, None)
    assert state_owner.derive(str(two)) == pg_owner
    assert state_owner.describe(pg_owner) == f"owner id {pg_owner}"
    assert state_owner.describe("team-a") == "owner 'team-a'"


def _replay(frozen: dt.datetime, minutes: float | None) -> ScReplay:
    ends = frozen + dt.timedelta(minutes=minutes) if minutes else frozen
    return ScReplay.model_validate({
        "instanceId": "64702.101.3", "description": "nightly",
        "freezeTime": frozen.isoformat(), "expireTime": ends.isoformat(),
        "expires": bool(minutes),
    })  # fmt: skip


def test_expire_minutes_is_the_lifetime_never_the_minutes_left() -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    replay = _replay(long_ago, 1440.2)
    assert lifetime(replay) == 1440
    assert minutes_state(lifetime(replay), None) == 1440, "import: the lifetime, not 1140 left"
    assert minutes_state(lifetime(replay), Decimal(1441)) == 1441, "rounding: as configured"
    assert minutes_state(lifetime(replay), Decimal(60)) == 1440, "changed outside: drift"
    assert minutes_state(lifetime(_replay(long_ago, None)), Decimal(60)) == 0
