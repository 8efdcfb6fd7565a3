"""What the provider tells the user when a call fails: the right setting to raise, and that a
change may have been committed."""

from __future__ import annotations

from dellsc.provider import DellscProvider
from dellsc.sc.errors import ScApiError, ScNotFound, ScReadTimeout, ScTaskFailed, ScTimeout


def describe(exc: Exception) -> tuple[str, str]:
    return DellscProvider().describe_error(exc)


def test_a_request_timeout_points_at_timeouts_request() -> None:
    summary, detail = describe(ScReadTimeout("GET x: no reply within 30.0 s"))
    assert summary == "Storage Center Timeout"
    assert "timeouts.request" in detail and "timeouts.task" not in detail


def test_a_task_timeout_points_at_timeouts_task() -> None:
    _, detail = describe(ScTimeout("POST x: task 7 still running after 600 s"))
    assert "timeouts.task" in detail and "timeouts.request" not in detail


def test_a_failed_write_says_the_array_may_have_done_it() -> None:
    exc = ScTaskFailed(503, "poll failed", "PUT", "StorageCenter/ScVolume/1.2")
    exc.write, exc.task_id = "PUT StorageCenter/ScVolume/1.2", "1700000000001"
    _, detail = describe(exc)
    assert "may have carried out PUT StorageCenter/ScVolume/1.2 (task 1700000000001)" in detail


def test_a_refused_or_read_failure_claims_nothing() -> None:
    refused = ScTaskFailed(400, "bad size", "POST", "StorageCenter/ScVolume")
    refused.write = "POST StorageCenter/ScVolume"
    assert "may have" not in describe(refused)[1]
    assert "may have" not in describe(ScApiError(500, "boom", "GET", "x"))[1]
    assert "may have" not in describe(ScNotFound(404, "gone", "DELETE", "x"))[1]
