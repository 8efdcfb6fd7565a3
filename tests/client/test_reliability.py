"""Verified deletes, idempotent creates through the adopt module, masking of echoed secrets."""

from __future__ import annotations

import base64

import pytest

from dellsc.resources import adopt
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


def creation(client: ScClient, name: str) -> adopt.Creation[ScVolume]:
    return adopt.Creation(
        kind="volume",
        name=name,
        notes="user notes",
        find=lambda: client.find_volumes(name=name),
        create=lambda notes: client.create_volume(name, 1, notes=notes),
        set_notes=lambda v, notes: client.update_volume(v.instance_id, notes=notes),
        notes_of=lambda v: v.notes,
        id_of=lambda v: v.instance_id,
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
    assert made is not None and not diags.has_errors
    assert [v.instance_id for v in client.find_volumes(name=name)] == [made.instance_id]
    assert made.notes == "user notes"  # mark cleared, the user's notes kept


def test_create_budget_is_four_requests_plus_polling(
    client: ScClient, unique: Unique, call_log: CallLog
) -> None:
    made = adopt.create_once(creation(client, unique("budget")), Diagnostics())
    assert made is not None
    client.get_volume_configuration(made.instance_id)
    calls = [c for c in call_log.calls if "AsyncTask" not in c[1]]
    assert len(calls) <= 4, calls


def test_a_pending_volume_left_by_a_dead_process_is_adopted(
    client: ScClient, unique: Unique
) -> None:
    name = unique("crashed")
    left = client.create_volume(name, 1, notes=adopt.marked("mine", "0123456789abcdef"))
    diags = Diagnostics()
    made = adopt.create_once(creation(client, name), diags)
    assert made is not None and made.instance_id == left.instance_id
    assert made.notes == "mine"
    assert [d.summary for d in diags.items] == ["Adopted An Unfinished Volume"]
    assert len(client.find_volumes(name=name)) == 1


def test_an_unmarked_volume_of_the_same_name_is_not_adopted(
    client: ScClient, unique: Unique
) -> None:
    name = unique("twin")
    other = client.create_volume(name, 1, notes="someone else's")
    made = adopt.create_once(creation(client, name), Diagnostics())
    assert made is not None and made.instance_id != other.instance_id


def test_a_create_whose_mark_cannot_be_cleared_is_returned_with_an_error(
    client: ScClient, emulator: Emulator, unique: Unique
) -> None:
    name = unique("unfinished")
    emulator.admin.fault(method="PUT", path="ScVolume/", action="status", status=500)
    diags = Diagnostics()
    made = adopt.create_once(creation(client, name), diags)
    assert made is not None and adopt.pending_token(made.notes) is not None
    assert [d.summary for d in diags.items] == ["Volume Created But Not Finished"]
    assert len(client.find_volumes(name=name)) == 1


def test_marks_keep_user_notes() -> None:
    text = adopt.marked("ticket 42", "00ff00ff00ff00ff")
    assert adopt.pending_token(text) == "00ff00ff00ff00ff"
    assert adopt.unmarked(text) == "ticket 42"
    assert adopt.pending_token(adopt.marked(text, "1111222233334444")) == "1111222233334444"
    assert adopt.unmarked("") == "" and adopt.pending_token("ticket 42") is None


def test_outcome_unknown() -> None:
    assert outcome_unknown(ScTaskFailed(500, "poll failed"))
    assert not outcome_unknown(ScTaskFailed(400, "refused"))


def test_echoed_basic_token_is_masked(emulator: Emulator) -> None:
    with emulator.client(ssn=64702) as client:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        text = client.session.redact(f"denied: Authorization: Basic {token} ({PASSWORD})")
        assert token not in text and PASSWORD not in text and "***" in text
