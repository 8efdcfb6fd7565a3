"""Bad input: a diagnostic naming the attribute, at validate or plan time; the array untouched."""

from __future__ import annotations

import pytest

from tests.acceptance.configs import volume
from tests.acceptance.harness import ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(volume(size_gb=0), ["size_gb", "at least 1"], id="size-zero"),
        pytest.param(volume(size_gb="1.5"), ["size_gb", "whole number"], id="size-fraction"),
        pytest.param(volume("x" * 251), ["name", "between 1 and 250"], id="name-too-long"),
        pytest.param(volume(size_gb='"big"'), ["Incorrect attribute value type"], id="wrong-type"),
        pytest.param(volume(colour="red"), ["Unsupported argument", "colour"], id="unknown-attr"),
        pytest.param(
            volume(deletion_policy="KEEP"), ["deletion_policy", "must be one of"], id="bad-policy"
        ),
    ],
)
def test_validate_rejects(tf: Terraform, config: str, expected: list[str]) -> None:
    tf.write(config)
    tf.init()
    failed = tf.run("validate", "-no-color", ok=False)
    for text in expected:
        assert text in failed.output


@pytest.mark.parametrize(
    ("attributes", "summary", "attribute"),
    [
        pytest.param({"storage_profile": "Platinum"}, "Unknown Storage Profile",
                     "storage_profile", id="storage-profile"),
        pytest.param({"replay_profiles": ["Daily", "Hourly"]}, "Unknown Snapshot Profile",
                     "replay_profiles", id="replay-profile"),
        pytest.param({"volume_qos_profile": "Turbo"}, "Unknown Volume QoS Profile",
                     "volume_qos_profile", id="qos-profile"),
        pytest.param({"data_reduction_profile": "Zip"}, "Unknown Data Reduction Profile",
                     "data_reduction_profile", id="data-reduction"),
    ],
)  # fmt: skip
def test_unknown_profiles_fail_at_plan(
    tf: Terraform, probe: ArrayProbe, attributes: dict[str, str], summary: str, attribute: str
) -> None:
    tf.write(volume(**attributes))  # type: ignore[arg-type]
    tf.init()
    before, mutations = probe.snapshot(), probe.mutations()
    failed = tf.run("plan", "-no-color", "-input=false", ok=False)
    assert summary in failed.output
    assert f"{attribute} =" in failed.output, "the diagnostic must point at the attribute"
    assert probe.snapshot() == before and probe.mutations() == mutations
