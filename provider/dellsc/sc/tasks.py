"""The asynchronous-task protocol (§2): send with `async: True`, then poll the AsyncTask.

The poll URL comes from the task's `returnValue` (§2.3); polling stops at the first reply that
is not an AsyncTask, which is the operation's result. Unlike the Cinder driver we keep an overall
deadline, start polling fast and back off, and also treat a task that reports an error state as
failed.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from .errors import (
    ScApiError,
    ScAuthError,
    ScConnectError,
    ScError,
    ScTaskFailed,
    ScTaskLost,
    ScTimeout,
)
from .models import AsyncTask, parse
from .session import ScSession

_FIRST_POLL_DELAY = 0.005  # most tasks finish in well under a second: look early
_FAILED_STATES = {"error", "failed", "aborted", "cancelled", "canceled"}


def is_async_task(data: Any) -> bool:
    """True for a JSON object whose `objectType` (in any key case, §3.5) is AsyncTask."""
    if not isinstance(data, dict):
        return False
    kind = next(
        (v for k, v in data.items() if isinstance(k, str) and k.lower() == "objecttype"), ""
    )
    return kind == "AsyncTask"


def poll_path(task: AsyncTask) -> str:
    """Where to poll a task: the path of `returnValue`, or `ApiConnection/AsyncTask/<id>`."""
    url = task.return_value.strip()
    if "<" in url:
        raise ScApiError(202, f"malformed AsyncTask URL {url[:100]!r}")
    if not url:
        url = "ApiConnection/AsyncTask/"
    path = urlsplit(url).path if "://" in url else url
    if path.endswith("/"):
        if not task.instance_id:
            raise ScApiError(202, "AsyncTask has neither a poll URL nor an instanceId")
        path += task.instance_id
    return path.lstrip("/")


class Poller:
    """Paces a poll loop: the first wait is short, each next one twice as long up to
    `interval`, and none runs past `timeout` seconds from creation."""

    def __init__(self, timeout: float, interval: float) -> None:
        self._deadline = time.monotonic() + timeout
        self._interval = interval
        self._delay = _FIRST_POLL_DELAY

    def wait(self) -> bool:
        """Sleep before the next poll; False (without sleeping) once the deadline has passed."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(self._delay, remaining))
        self._delay = min(self._delay * 2, self._interval)
        return True


def run_task(
    session: ScSession, method: str, path: str, body: Any = None, *, is_async: bool = True
) -> Any:
    """Send a mutating call asynchronously and wait for its result (the final reply's JSON).

    A synchronous answer (any 2xx that is not an AsyncTask) is accepted as the result; with
    `is_async=False` the call is sent without the `async` header, asking for one.
    Raises ScTaskFailed when a poll is answered with an error, ScTimeout past the deadline,
    ScTaskLost when the DSM that accepted the task stops answering its polls (they never go
    to another DSM, which would not know the task).
    """
    config = session.config
    poller = Poller(config.task_timeout, config.poll_interval)
    reply = session.request(method, path, body, read=False, is_async=is_async)
    data = reply.data
    while is_async_task(data):
        task = parse(AsyncTask, data, method, path)
        try:
            data = _poll_once(task, session, poller, method, path, reply.endpoint_index)
        except ScError as exc:
            if isinstance(exc, ScConnectError) or session.active_endpoint != reply.endpoint_index:
                lost = ScTaskLost(
                    f"{method} {path}: task {task.instance_id} was accepted, but the DSM that "
                    f"runs it stopped answering ({exc})"
                )
                lost.task_id = task.instance_id
                raise lost from exc
            exc.task_id = exc.task_id or task.instance_id
            raise
    return data


def _poll_once(
    task: AsyncTask, session: ScSession, poller: Poller, method: str, path: str, endpoint: int
) -> Any:
    """Check the task's last answer, wait, and poll it again (at the DSM that accepted it);
    the new answer."""
    config = session.config
    _raise_if_failed(task, session, method, path)
    if not poller.wait():
        raise ScTimeout(
            f"{method} {path}: task {task.instance_id} "
            f"({task.object_type_name} {task.method_name}) still running after "
            f"{config.task_timeout:.0f} s"
        )
    try:
        return session.request("GET", poll_path(task), read=True, pin=endpoint).data
    except ScAuthError as exc:
        # a 401 survived the session's re-login: the credentials, not the task, failed
        if exc.status == 401:
            raise
        raise ScTaskFailed(exc.status, exc.message, method, path) from exc
    except ScApiError as exc:
        raise ScTaskFailed(exc.status, exc.message, method, path) from exc


def _raise_if_failed(task: AsyncTask, session: ScSession, method: str, path: str) -> None:
    failed = task.state.lower() in _FAILED_STATES or task.error_state.lower() not in ("", "none")
    if failed:
        message = task.localized_error or task.error or task.step_message or task.state
        raise ScTaskFailed(500, session.redact(message), method, path)
