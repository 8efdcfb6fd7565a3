"""Walking the commands of a Markdown page: its fenced blocks, one bash script, who failed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SHELL = ("sh", "shell", "bash")
HCL = ("terraform", "hcl")
FILE_MARK = re.compile(r"^# (\S+\.(?:tf|tfquery\.hcl|tfvars|tftest\.hcl|tfmock\.hcl))\n")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FAILED = re.compile(r"^### failed: line (\d+) exit (\d+): (.*)$", re.MULTILINE)
_HEREDOC = "__DOC_WALK_EOF__"
SERVER_LOCK = "/tmp/dellsc-doc-walk-servers.lock"


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: its language, text and first line number in the page."""

    lang: str
    text: str
    line: int

    @property
    def file_name(self) -> str | None:
        """`main.tf` for an HCL block that starts with `# main.tf`: a file of the walk."""
        found = FILE_MARK.match(self.text) if self.lang in HCL else None
        return found.group(1) if found else None

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


def blocks(markdown: str) -> list[Block]:
    found = []
    for match in _FENCE.finditer(markdown):
        line = markdown.count("\n", 0, match.start()) + 2  # the fence's line is 1 before
        found.append(Block(match.group(1), match.group(2), line))
    return found


@dataclass(frozen=True)
class Step:
    """A `run:` step of a GitHub Actions job: its script, page line, env, working-directory."""

    run: str
    line: int
    env: dict[str, str]
    workdir: str


def actions_steps(block: Block) -> list[Step]:
    """The `run: |` steps of the one job in a GitHub Actions YAML block (a small subset)."""
    lines = block.text.split("\n")
    steps: list[Step] = []
    env: dict[str, str] = {}
    workdir = "."
    i = 0
    while i < len(lines):
        indent = len(lines[i]) - len(lines[i].lstrip())
        key = lines[i].strip().removeprefix("- ")
        if lines[i].lstrip().startswith("- "):  # a new step
            env, workdir = {}, "."
        body: list[str] = []
        while key in ("env:", "run: |") and i + 1 < len(lines):
            following = lines[i + 1]
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
            i += 1
        if key.startswith("working-directory:"):
            workdir = key.split(":", 1)[1].strip()
        elif key == "env:":
            pairs = (item.strip().split(":", 1) for item in body if item.strip())
            env = {name: value.strip() for name, value in pairs}
        elif key == "run: |":
            depth = min(len(b) - len(b.lstrip()) for b in body if b.strip())
            run = "\n".join(b[depth:] for b in body).strip("\n")
            steps.append(Step(run, block.line + i - len(body) + 1, env, workdir))
        i += 1
    return steps


@dataclass
class Script:
    """A page's shell blocks and file blocks as one bash script, with a line map back."""

    doc: str
    start: Path
    text: str = ""
    commands: int = 0
    _lines: list[tuple[int, int, int]] = field(default_factory=list)  # script, page line, block

    def add(self, code: str) -> None:
        self.text += code if code.endswith("\n") else code + "\n"

    def add_block(
        self, number: int, block: Block, skipped: dict[str, str], servers: dict[str, str]
    ) -> list[str]:
        """Append a shell block or a file block; returns the skipped and server commands seen.

        A skipped command is replaced by `true`; a server command (one that runs until it is
        stopped) is started in the background and waited for until it prints its ready line.
        """
        seen: list[str] = []
        if block.file_name:
            self.add(f'cd "{self.start}"\nmkdir -p "$(dirname {block.file_name})"')
            self.add(f"cat > {block.file_name} <<'{_HEREDOC}'")
            self.add(block.text + _HEREDOC)
            return seen
        self.mark(number, block.line)
        continued = False
        for n, line in enumerate(block.text.rstrip("\n").split("\n")):
            command = line.split("  #", 1)[0].strip()
            if command in skipped:
                seen.append(command)
                line = f"true  # not run here: {skipped[command]}"
            elif command in servers:
                seen.append(command)
                self.commands += 1
                out = f"server-{number}-{n}.out"
                wait = f"for _ in $(seq 300); do grep -q ready {out} && break; sleep 0.2; done"
                fail = f'echo "### failed: line $LINENO exit 1: {command} (no ready line)"'
                line = (  # one at a time on this machine: it may listen on a fixed port
                    f"exec 9>{SERVER_LOCK} && flock -w 120 9 && {command} > {out} 2>&1 & "
                    f"{wait}; grep ready {out} || {{ {fail}; exit 1; }}"
                )
            elif command and not command.startswith("#") and not continued:
                self.commands += 1
            continued = line.endswith("\\")
            self.add(line)
        return seen

    def add_actions(self, number: int, block: Block, workspace: Path) -> None:
        """The job's `run:` steps in order, as the runner would run them in `workspace`: each
        with its env and working-directory, and what a step appends to $GITHUB_ENV exported
        for the steps after it."""
        self.add(f'export GITHUB_WORKSPACE="{workspace}" GITHUB_ENV="{workspace}/.github_env"')
        self.add(f'export RUNNER_TEMP="{workspace}/.runner_temp"')
        self.add('mkdir -p "$RUNNER_TEMP" && touch "$GITHUB_ENV"')
        for step in actions_steps(block):
            self.add(f'echo "### {self.doc} block {number} (line {step.line})"')
            self.add(f'cd "{workspace}/{step.workdir}"')
            self.add("".join(f"export {name}={value}\n" for name, value in step.env.items()))
            self._map(number, step.line)
            for line in step.run.split("\n"):
                self.commands += bool(line.strip()) and not line.lstrip().startswith("#")
                self.add(line)
            self.add('set -a && . "$GITHUB_ENV" && set +a')

    def mark(self, number: int, page_line: int) -> None:
        """Start block `number` (0: what the walk does around the page's own commands)."""
        self.add(f'cd "{self.start}"\necho "### {self.doc} block {number} (line {page_line})"')
        self._map(number, page_line)

    def _map(self, number: int, page_line: int) -> None:
        """The next line of the script is `page_line` of the page, in block `number`."""
        self._lines.append((self.text.count("\n") + 1, page_line, number))

    def where(self, script_line: int) -> tuple[int, int]:
        """(block number, page line) of a line of the script."""
        script_line -= 1  # the trap's line
        best = (0, 0)
        for start, page_line, number in self._lines:
            if script_line >= start:
                best = (number, page_line + script_line - start)
        return best

    def bash(self) -> str:
        trap = "trap 'echo \"### failed: line $LINENO exit $?: $BASH_COMMAND\"' ERR\n"
        return trap + self.text


@dataclass(frozen=True)
class Outcome:
    code: int
    output: str
    failure: str  # "" when the script succeeded


def run(script: Script, env: dict[str, str], log: Path, timeout: float) -> Outcome:
    """Run script with `bash -e`; names the page line and command that failed, if any.

    Output goes to a file (background jobs keep pipes open); confirmations read "yes" from
    stdin, as a user types them; background jobs (emulators) are ended with the script.
    """
    answers = log.with_suffix(".stdin")
    answers.write_text("yes\n" * 20)
    with log.open("w") as out, answers.open() as stdin:
        proc = subprocess.Popen(
            ["bash", "-e", "-c", script.bash()], cwd=script.start, env=env, text=True,
            start_new_session=True, stdout=out, stderr=subprocess.STDOUT, stdin=stdin,
        )  # fmt: skip
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = -1
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
    output = log.read_text(errors="replace")
    failure = ""
    failed = _FAILED.findall(output) if code != 0 else []
    if failed:
        line, status, command = failed[-1]
        number, page_line = script.where(int(line))
        failure = f"{script.doc}:{page_line} (block {number}): `{command}` exited {status}"
    elif code == -1:
        started = re.findall(r"^### \S+ block (\d+) \(line (\d+)\)$", output, re.MULTILINE)
        at = f"block {started[-1][0]} (line {started[-1][1]})" if started else "the start"
        failure = f"{script.doc}: timed out after {timeout:.0f} s in {at}"
    elif code != 0:
        failure = f"{script.doc}: exited {code}"
    return Outcome(code, output, failure)
