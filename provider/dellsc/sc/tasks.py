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

from .errors import ScApiError, ScAuthError, ScTaskFailed, ScTimeout
from .models import AsyncTask
from .session import ScSession

FIRST_POLL_DELAY = 0.05
_FAILED_STATES = {"error", "failed", "aborted", "cancelled", "canceled"}


def is_async_task(data: Any) -> bool:
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


def run_task(
    session: ScSession, method: str, path: str, body: Any = None, *, timeout: float | None = None
) -> Any:
    """Send a mutating call asynchronously and wait for its result (the final reply's JSON).

    A synchronous answer (any 2xx that is not an AsyncTask) is accepted as the result.
    Raises ScTaskFailed when a poll is answered with an error, ScTimeout past the deadline.
    """
    config = session.config
    limit = config.task_timeout if timeout is None else timeout
    deadline = time.monotonic() + limit
    data = session.request(method, path, body, read=False, is_async=True).data
    delay = FIRST_POLL_DELAY
    while is_async_task(data):
        task = AsyncTask.model_validate(data)
        _raise_if_failed(task, method, path)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ScTimeout(
                f"{method} {path}: task {task.instance_id} "
                f"({task.object_type_name} {task.method_name}) still running after "
                f"{limit:.0f} s"
            )
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, config.poll_interval)
        try:
            data = session.request("GET", poll_path(task), read=True).data
        except ScAuthError as exc:
            if exc.status == 401:
                raise
            raise ScTaskFailed(exc.status, exc.message, method, path) from exc
        except ScApiError as exc:
            raise ScTaskFailed(exc.status, exc.message, method, path) from exc
    return data


def _raise_if_failed(task: AsyncTask, method: str, path: str) -> None:
    failed = task.state.lower() in _FAILED_STATES or task.error_state.lower() not in ("", "none")
    if failed:
        message = task.localized_error or task.error or task.step_message or task.state
        raise ScTaskFailed(500, message, method, path)
