"""ClientCore: what every area of the client shares (session, SSN, cache, parsing at the edge)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar

from .cache import Reader, Readers
from .config import ScConfig
from .errors import (
    ScApiError,
    ScAuthError,
    ScError,
    ScNotFound,
    ScStillExists,
    ScTaskFailed,
    ScUnavailable,
    ScValidationError,
    outcome_unknown,
)
from .filters import filter_body
from .models import ScModel, ScObject, StorageCenter, parse, parse_list
from .session import ScSession
from .tasks import run_task
from .units import ssn_of

M = TypeVar("M", bound=ScModel)
Obj = TypeVar("Obj", bound=ScObject)
V = TypeVar("V")


class ClientCore:
    """Shared state and helpers; the per-area mixins build the public methods on these."""

    def __init__(self, config: ScConfig, *, cache: bool = False) -> None:
        self.config = config
        self.session = ScSession(config)
        self._connect_lock = threading.Lock()
        self._ssn: int | None = None
        # reads that cost what the configuration asks for (cache.py); None: always single
        self._readers: Readers | None = Readers() if cache else None
        # views of the other SCs of the DSM (`for_ssn`), sharing the session; any write
        # through one drops the caches of all
        self._views: dict[int, Self] = {}
        # replication QoS nodes this process created, by instance ID (shared by the views)
        self.created_qos_nodes: dict[str, str] = {}
        # folders a create or move of this process uses: never removed as empty meanwhile
        self.pinned_folders: set[str] = set()
        self.session.on_switch = self._check_new_dsm
        self._synchronous = False

    @property
    def ssn(self) -> int:
        """Serial number of the SC this client works on (connects on first use)."""
        if self._ssn is None:
            with self._connect_lock:
                if self._ssn is None:
                    self._connect_locked()
        assert self._ssn is not None
        return self._ssn

    @property
    def api_version(self) -> str:
        """The API version the DSM reported at login."""
        return self.session.api_version

    def connect(self) -> None:
        """Log in (negotiating the API version) and resolve the SC to work on.

        The configured SSN must be managed by the DSM (else ScNotFound naming those that
        are); without one, the DSM must manage exactly one SC (else ScValidationError).
        """
        with self._connect_lock:
            self._connect_locked()

    def _connect_locked(self) -> None:
        self.session.login()
        wanted = self.config.ssn
        if wanted is None:
            serials = self._managed_serials()
            if len(serials) != 1:
                raise ScValidationError(
                    f"the DSM manages {len(serials)} Storage Centers ({_listed(serials)}); "
                    "set ssn to one"
                )
            wanted = serials[0]
        else:
            self._check_managed(wanted)
        self._ssn = wanted

    def _check_new_dsm(self) -> None:
        """A DSM taking over mid-run must manage this client's SC (ScNotFound if not)."""
        if self._ssn is not None:
            self._check_managed(self._ssn)

    def for_ssn(self, ssn: int) -> Self:
        """This client bound to another SC of the same DSM (this one for its own SSN).

        The view shares the session; ScNotFound when the DSM does not manage `ssn`.
        """
        serial = int(ssn)
        if serial == self.ssn:
            return self
        with self._connect_lock:
            view = self._views.get(serial)
        if view is None:
            self._check_managed(serial)
            view = copy.copy(self)
            view._ssn = serial
            view._connect_lock = threading.Lock()
            view._readers = Readers() if self._readers is not None else None
            with self._connect_lock:
                view = self._views.setdefault(serial, view)
                view._views = self._views
                self._views.setdefault(self.ssn, self)
        return view

    def synchronous(self) -> Self:
        """This client sending its writes synchronously (no `async` header): the DSM answers
        each with its result, one request instead of the accepted reply and its polls (§2,
        §3.9). For short single-object changes sent many at a time (a failover), where
        each poll would cost a round trip to a DSM tens to hundreds of ms away."""
        view = copy.copy(self)
        view._synchronous = True
        return view

    def storage_centers(self) -> list[StorageCenter]:
        """Every SC the DSM manages (a direct connection lists only itself)."""
        return self._get_list(StorageCenter, "StorageCenter/StorageCenter")

    def sc_reachable(self, ssn: int) -> bool:
        """Whether the DSM lists SC `ssn` as connected (False when it does not manage it)."""
        for sc in self.storage_centers():
            if sc.sc_serial_number == int(ssn):
                return sc.connected and sc.status.casefold() != "down"
        return False

    def down_error(self, exc: ScError, ssn: int) -> bool:
        """Whether `exc` says SC `ssn` is unreachable through the DSM (the DSM answers, the
        SC behind it does not); False when that cannot be told."""
        if isinstance(exc, ScUnavailable):
            return True
        if not isinstance(exc, ScApiError) or isinstance(exc, ScAuthError):
            return False
        try:
            return not self.sc_reachable(ssn)
        except ScError:
            return False

    def _unavailable(self, exc: ScApiError, ssn: int) -> ScApiError:
        """`exc` as ScUnavailable when SC `ssn` is down: a failed or empty answer about its
        objects then says nothing about them (never that they are gone)."""
        if isinstance(exc, ScAuthError) or self.sc_reachable(ssn):
            return exc
        return ScUnavailable(
            exc.status,
            f"Storage Center {ssn} is not reachable through the DSM ({exc.message})",
            exc.method,
            exc.path,
        )

    def _managed_serials(self) -> list[int]:
        return sorted(sc.sc_serial_number for sc in self.storage_centers())

    def _check_managed(self, ssn: int) -> None:
        """ScNotFound, naming the SCs the DSM does manage, unless it manages `ssn`."""
        serials = self._managed_serials()
        if int(ssn) not in serials:
            raise ScNotFound(
                404,
                f"Storage Center {ssn} is not managed by this DSM; managed: {_listed(serials)}",
                "GET",
                "StorageCenter/StorageCenter",
            )

    # -- reads ---------------------------------------------------------------------------------

    def _get(self, model: type[M], path: str) -> M:
        data = self.session.request("GET", path, read=True).data
        if isinstance(data, list):  # some endpoints answer with a 1-element array
            if not data:
                raise ScNotFound(404, "empty reply", "GET", path)
            data = data[0]
        return parse(model, data, "GET", path)

    def _get_list(self, model: type[M], path: str) -> list[M]:
        data = self.session.request("GET", path, read=True).data
        return parse_list(model, data, "GET", path)

    def _read(
        self,
        name: str,
        key: str,
        one: Callable[[str], V],
        bulk: Callable[[], Mapping[str, V]] | None = None,
        size: Callable[[], int | None] | None = None,
    ) -> V:
        """`one(key)`, or the answer of this client's reader `name` (cache.py) for a key of
        this client's Storage Center: `bulk` lists them all, `size` estimates how many."""
        reader = self._reader(name, bulk, size)
        if reader is None or ssn_of(key) != self.ssn:
            return one(key)
        return reader.get(key, one)

    def _reader(
        self,
        name: str,
        bulk: Callable[[], Mapping[str, V]] | None,
        size: Callable[[], int | None] | None = None,
    ) -> Reader[V] | None:
        """This client's reader `name`, made on first use; None when the client does not
        cache."""
        if self._readers is None:
            return None
        return self._readers.reader(name, lambda: Reader(name, bulk, size))

    def _memo(self, key: str, load: Callable[[], V]) -> V:
        """`load()`, kept until the next write when the client caches."""
        return load() if self._readers is None else self._readers.memo(key, load)

    def _get_by_id(self, model: type[Obj], kind: str, instance_id: str) -> Obj:
        """One object by id through the pattern public clients use (a GetList filtered on
        `instanceId`); a GET by id confirms an empty answer or stands in for a failed one
        (that a GET by id works for `kind` is inferred, reference §9.1a)."""
        try:
            found = [
                o
                for o in self._query(
                    model, kind, scSerialNumber=ssn_of(instance_id), instanceId=instance_id
                )
                if o.instance_id == instance_id
            ]
        except ScAuthError:
            raise
        except ScApiError:
            found = []
        return found[0] if found else self._get(model, f"StorageCenter/{kind}/{instance_id}")

    def _query(self, model: type[M], kind: str, **conditions: Any) -> list[M]:
        """`POST StorageCenter/<kind>/GetList` with an AND of Equals conditions."""
        path = f"StorageCenter/{kind}/GetList"
        body = filter_body(conditions, legacy=self.session.legacy_filters)
        try:
            data = self.session.request("POST", path, body, read=True).data
        except ScNotFound as exc:
            # a query that matches nothing answers []: a 404 says nothing about the objects
            raise ScApiError(exc.status, exc.message, exc.method, exc.path) from exc
        return parse_list(model, data, "POST", path)

    # -- writes --------------------------------------------------------------------------------

    def _write(self, method: str, path: str, body: Any = None) -> Any:
        """Run a mutating call as an async task; any write drops the read cache."""
        try:
            return run_task(self.session, method, path, body, is_async=not self._synchronous)
        except ScError as exc:
            exc.write = exc.write or f"{method} {path}"
            raise
        finally:
            self._invalidate()

    def _write_existing(self, method: str, path: str, body: Any = None) -> Any:
        """A write on an object that must exist: a 404, on the request or on its task, is
        raised as ScNotFound."""
        try:
            return self._write(method, path, body)
        except ScTaskFailed as exc:
            if exc.status == 404:
                raise ScNotFound(exc.status, exc.message, exc.method, exc.path) from exc
            raise

    def _delete_verified(
        self, path: str, what: str, exists: Callable[[], bool], body: Any = None
    ) -> Any:
        """DELETE `path` and trust no "gone" without reading: a 404 on the request or its task
        is confirmed with `exists()` (ScStillExists naming `what` if the object is still
        there), and a failure whose outcome is unknown (lost reply, failed poll, timeout)
        counts as success once `exists()` says the object is gone. The reply otherwise."""
        try:
            return self._write_existing("DELETE", path, body)
        except ScNotFound as exc:
            if exists():
                raise ScStillExists(
                    exc.status,
                    f"the array answered that {what} is gone ({exc.message}), but it still "
                    "exists; it was not deleted",
                    "DELETE",
                    path,
                ) from exc
            return None
        except ScError as exc:
            if outcome_unknown(exc) and not exists():
                return None
            raise

    def _write_one(self, model: type[M], method: str, path: str, body: Any = None) -> M | None:
        """A write whose result is an object; None when the array sent an empty body."""
        data = self._write(method, path, body)
        if isinstance(data, list):
            data = data[0] if data else None
        if not data:
            return None
        return parse(model, data, method, path)

    def _create(self, model: type[M], path: str, body: Any) -> M:
        """A POST that must answer with the object it made; an empty reply is an ScApiError."""
        created = self._write_one(model, "POST", path, body)
        if created is None:
            raise ScApiError(201, f"the reply holds no {model.__name__}", "POST", path)
        return created

    def _invalidate(self) -> None:
        family: list[ClientCore] = [self, *list(self._views.values())]
        for client in {id(c): c for c in family}.values():
            if client._readers is not None:
                client._readers.invalidate()


def _listed(serials: list[int]) -> str:
    return ", ".join(str(s) for s in serials) or "none"
