"""The ASGI application: session, version check, async tasks, faults, stats, admin endpoints.

Request flow under `/api/rest/`: from the headers alone, the declared size, the
`x-dell-api-version` check and authentication (credentials on Login, else the session
cookie), so nothing unauthenticated is read or recorded → the body (within a time limit) →
faults → the session check again (a fault may have ended it) → async-task poll or routed
handler inside one store transaction. A mutating request sent with header `async: true` is
executed at once and answered `202` + AsyncTask; its final reply is served by
`GET ApiConnection/AsyncTask/{id}` after `task_polls` polls.

Each endpoint (listening port) is one DSM Data Collector over the same arrays: sessions and
async tasks belong to the endpoint that made them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import itertools
import json
import logging
import re
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import catalog, clusters, protection, servers, volumes  # noqa: F401  (registers routes)
from .drift import Drift, drifted
from .faults import AFTER_ACTIONS, Fault, FaultBook, subject_names
from .limits import (
    MAX_BODY_BYTES,
    BadJson,
    BodyTimeout,
    BodyTooLarge,
    RequestLog,
    Sessions,
    declared_length,
    has_body,
    loads,
    read_body,
)
from .model import Ctx, Reply, Settings, version_tuple
from .options import EmulatorOptions
from .routing import Route, is_mutation, match
from .seed import preload_volumes, seed_storage_center
from .store import Store
from .wire import (
    CLOCK_OFFSET,
    GIB,
    ApiError,
    Body,
    bad_request,
    now_iso,
    parse_int,
    parse_ssn,
)

log = logging.getLogger("dellsc.emulator")

COOKIE = "JSESSIONID"
VERSION_PREFIX = "Invalid API version specified, the version must be in the range ["
MAX_TASKS = 10000

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Dropper = Callable[[Any, Any], bool]


class Endpoints(Protocol):
    """The server's listening endpoints, as the admin API controls them."""

    def index_of(self, server: Any) -> int:
        """The endpoint a connection came in on (`scope["server"]`)."""
        ...

    def listing(self) -> list[dict[str, Any]]: ...

    def switch(self, index: int, up: bool, keep: tuple[Any, Any]) -> dict[str, Any]:
        """Take endpoint `index` down (cutting its connections but `keep`) or up."""
        ...

    def stats(self) -> dict[str, int]: ...


@dataclass
class Response:
    """A reply to send; status 0 means the connection was dropped and nothing is sent.
    `close` ends the connection after the reply (a refused request's body is not read)."""

    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    empty: bool = False
    close: bool = False


@dataclass
class Task:
    """An accepted async request: `doc` answers polls until `polls_left` runs out, then `final`."""

    doc: dict[str, Any]
    polls_left: int
    final: Response
    endpoint: int = 0
    poll_faults: list[Fault] = field(default_factory=list)
    poll_faults_left: list[int] = field(default_factory=list)


class EmulatorApp:
    """One emulated DSM (one or more SCs) over a `Store`."""

    def __init__(self, options: EmulatorOptions, dropper: Dropper | None = None) -> None:
        low, high = options.api_versions
        self.api_range = (version_tuple(low), version_tuple(high))
        self.options = options
        self.settings = Settings(
            ssns=tuple(options.ssns),
            reported_api_version=options.reported_api_version or high,
            direct=options.direct,
            task_polls=options.task_polls,
            username=options.username,
            iscsi_transport_mode=options.iscsi_mode,
            lun_conflict=options.lun_conflict,
        )
        self.drifts = tuple(Drift.of(spec) for spec in options.drifts)
        self.dropper = dropper
        self.endpoints: Endpoints | None = None  # set by the server
        self.faults = FaultBook()
        for spec in options.faults:
            if isinstance(spec, str):
                self.faults.add_text(spec)
            else:
                self.faults.add(spec)
        self.sessions = Sessions(options.session_idle_s, options.max_sessions)
        self.tasks: OrderedDict[str, Task] = OrderedDict()
        self.task_ids = itertools.count(int(time.time() * 1000))
        self.read_counts: dict[str, int] = {}
        self.stats: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.request_log = RequestLog()
        self.clock_offset = dt.timedelta()
        self.store = Store(options.state)
        with self.store.transaction() as txn:
            ctx = Ctx(txn, self.settings, self.read_counts)
            for ssn in self.settings.ssns:
                seed_storage_center(ctx, ssn)
            if options.preload_volumes:
                preload_volumes(ctx, self.settings.ssns[0], options.preload_volumes)

    def close(self) -> None:
        self.store.close()

    # -- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        endpoint = self.endpoints.index_of(scope.get("server")) if self.endpoints else 0
        response = self.refuse_unread(method, path, headers, endpoint)
        if response is None:
            try:
                raw = await read_body(
                    receive, timeout=self.options.body_timeout_s, announced=has_body(headers)
                )
            except BodyTooLarge:
                response = Response(413, {"result": "The request body is too large"}, close=True)
            except BodyTimeout:
                message = "The request body did not arrive in time"
                response = Response(408, {"result": message}, close=True)
            else:
                response = await self.dispatch(scope, method, path, headers, raw, endpoint)
        if response.status == 0:
            log.debug("%s %s -> dropped", method, path)
            return
        payload = b"" if response.empty else json.dumps(response.body, ensure_ascii=False).encode()
        out_headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(payload)).encode()),
        ]
        out_headers += [(k.encode(), v.encode()) for k, v in response.headers]
        if response.close:
            out_headers.append((b"connection", b"close"))
        await send(
            {"type": "http.response.start", "status": response.status, "headers": out_headers}
        )
        await send({"type": "http.response.body", "body": payload})
        log.debug(
            "%s %s -> %d in %.1f ms",
            method,
            path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )

    def refuse_unread(
        self, method: str, path: str, headers: dict[str, str], endpoint: int
    ) -> Response | None:
        """The answer to a request that is refused on its headers alone (too large, wrong API
        version, not authenticated, nowhere to go); None when its body is to be read. A
        refused body is never read into memory: the HTTP layer discards it as it arrives
        (within the header timeout, as the next request's head is due), so the client gets
        its reply; after a `413` the connection closes instead."""
        if (declared_length(headers) or 0) > MAX_BODY_BYTES:
            self.stats["refused_unread"] += 1
            return Response(413, {"result": "The request body is too large"}, close=True)
        if path.startswith("/api/rest/"):
            refusal = self.check_version(headers.get("x-dell-api-version"))
            if refusal is None and path == "/api/rest/ApiConnection/Login" and method == "POST":
                if not self.credentials_ok(headers):
                    refusal = Response(401, {"result": "Invalid user name or password"})
            elif refusal is None and not self.authenticated(headers, endpoint):
                refusal = Response(401, {"result": "Authentication required: log in again"})
            if refusal is not None:
                self.stats["requests"] += 1
        elif path.startswith("/_emulator/"):
            refusal = None if self.credentials_ok(headers) else self.admin_refusal(headers)
        else:
            refusal = Response(404, {"result": f"No resource at {path}"})
        if refusal is not None:
            self.stats["refused_unread"] += 1
        return refusal

    async def dispatch(
        self,
        scope: dict[str, Any],
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        endpoint: int,
    ) -> Response:
        CLOCK_OFFSET.set(self.clock_offset)
        if path.startswith("/api/rest/"):
            api = path[len("/api/rest/") :]
            after: list[Fault] = []
            response = await self.dsm_request(scope, method, api, headers, raw, after, endpoint)
            if self.drifts and 200 <= response.status < 300:
                response.body = drifted(response.body, self.drifts)
            return await self.after_reply(scope, after, response)
        return self.admin(scope, method, path[len("/_emulator/") :], raw)

    # -- DSM API ---------------------------------------------------------------------------

    async def after_reply(
        self, scope: dict[str, Any], after: list[Fault], response: Response
    ) -> Response:
        """Faults that act once the request has run: its effects are committed, then the
        reply is delayed (`delay_reply`) or lost (`lost_reply`)."""
        for fault in after:
            if fault.action == "delay_reply":
                await asyncio.sleep(fault.delay_s)
            else:  # the work is done, the client never hears of it
                return await self.drop(scope, fault)
        return response

    async def dsm_request(
        self,
        scope: dict[str, Any],
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        after: list[Fault],
        endpoint: int = 0,
    ) -> Response:
        self.stats["requests"] += 1
        found = match(method, path)
        route_key = f"{method} {found[0].template if found else path}"
        if path.startswith("ApiConnection/AsyncTask/"):
            route_key = f"{method} ApiConnection/AsyncTask/{{id}}"
        self.by_route[route_key] += 1
        mutating = is_mutation(method, path)
        if mutating:
            self.stats["mutations"] += 1
        text = raw.decode("utf-8", errors="replace") if raw else ""
        with self.store.lock:
            names = subject_names(self.store.objects, path, text) if mutating else []
        self.log_request(method, path, found[0].template if found else None, mutating, raw, names)
        task_fail = None
        poll_faults: list[Fault] = []
        delay = 0.0
        ended = False  # the version and session were checked on arrival, unless a fault
        for fault in self.faults.fire(method, path, text, endpoint, names):
            if fault.target == "poll":
                poll_faults.append(fault)
            elif fault.action in AFTER_ACTIONS:
                after.append(fault)
            elif fault.action == "delay":
                delay += fault.delay_s  # after the session check: slow to run, not to arrive
            elif fault.action == "drop":
                return await self.drop(scope, fault)
            elif fault.action == "expire_session":
                self.sessions.clear()
                ended = True
            elif fault.action == "task_fail":
                task_fail = fault
            else:
                return Response(fault.status, {"result": fault.message})
        if path == "ApiConnection/Login" and method == "POST":
            if delay:
                await asyncio.sleep(delay)
            return self.login(headers, endpoint)
        if ended:
            return Response(401, {"result": "Authentication required: log in again"})
        if delay:
            await asyncio.sleep(delay)
        if path == "ApiConnection/Logout" and method == "POST":
            self.sessions.discard(self.cookie(headers) or "")
            return Response(204, empty=True)
        if path.startswith("ApiConnection/AsyncTask/") and method == "GET":
            return await self.poll_with_faults(scope, path.rsplit("/", 1)[1], endpoint)
        if found is None:
            return Response(404, {"result": f"No {method} resource at {path}"})
        route, params = found
        asynchronous = route.mutating and headers.get("async", "").lower() == "true"
        if task_fail is not None:
            final = Response(task_fail.status, {"result": task_fail.message})
        else:
            final = self.execute(route, params, raw, asynchronous)
        if not asynchronous:
            return final
        accepted = self.accept(scope, headers, route, final, endpoint)
        task = self.tasks[accepted.body["instanceId"]]
        task.poll_faults = poll_faults
        task.poll_faults_left = [f.count for f in poll_faults]
        return accepted

    async def poll_with_faults(
        self, scope: dict[str, Any], task_id: str, endpoint: int
    ) -> Response:
        """A poll, unless a fault aimed at this task's polls (target "poll") answers it."""
        task = self.tasks.get(task_id)
        if task is not None and task.endpoint != endpoint:
            task = None
        for index, fault in enumerate(task.poll_faults if task is not None else ()):
            assert task is not None
            if task.poll_faults_left[index] <= 0:
                continue
            task.poll_faults_left[index] -= 1
            if fault.action == "delay":
                await asyncio.sleep(fault.delay_s)
            elif fault.action == "drop":
                return await self.drop(scope, fault)
            else:
                return Response(fault.status, {"result": fault.message})
        return self.poll(task_id, endpoint)

    def log_request(
        self,
        method: str,
        path: str,
        template: str | None,
        mutating: bool,
        raw: bytes,
        names: list[str],
    ) -> None:
        """Remember a DSM request for `GET /_emulator/requests` (headers are never kept)."""
        entry = {"method": method, "path": path, "route": template, "mutation": mutating,
                 "names": names}  # fmt: skip
        self.request_log.add(entry, raw)

    async def drop(self, scope: dict[str, Any], fault: Fault) -> Response:
        """Close the connection without a reply (or, without a dropper, answer the fault's
        status)."""
        if self.dropper is not None and self.dropper(scope.get("client"), scope.get("server")):
            await asyncio.sleep(0.05)
            return Response(0)
        return Response(fault.status, {"result": fault.message})

    def check_version(self, header: str | None) -> Response | None:
        low, high = self.options.api_versions
        try:
            ok = (
                header is not None
                and self.api_range[0] <= version_tuple(header) <= self.api_range[1]
            )
        except ValueError:
            ok = False
        if ok:
            return None
        return Response(400, {"result": f"{VERSION_PREFIX}{low}, {high}]"})

    def credentials_ok(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return secrets.compare_digest(user, self.options.username) and secrets.compare_digest(
            password, self.options.password
        )

    @staticmethod
    def cookie(headers: dict[str, str]) -> str | None:
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value
        return None

    def authenticated(self, headers: dict[str, str], endpoint: int = 0) -> bool:
        """A live session of this endpoint (a DSM knows only its own sessions)."""
        if "authorization" in headers and not self.credentials_ok(headers):
            return False
        token = self.cookie(headers)
        return bool(token and token.startswith(f"{endpoint}-") and token in self.sessions)

    def login(self, headers: dict[str, str], endpoint: int = 0) -> Response:
        if not self.credentials_ok(headers):
            return Response(401, {"result": "Invalid user name or password"})
        token = f"{endpoint}-{secrets.token_hex(16)}"
        self.sessions.add(token)
        host, _, port = headers.get("host", "127.0.0.1").partition(":")
        body = {
            "objectType": "ApiConnection",
            "instanceId": "0",
            "instanceName": "ApiConnection",
            "apiVersion": self.settings.reported_api_version,
            "apiBuild": 199,
            "minApiVersion": self.options.api_versions[0],
            "provider": "StorageCenter" if self.settings.direct else "EnterpriseManager",
            "providerVersion": "16.3.20.21" if not self.settings.direct else "7.4.10.30",
            "application": "",
            "applicationVersion": "",
            "userName": self.options.username,
            "userId": 434226,
            "hostName": host,
            "webServicesPort": int(port) if port.isdigit() and len(port) <= 5 else 3033,
            "connected": True,
            "sessionKey": int(time.time() * 1000),
            "source": "REST",
            "locale": "en_US",
            "useHttps": self.options.tls,
            "commandLine": False,
            "connectionKey": "",
            "secureString": "",
        }
        secure = "; Secure" if self.options.tls else ""
        return Response(200, body, (("set-cookie", f"{COOKIE}={token}; Path=/; HttpOnly{secure}"),))

    def execute(
        self, route: Route, params: dict[str, str], raw: bytes, asynchronous: bool
    ) -> Response:
        try:
            data = loads(raw)
        except BadJson as exc:
            return Response(400, {"result": str(exc)})
        try:
            body = Body(data) if route.method != "GET" else Body(None)
            with self.store.transaction() as txn:
                ctx = Ctx(txn, self.settings, self.read_counts, asynchronous)
                result = route.handler(ctx, params, body)
        except ApiError as exc:
            return Response(exc.status, {"result": exc.message})
        except OverflowError:  # a number too large for a date, a Java int or SQLite
            return Response(400, {"result": "A number in the request is out of range"})
        if isinstance(result, Reply):
            return Response(result.status, result.body)
        if result is None:
            return Response(route.status, empty=True)
        return Response(route.status, result)

    # -- async tasks -----------------------------------------------------------------------
    def accept(
        self,
        scope: dict[str, Any],
        headers: dict[str, str],
        route: Route,
        final: Response,
        endpoint: int = 0,
    ) -> Response:
        task_id = str(next(self.task_ids))
        scheme = scope.get("scheme", "https")
        host = headers.get("host", "127.0.0.1")
        kind = route.template.split("/")[1]
        doc = {
            "objectType": "AsyncTask",
            "instanceId": task_id,
            "instanceName": task_id,
            "state": "Running",
            "started": True,
            "successful": False,
            "errorState": "None",
            "error": "",
            "localizedError": "",
            "warningList": [],
            "methodName": route.handler.__name__,
            "objectTypeName": kind,
            "stepMessage": f"Running Method [Object: {kind}] [Method: {route.handler.__name__}]",
            "localizedStepMessage": "",
            "currentStep": 1,
            "totalSteps": 2,
            "timeStarted": now_iso(),
            "timeFinished": "1969-12-31T18:00:00-06:00",
            "storageCenter": 0,
            "userName": self.options.username,
            "returnValue": f"{scheme}://{host}/api/rest/ApiConnection/AsyncTask/{task_id}",
        }
        self.tasks[task_id] = Task(doc, self.settings.task_polls, final, endpoint)
        while len(self.tasks) > MAX_TASKS:
            self.tasks.popitem(last=False)
        return Response(202, doc)

    def poll(self, task_id: str, endpoint: int = 0) -> Response:
        task = self.tasks.get(task_id)
        if task is None or task.endpoint != endpoint:
            return Response(404, {"result": f"AsyncTask '{task_id}' was not found"})
        if task.polls_left > 0:
            task.polls_left -= 1
            return Response(200, task.doc)
        return task.final

    # -- admin -----------------------------------------------------------------------------
    @staticmethod
    def admin_refusal(headers: dict[str, str]) -> Response:
        given = headers.get("authorization", "").lower().startswith("basic ")
        return Response(
            401,
            {"result": "Wrong credentials" if given else "Basic credentials required"},
            (("www-authenticate", 'Basic realm="dellsc-emulator"'),),
        )

    def admin(self, scope: dict[str, Any], method: str, path: str, raw: bytes) -> Response:
        """An admin request (its credentials were checked before its body was read)."""
        try:
            data = loads(raw)
            parts = path.rstrip("/").split("/")
            if len(parts) == 3 and parts[0] == "endpoints" and method == "POST":
                return self.admin_endpoint(scope, parts[1], parts[2])
            return self.admin_route(method, path.rstrip("/"), data)
        except BadJson as exc:
            return Response(400, {"result": str(exc)})
        except ApiError as exc:
            return Response(exc.status, {"result": exc.message})
        except ValueError as exc:
            return Response(400, {"result": str(exc)})

    def admin_route(self, method: str, path: str, data: Any) -> Response:
        if path == "faults" and method == "GET":
            return Response(200, {"faults": self.faults.listing()})
        if path == "faults" and method == "POST":
            return Response(201, {"id": self.faults.add(data).id})
        if path == "faults" and method == "DELETE":
            self.faults.clear()
            return Response(200, {"result": True})
        if path == "clock" and method == "POST":
            advance = Body(data).get("advance_s", 0)
            if isinstance(advance, bool) or not isinstance(advance, int | float):
                raise bad_request("advance_s must be a number of seconds")
            if not 0 <= advance <= 10 * 365 * 86400:
                raise bad_request("advance_s must be 0 to ten years")
            self.clock_offset += dt.timedelta(seconds=advance)
            CLOCK_OFFSET.set(self.clock_offset)
            return Response(
                200, {"now": now_iso(), "advanced_s": self.clock_offset.total_seconds()}
            )
        if path == "sessions/expire" and method == "POST":
            expired = len(self.sessions)
            self.sessions.clear()
            return Response(200, {"expired": expired})
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == "storage_centers" and method == "POST":
            if parts[2] not in ("down", "up"):
                return Response(404, {"result": f"No admin resource {method} /_emulator/{path}"})
            return Response(200, self.admin_switch(parts[1], up=parts[2] == "up"))
        if path == "volumes" and method == "POST":
            return Response(201, {"volumes": self.admin_volumes(Body(data))})
        if path == "state" and method == "GET":
            return Response(200, self.store.dump())
        if path == "stats" and method == "GET":
            return Response(
                200,
                {
                    "requests": self.stats["requests"],
                    "mutations": self.stats["mutations"],
                    "refused_unread": self.stats["refused_unread"],
                    "by_route": dict(sorted(self.by_route.items())),
                    "request_log": {
                        "entries": len(self.request_log),
                        "body_bytes": self.request_log.body_bytes,
                    },
                    "connections": self.endpoints.stats() if self.endpoints else {},
                },
            )
        if path == "stats/reset" and method == "POST":
            self.stats.clear()
            self.by_route.clear()
            return Response(200, {"result": True})
        if path == "requests" and method == "GET":
            return Response(200, {"requests": self.request_log.listing()})
        if path == "endpoints" and method == "GET":
            return Response(200, {"endpoints": self.endpoints.listing() if self.endpoints else []})
        if path == "requests" and method == "DELETE":
            self.request_log.clear()
            return Response(200, {"result": True})
        return Response(404, {"result": f"No admin resource {method} /_emulator/{path}"})

    def admin_endpoint(self, scope: dict[str, Any], value: str, action: str) -> Response:
        """Take an endpoint (one DSM) down or bring it back up: down, it listens no more, its
        connections are cut, its sessions end and its async tasks are forgotten, as when
        that DSM's host dies; the arrays stay as they are (the other endpoints serve them)."""
        if action not in ("down", "up") or self.endpoints is None:
            return Response(404, {"result": f"No admin resource POST /_emulator/endpoints/{value}"})
        index = parse_int(value, "endpoint")
        listing = self.endpoints.listing()
        if not 0 <= index < len(listing):
            raise ApiError(404, f"endpoint {index} does not exist (0-{len(listing) - 1})")
        if action == "down":
            self.sessions.end_where(f"{index}-")
            for task_id in [t for t, task in self.tasks.items() if task.endpoint == index]:
                del self.tasks[task_id]
        keep = (scope.get("client"), scope.get("server"))
        return Response(200, self.endpoints.switch(index, action == "up", keep), close=True)

    def admin_switch(self, value: str, *, up: bool) -> dict[str, Any]:
        """Take a Storage Center down (its objects become unreachable through the DSM, as
        when an array is lost) or bring it back up, with its state as it was."""
        ssn = parse_ssn(value, "ssn")
        with self.store.transaction() as txn:
            sc = txn.edit("StorageCenter", str(ssn))
            if sc is None:
                raise ApiError(404, f"StorageCenter '{value}' is not emulated")
            sc["connected"] = up
            sc["userConnected"] = up
            sc["status"] = "Up" if up else "Down"
            txn.put("StorageCenter", sc)
            ctx = Ctx(txn, self.settings, self.read_counts)
            if up:
                ctx.catch_up()
            return ctx.render(sc)

    def admin_volumes(self, body: Body) -> list[dict[str, Any]]:
        ssn = parse_ssn(body.get("ssn", self.settings.ssns[0]), "ssn")
        size = parse_int(body.get("size_bytes", GIB), "size_bytes")
        count = parse_int(body.get("count", 1), "count")
        if size <= 0 or not 1 <= count <= 100000:
            raise bad_request("size_bytes must be > 0 and count 1-100000")
        with self.store.transaction() as txn:
            ctx = Ctx(txn, self.settings, self.read_counts)
            ctx.storage_center(ssn, "ssn")
            name = ctx.check_name(body.get("name"), "name")
            folder = self.folder_by_path(ctx, ssn, body.get("folder_path"))
            made = [
                ctx.create_volume(
                    ssn, name, size, folder=folder, notes="Created through /_emulator"
                )
                for _ in range(count)
            ]
            return ctx.render_all(made)

    @staticmethod
    def folder_by_path(ctx: Ctx, ssn: int, path: Any) -> dict[str, Any] | None:
        if path is None:
            return None
        parts = [p for p in re.split(r"/+", str(path)) if p]
        folder = ctx.find("ScVolumeFolder", f"{ssn}.0")
        for part in parts:
            children = [
                f
                for f in ctx.where("ScVolumeFolder", parent=folder["instanceId"])
                if f["name"] == part
            ]
            if not children:
                raise bad_request(f"folder_path: no volume folder '{part}' in '{path}'")
            folder = children[0]
        return folder
