"""The shell commands in README.md and the guides work as written, on a fresh copy of the repo.

Each file's ```sh blocks run in order in one bash (`set -e`), in a copy of the tracked files
with an empty HOME and no CLI config, as a new user would run them. Two shortcuts, both named:
the copy shares this checkout's `.venv` (so `make venv` is already done: a real `make venv`
is what `.ci/run` does first), and `make test` is not run inside the test suite (`.ci/run`
runs it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.acceptance
ROOT = Path(__file__).resolve().parents[2]
WALKED = ("README.md", "docs/guides/install.md", "docs/guides/testing-in-ci.md")
NOT_IN_SUITE = re.compile(r"^make test\b.*$", re.MULTILINE)


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)


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
    (dest / ".venv").symlink_to(ROOT / ".venv")


def _run_script(script: str, cwd: Path, home: Path) -> tuple[int, str]:
    """Run script with bash; output goes to a file, since background jobs keep pipes open."""
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("DELLSC_", "TF_", "VIRTUAL_ENV", "XDG_"))
    }  # fmt: skip
    env.update({"HOME": str(home), "CHECKPOINT_DISABLE": "1"})
    log = home.parent / "commands.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["bash", "-e", "-c", script], cwd=cwd, env=env, text=True, start_new_session=True,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            code = proc.wait(timeout=300)
        finally:
            try:  # the blocks may leave background jobs (the emulator): end the whole group
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    return code, log.read_text(errors="replace")


@pytest.mark.parametrize("doc", WALKED)
def test_documented_commands_work(doc: str, tmp_path: Path) -> None:
    blocks = shell_blocks((ROOT / doc).read_text())
    assert blocks, f"{doc} has no ```sh block"
    clone, home = tmp_path / "clone", tmp_path / "home"
    _fresh_copy(clone)
    home.mkdir()
    script = "\n".join(
        f'cd "{clone}"\necho "### block {n}"\n' + NOT_IN_SUITE.sub("true  # run by .ci/run", b)
        for n, b in enumerate(blocks, 1)
    )
    code, output = _run_script(script, clone, home)
    assert code == 0, f"{doc}:\n{output[-6000:]}"
    if doc == "README.md":  # `make demo`, into a file: no colour codes
        assert "Demo complete" in output and "\x1b[" not in output
