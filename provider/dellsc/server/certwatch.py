"""Remove a cached server certificate when the Terraform command it belongs to ends.

Run as a script (standard library only, started with ``python -I -S``) by `certcache` when it
writes a command's certificate file: ``certwatch.py PID START_TIME PATH``. It waits for
process PID (whose start time, field 22 of /proc/PID/stat, is START_TIME) to end, however it
ends (also by kill -9), then removes PATH. It holds no file of the command open and runs in a
session of its own, so it keeps nothing of Terraform's alive.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time

POLL_S = 1.0  # where pidfd_open is missing


def start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks), None once PID is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def wait_for_end(pid: int, started: str) -> None:
    """Return once process `pid` started at `started` has ended."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = -1
    try:
        if handle >= 0 and start_time(pid) == started:  # the pidfd is of that very process
            select.select([handle], [], [])
            return
        while start_time(pid) == started:
            time.sleep(POLL_S)
    finally:
        if handle >= 0:
            os.close(handle)


def main(argv: list[str]) -> int:
    pid, started, path = int(argv[1]), argv[2], argv[3]
    wait_for_end(pid, started)
    with contextlib.suppress(OSError):
        os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
