"""Fixtures: the real client against the real emulator over HTTPS on loopback."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
import requests

from dellsc.sc import RetryPolicy, ScClient, ScConfig

USER = "Admin"
PASSWORD = "emulator-canary-Pw9"  # unusual on purpose: tests grep for it in output
SSN = 64702
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)


class Admin:
    """The emulator's test-only admin API (`/_emulator/...`)."""

    def __init__(self, emu: Any) -> None:
        self.url = emu.admin_url.rstrip("/")
        self.http = requests.Session()
        self.http.auth = (USER, PASSWORD)
        self.verify = emu.ca_file or False

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        resp = self.http.request(
            method, f"{self.url}/{path}", json=body, verify=self.verify, timeout=10
        )
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def fault(self, **fault: Any) -> Any:
        return self._call("POST", "faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def expire_sessions(self) -> None:
        self._call("POST", "sessions/expire")

    def add_volumes(self, **spec: Any) -> Any:
        return self._call("POST", "volumes", spec)

    def state(self) -> Any:
        return self._call("GET", "state")

    def stats(self) -> Any:
        return self._call("GET", "stats")


class Emulator:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.admin = Admin(server)

    def config(self, **overrides: Any) -> ScConfig:
        settings: dict[str, Any] = {
            "endpoint": self.server.base_url,
            "username": USER,
            "password": PASSWORD,
            "ca_file": self.server.ca_file,
            "request_timeout": 5.0,
            "task_timeout": 10.0,
            "poll_interval": 0.05,
            "retry": FAST_RETRY,
        }
        settings.update(overrides)
        return ScConfig(**settings)

    def client(self, *, cache: bool = False, connect: bool = True, **overrides: Any) -> ScClient:
        client = ScClient(self.config(**overrides), cache=cache)
        if connect:
            client.connect()
        return client


def _emulator_api() -> tuple[Any, Any]:
    import dellsc.emulator as emulator_mod

    server = getattr(emulator_mod, "EmulatorServer", None)
    options = getattr(emulator_mod, "EmulatorOptions", None)
    if server is None or options is None:
        pytest.skip("dellsc.emulator does not export EmulatorServer/EmulatorOptions yet")
    return server, options


def _options(**overrides: Any) -> Any:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "tls": True,
        "state": ":memory:",
        "ssns": (SSN,),
        "username": USER,
        "password": PASSWORD,
        "task_polls": 1,
    }
    settings.update(overrides)
    return _emulator_api()[1](**settings)


EmulatorFactory = Callable[..., AbstractContextManager[Emulator]]


@pytest.fixture(scope="session")
def make_emulator() -> EmulatorFactory:
    """Start a dedicated emulator with non-default options: `with make_emulator(...) as emu:`."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[Emulator]:
        with _emulator_api()[0](_options(**overrides)) as server:
            yield Emulator(server)

    return start


@pytest.fixture(scope="session")
def shared_emulator(make_emulator: EmulatorFactory) -> Iterator[Emulator]:
    """One emulator (two SCs, for replication) shared by most tests; names must be unique."""
    with make_emulator(ssns=(SSN, 64703)) as emu:
        yield emu


@pytest.fixture
def emulator(shared_emulator: Emulator) -> Iterator[Emulator]:
    shared_emulator.admin.clear_faults()
    yield shared_emulator
    shared_emulator.admin.clear_faults()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[ScClient]:
    with emulator.client(ssn=SSN) as c:
        yield c


Unique = Callable[[str], str]


@pytest.fixture
def unique() -> Unique:
    counter = iter(range(1_000_000))

    def name(prefix: str) -> str:
        return f"{prefix}-{id(counter) % 100000}-{next(counter)}"

    return name


class CallLog(logging.Handler):
    """Counts the client's one-line-per-call log records (method, path)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.calls: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s %s -> %d in %.0f ms":
            self.calls.append((str(record.args[0]), str(record.args[1])))  # type: ignore[index]


@pytest.fixture
def call_log() -> Iterator[CallLog]:
    handler = CallLog()
    logger = logging.getLogger("dellsc.sc")
    old = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)


@contextmanager
def state_unchanged(emulator: Emulator) -> Iterator[None]:
    """Asserts that the block left the emulator's whole state as it found it."""
    before = emulator.admin.state()
    yield
    assert emulator.admin.state() == before


def run_concurrently(count: int, work: Callable[[int], object]) -> list[BaseException]:
    """Runs `work(0)` ... `work(count - 1)` in threads released together; returns what they
    raised (a failure in a thread would otherwise only be printed)."""
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=5)
            work(n)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return failures
