"""The async-task protocol against the emulator: polling, failures, deadlines."""

from __future__ import annotations

import pytest

from dellsc.sc import errors

from .conftest import SSN, CallLog, Emulator, EmulatorFactory, Unique


def _polls(log: CallLog) -> int:
    return sum(1 for m, p in log.calls if m == "GET" and "ApiConnection/AsyncTask/" in p)


def test_tasks_are_polled_until_done(make_emulator: EmulatorFactory, call_log: CallLog) -> None:
    with make_emulator(task_polls=2) as emu, emu.client() as client:
        call_log.calls.clear()
        volume = client.create_volume("polled", 1)
        assert volume.name == "polled"
        first = _polls(call_log)
        assert first >= 2  # the task is still running at the first poll
        client.delete_volume(volume.instance_id)
        assert _polls(call_log) == 2 * first


def test_task_failure_carries_the_arrays_message(emulator: Emulator, unique: Unique) -> None:
    with emulator.client(ssn=SSN) as client:
        volume = client.create_volume(unique("fail"), 1)
        emulator.admin.fault(
            method="POST",
            path="ExpandToSize$",
            action="task_fail",
            status=500,
            message="Not enough free space in the disk folder",
        )
        with pytest.raises(errors.ScTaskFailed, match="Not enough free space") as caught:
            client.expand_volume(volume.instance_id, 100)
        assert caught.value.status == 500
        assert caught.value.method == "POST" and caught.value.path.endswith("/ExpandToSize")
        assert client.get_volume(volume.instance_id).size_gb == 1
        client.delete_volume(volume.instance_id)


def test_task_deadline(make_emulator: EmulatorFactory) -> None:
    with make_emulator(task_polls=1000) as emu, emu.client(task_timeout=0.3) as client:
        with pytest.raises(errors.ScTimeout, match="still running"):
            client.create_volume("slow", 1)
