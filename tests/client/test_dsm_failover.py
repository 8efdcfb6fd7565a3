"""Several DSMs (`secondary_endpoints`): which failures switch, what a switch does to requests
and to async tasks in flight, and what it tells. Against the emulator serving one array on two
endpoints, one of which goes down."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from dellsc.sc import ScClient, errors
from tests.client.conftest import SSN, Emulator, EmulatorFactory, Unique


@pytest.fixture
def pair(make_emulator: EmulatorFactory) -> Iterator[Emulator]:
    """One array behind two DSM endpoints."""
    with make_emulator(secondary_ports=(0,)) as emu:
        yield emu


def two_dsm_client(emu: Emulator, connect: bool = True, **overrides: object) -> ScClient:
    first, second = emu.server.base_urls
    return emu.client(
        endpoint=first, secondary_endpoints=(second,), ssn=SSN, connect=connect, **overrides
    )


def endpoint(emu: Emulator, index: int, action: str) -> None:
    """Take endpoint `index` down or up, through the other one; a taken-down endpoint's
    connections are closed when this returns (so a client sees them closed, not in a race)."""
    other = emu.server.base_urls[1 - index]
    emu.admin.http.post(
        f"{other}/_emulator/endpoints/{index}/{action}", verify=emu.admin.verify, timeout=10
    ).raise_for_status()
    deadline = time.monotonic() + 10
    while action == "down" and time.monotonic() < deadline:
        if not any(p.listener == index for p in list(emu.server.connections.open.values())):
            return
        time.sleep(0.01)


def volume_names(emu: Emulator) -> list[str]:
    """The name of every volume in the array, read through the second endpoint."""
    reply = emu.admin.http.get(
        f"{emu.server.base_urls[1]}/_emulator/state", verify=emu.admin.verify, timeout=10
    )
    reply.raise_for_status()
    return [v["name"] for v in reply.json()["objects"]["ScVolume"].values()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_first_dsm_down_at_start_uses_the_next_and_says_so(pair: Emulator) -> None:
    endpoint(pair, 0, "down")
    with two_dsm_client(pair) as client:
        assert client.session.active_endpoint == 1
        [notice] = client.session.take_notices()
        first, second = pair.server.base_urls
        assert f"The DSM at {first} did not answer" in notice
        assert f"uses the DSM at {second} (secondary_endpoints[0])" in notice
        assert client.session.take_notices() == [], "told once"
        assert client.storage_centers()


def test_no_dsm_answering_names_every_one(pair: Emulator) -> None:
    first = f"https://127.0.0.1:{free_port()}"
    second = f"https://127.0.0.1:{free_port()}"
    client = pair.client(endpoint=first, secondary_endpoints=(second,), connect=False)
    with pytest.raises(errors.ScConnectError) as caught:
        client.connect()
    assert first.split("//")[1] in str(caught.value) and second.split("//")[1] in str(caught.value)


def test_a_refused_login_or_tls_failure_does_not_switch(
    pair: Emulator, make_emulator: EmulatorFactory
) -> None:
    client = two_dsm_client(pair, connect=False, password="wrong-password")
    with pytest.raises(errors.ScAuthError):
        client.connect()
    assert client.session.active_endpoint == 0 and client.session.take_notices() == []
    with make_emulator() as other:  # its certificate is signed by another CA
        first, second = other.server.base_url, pair.server.base_urls[1]
        client = pair.client(endpoint=first, secondary_endpoints=(second,), connect=False)
        with pytest.raises(errors.ScTlsError):
            client.connect()


def test_a_5xx_at_login_switches(pair: Emulator) -> None:
    pair.admin.fault(path="Login", action="status", status=500, endpoint=0, count=10)
    with two_dsm_client(pair) as client:
        assert client.session.active_endpoint == 1


def test_the_secondary_credentials_are_used_there(pair: Emulator) -> None:
    endpoint(pair, 0, "down")
    client = two_dsm_client(pair, connect=False, secondary_password="wrong-password")
    with pytest.raises(errors.ScAuthError):
        client.connect()


def test_dsm_down_mid_run_resends_what_never_left(pair: Emulator, unique: Unique) -> None:
    with two_dsm_client(pair) as client:
        client.create_volume(unique("before"), 1)
        endpoint(pair, 0, "down")
        made = client.create_volume(unique("after"), 1)  # refused on the first: sent again
        assert client.session.active_endpoint == 1
        assert len(client.session.take_notices()) == 1
        assert volume_names(pair).count(made.name) == 1
        endpoint(pair, 0, "up")
        endpoint(pair, 1, "down")
        client.storage_centers()  # and back to the first when the second dies
        assert client.session.active_endpoint == 0


def test_a_task_whose_dsm_dies_is_outcome_unknown(pair: Emulator, unique: Unique) -> None:
    name = unique("inflight")
    pair.admin.fault(
        method="POST", path="^StorageCenter/ScVolume$", target="poll", action="delay",
        delay_s=1.0, endpoint=0,
    )  # fmt: skip
    with two_dsm_client(pair) as client:
        client.storage_centers()
        timer = threading.Timer(0.4, endpoint, (pair, 0, "down"))
        timer.start()
        try:
            with pytest.raises(errors.ScTaskLost) as caught:
                client.create_volume(name, 1)
        finally:
            timer.join()
        assert errors.outcome_unknown(caught.value), "never taken for 'nothing happened'"
        assert caught.value.task_id
        # the array did make it: the next read (on the other DSM) finds it, once
        assert [v.name for v in client.find_volumes(name=name)] == [name]


def test_a_poll_that_cannot_connect_is_outcome_unknown(emulator: Emulator, unique: Unique) -> None:
    """With one DSM too: a task's poll that cannot reach its DSM never means 'nothing done'."""
    emulator.admin.fault(
        method="POST", path="^StorageCenter/ScVolume$", target="poll", action="drop", count=10
    )
    with emulator.client(ssn=SSN) as client, pytest.raises(errors.ScTransportError) as caught:
        client.create_volume(unique("dropped-poll"), 1)
    assert errors.outcome_unknown(caught.value)
