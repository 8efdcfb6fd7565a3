"""Verified deletes, idempotent creates through the adopt module, masking of echoed secrets."""

from __future__ import annotations

import base64

import pytest

from dellsc.resources import adopt
from dellsc.resources.marks import Notes, new_notes
from dellsc.sc import ScClient
from dellsc.sc.errors import ScStillExists, ScTaskFailed, outcome_unknown
from dellsc.sc.models import ScVolume
from dellsc.tf.diagnostics import Diagnostics
from tests.client.conftest import PASSWORD, USER, CallLog, Emulator, Unique


def test_delete_answered_404_while_the_volume_exists_is_an_error(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    volume = client.create_volume(unique("undead"), 1)
    emulator.admin.fault(method="DELETE", path="ScVolume/", action="status", status=404)
    with pytest.raises(ScStillExists, match=volume.instance_id):
        client.delete_volume(volume.instance_id)
    assert client.volume_exists(volume.instance_id)
    client.delete_volume(volume.instance_id)
    assert not client.volume_exists(volume.instance_id)


def test_delete_whose_reply_was_lost_is_confirmed_by_reading(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    volume = client.create_volume(unique("lost-delete"), 1)
    emulator.admin.fault(method="DELETE", path="ScVolume/", action="lost_reply")
    client.delete_volume(volume.instance_id)  # no error: the read shows it gone
    assert not client.volume_exists(volume.instance_id)


OWNER = "0123456789abcdef"


def creation(client: ScClient, name: str, owner: str = OWNER) -> adopt.Creation[ScVolume]:
    return adopt.Creation(
        kind="volume",
        what=f"volume {name!r}",
        key=("dellsc_volume", name, owner),
        owner=owner,
        notes=new_notes("user notes", owner),
        find=lambda: client.find_volumes(name=name),
        create=lambda notes: client.create_volume(name, 1, notes=notes),
        notes_of=lambda v: v.notes,
        id_of=lambda v: v.instance_id,
        restamp=lambda v, notes: client.update_volume(v.instance_id, notes=notes),
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "lost_reply"},
        {"action": "status", "status": 500, "target": "poll"},
        {"action": "drop", "count": 3, "target": "poll"},
    ],
)
def test_create_after_a_lost_answer_finds_its_own_volume(
    client: ScClient, emulator: Emulator, unique: Unique, fault: dict[str, object]
) -> None:
    name = unique("lost-create")
    emulator.admin.fault(method="POST", path="ScVolume$", body=name, **fault)
    diags = Diagnostics()
    made = adopt.create_once(creation(client, name), diags)
    assert made is not None and not diags.has_errors, [(d.summary, d.detail) for d in diags]
    assert [v.instance_id for v in client.find_volumes(name=name)] == [made.instance_id]
    assert Notes.parse(made.notes) == Notes("user notes", {"owner": OWNER})  # kept for good


def test_create_budget_is_three_requests_plus_polling(
    client: ScClient, unique: Unique, call_log: CallLog
) -> None:
    """The lookup by name, the create, the read of its configuration: the owner mark goes
    with the create and is never cleared, so no second write."""
    made = adopt.create_once(creation(client, unique("budget")), Diagnostics())
    assert made is not None
    client.get_volume_configuration(made.instance_id)
    calls = [c for c in call_log.calls if "AsyncTask" not in c[1]]
    assert len(calls) <= 3, calls


@pytest.mark.parametrize("earlier", ["this owner", "an earlier version's pending mark"])
def test_a_volume_an_interrupted_create_left_is_adopted(
    client: ScClient, unique: Unique, earlier: str
) -> None:
    name = unique("crashed")
    left = client.create_volume(name, 1, notes=new_notes("mine", OWNER))
    if earlier != "this owner":
        client.update_volume(left.instance_id, notes="mine [dellsc:pending 0123456789abcdef]")
    diags = Diagnostics()
    made = adopt.create_once(creation(client, name), diags)
    assert made is not None and made.instance_id == left.instance_id
    assert Notes.parse(made.notes).owner == OWNER
    assert [d.summary for d in diags.items] == ["Adopted An Unfinished Volume"]
    assert len(client.find_volumes(name=name)) == 1


def test_an_unmarked_volume_of_the_same_name_is_not_adopted(
    client: ScClient, unique: Unique
) -> None:
    name = unique("twin")
    other = client.create_volume(name, 1, notes="someone else's")
    made = adopt.create_once(creation(client, name), Diagnostics())
    assert made is not None and made.instance_id != other.instance_id


def test_another_owners_volume_of_the_same_name_refuses_the_create(
    client: ScClient, unique: Unique
) -> None:
    name = unique("theirs")
    theirs = client.create_volume(name, 1, notes=new_notes(None, "team-b"))
    diags = Diagnostics()
    assert adopt.create_once(creation(client, name), diags) is None
    (error,) = diags.items
    assert error.summary == "Volume Owned By Another Configuration"
    assert theirs.instance_id in error.detail and "owner 'team-b'" in error.detail
    assert [v.instance_id for v in client.find_volumes(name=name)] == [theirs.instance_id]


def test_outcome_unknown() -> None:
    assert outcome_unknown(ScTaskFailed(500, "poll failed"))
    assert not outcome_unknown(ScTaskFailed(400, "refused"))


def test_echoed_basic_token_is_masked(emulator: Emulator) -> None:
    with emulator.client(ssn=64702) as client:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        text = client.session.redact(f"denied: Authorization: Basic {token} ({PASSWORD})")
        assert token not in text and PASSWORD not in text and "***" in text
