"""A second DSM (`secondary_endpoints`) through real Terraform: the emulator serves the same arrays
on two endpoints and the first one dies, at the start of a run (with the primary Storage Center
too: a site disaster) or in the middle of an apply."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.configs_repl import PRIMARY, SECONDARY, Arrays, plan, volumes
from tests.acceptance.conftest import PASSWORD
from tests.acceptance.harness import ArrayProbe, Result, Terraform

pytestmark = pytest.mark.acceptance
WARNING = "Warning: Using Another DSM"


class SecondDsmProbe(ArrayProbe):
    """The arrays seen through the second endpoint, which stays up."""

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"{self.emulator.base_urls[1]}/api/rest/{path}", body)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"{self.emulator.base_urls[1]}/_emulator/{path}", body)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(password=PASSWORD, ssns=(PRIMARY, SECONDARY), secondary_ports=(0,))
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def probe(emulator: EmulatorServer) -> ArrayProbe:
    return SecondDsmProbe(emulator)


def provider(emulator: EmulatorServer) -> str:
    """DSM one from DELLSC_ENDPOINT, DSM two from the provider block."""
    second = emulator.base_urls[1]
    return (
        f'provider "dellsc" {{\n  ssn                 = {PRIMARY}\n'
        f'  secondary_endpoints = ["{second}"]\n}}\n'
    )


def flat(result: Result) -> str:
    return " ".join(result.output.split())


def clean_plan(tf: Terraform) -> str:
    result = tf.run("plan", "-detailed-exitcode", "-input=false", "-no-color", ok=None)
    assert result.code == 0, f"plan not empty:\n{result.output}"
    return flat(result)


def test_site_down_failover_through_the_second_dsm(
    tf_any: Terraform, emulator: EmulatorServer, probe: ArrayProbe
) -> None:
    """The primary site is lost, its DSM with it: the plan and the failover run on the DSM of
    the secondary site, told once per run, and the copies take over."""
    tf = tf_any
    arrays = Arrays(probe)
    names = ["db1", "db2"]
    tf.write(provider(emulator) + volumes(*names) + plan("dr", names))
    tf.init()
    tf.apply()
    clean_plan(tf)
    assert len(arrays.replications()) == 2

    arrays.down(PRIMARY)
    probe.admin("POST", "endpoints/0/down")
    tf.write(provider(emulator) + volumes(*names) + plan("dr", names, active_site="secondary"))
    mutations = probe.mutations()
    preview = flat(tf.run("plan", "-input=false", "-no-color"))
    assert probe.mutations() == mutations, "the plan changes nothing"
    assert preview.count(WARNING) == 1, preview
    first, second = emulator.base_urls
    assert f"The DSM at {first} did not answer" in preview
    assert f"uses the DSM at {second} (secondary_endpoints[0])" in preview
    applied = flat(tf.apply())
    assert WARNING in applied and "Error" not in applied
    after = clean_plan(tf)
    assert after.count(WARNING) == 1 and "Error" not in after
    remote = arrays.by_name(SECONDARY)
    assert set(remote) == set(names), "the copies took the volumes' names"
    for replication in arrays.replications():
        assert replication["state"] == "Down", "replication broken off"


def test_dsm_dies_mid_apply(tf: Terraform, emulator: EmulatorServer, probe: ArrayProbe) -> None:
    """Creates the first DSM carried out whose replies it never sent are found on the second
    one and adopted in the same apply; what comes after goes to the second DSM."""
    names = ["mid1", "mid2", "mid3"]
    body = "".join(
        f'resource "dellsc_volume" "{n}" {{\n  name    = "{n}"\n  size_gb = 1\n}}\n' for n in names
    )
    # the second DSM from the environment this time
    tf.env["DELLSC_SECONDARY_ENDPOINTS"] = f" {emulator.base_urls[1]} ,"
    tf.write(f'provider "dellsc" {{\n  ssn = {PRIMARY}\n}}\n' + body)
    tf.init()
    probe.admin("POST", "faults", {
        "method": "POST", "path": "^StorageCenter/ScVolume$", "action": "delay_reply",
        "delay_s": 20, "count": 3, "endpoint": 0,
    })  # fmt: skip
    outcome: list[Result] = []
    apply = threading.Thread(target=lambda: outcome.append(tf.apply()))
    apply.start()
    deadline = time.monotonic() + 120
    while len(made := [v for v in probe.volumes() if v["name"] in names]) < 3:
        assert apply.is_alive() and time.monotonic() < deadline, "the creates never ran"
        time.sleep(0.1)
    probe.admin("POST", "endpoints/0/down")  # the replies are never sent
    apply.join(180)
    [result] = outcome
    output = flat(result)
    assert output.count(WARNING) == 1 and "Error" not in output, output
    assert "Resources: 3 added" in output
    assert sorted(v["name"] for v in probe.volumes()) == names, "found again, not made twice"
    assert {tf.values(f"dellsc_volume.{n}")["id"] for n in names} == {v["instanceId"] for v in made}
    clean_plan(tf)
