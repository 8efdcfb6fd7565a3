"""ScSession: HTTP to the DSM REST API, with no knowledge of SC objects.

Owns the one connection pool of the process (shared by threads), login and API-version
negotiation (§1.5), re-login on an expired session, timeouts, retries of what is safe to repeat,
error mapping (errors.py) and the one log line per call.

Requests go straight to the `requests` transport adapter with headers built here: the
session-level machinery of `requests.Session.request` (merging settings, cookie jars, reading
all of `os.environ` twice) cost more CPU per call than the rest of the call together, and an
apply makes several calls per object. So the environment is read once, for the endpoint, when
the session is made: proxy variables (HTTPS_PROXY, NO_PROXY) apply as in any requests program,
and REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE name the trust store only when neither `ca_file` nor
`insecure` is set. `.netrc` is not read: credentials come from the provider configuration.

Credentials go out only on the login request (Basic auth); later requests carry the session
cookie. Bodies, headers and cookies are never logged; the password, the Basic token and the
session cookie are registered with `dellsc.tf.masks`, so no diagnostic or log line shows them.

Several DSMs (`ScConfig.secondary_endpoints`, §1.9): the session uses one at a time. When a
DSM does not answer (no connection, a broken one, or a 5xx on login) it logs in to the next
one at once and stays there, as the Cinder driver does; a refused login or a TLS failure never
switches, and when no DSM answers the request is retried with the usual backoff. A request
that never reached the array is sent again to the new DSM; the polls of an async task go only
to the DSM that accepted it (`request(pin=...)`). Each switch leaves a notice (`take_notices`)
for the provider to show as a warning.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri
from urllib3.exceptions import InsecureRequestWarning, NewConnectionError

from .. import __version__
from ..tf import masks
from .config import Endpoint, RetryPolicy, ScConfig
from .errors import (
    ScApiError,
    ScApiVersionError,
    ScConnectError,
    ScError,
    ScReadTimeout,
    ScTlsError,
    ScTransportError,
    error_for_status,
)
from .models import ApiConnection
from .units import parse_version

log = logging.getLogger("dellsc.sc")

FIRST_API_VERSION = "2.0"
# assumed when the login reply names no version: current filters, legacy folder paths, as the
# Cinder driver's defaults
UNREPORTED_API_VERSION = "3.0"
LOGIN_PATH = "ApiConnection/Login"
LOGOUT_PATH = "ApiConnection/Logout"
_API_PREFIX = "api/rest/"
_VERSION_ERROR = "Invalid API version specified, the version must be in the range ["
_VERSION_LOW = re.compile(re.escape(_VERSION_ERROR) + r"\s*([^,\]\s]+)\s*,")
_MAX_MESSAGE = 500
_BASIC = re.compile(r"Basic\s+[A-Za-z0-9+/=_-]{8,}", re.IGNORECASE)


@dataclass(frozen=True)
class Reply:
    """A reply with its body decoded: `data` is the JSON value, None for an empty body;
    `text` is the body as text, kept (for messages) unless the reply is a 2xx JSON reply."""

    status: int
    text: str
    data: Any
    is_json: bool
    endpoint_index: int = 0  # which DSM answered (index into ScConfig.endpoints)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class _Link:
    """One DSM endpoint as the session reaches it."""

    index: int
    base: str  # https://host:port/api/rest/
    endpoint: Endpoint
    verify: bool | str
    proxies: dict[str, str]

    @property
    def url(self) -> str:
        """The endpoint as users write it (https://host:port)."""
        return self.base[: -len(_API_PREFIX)].rstrip("/")


class ScSession:
    """Thread-safe HTTP session to one DSM at a time (or a directly addressed SC)."""

    def __init__(self, config: ScConfig) -> None:
        self.config = config
        self._http = requests.Session()  # holds the transport adapter and its connections
        self._links = tuple(
            self._link(index, endpoint) for index, endpoint in enumerate(config.endpoints)
        )
        self._active = 0
        self._notices: list[str] = []
        self._cookies: dict[str, str] = {}
        self._cookie = ""  # the Cookie header made of _cookies
        if config.insecure:
            # the user chose to skip verification; say so once instead of on every request
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
            urls = ", ".join(link.url for link in self._links)
            log.warning("TLS certificate verification is disabled for %s", urls)
        self._lock = threading.RLock()
        self._generation = 0
        self._logged_in = False
        self.header_version = FIRST_API_VERSION
        self.connection: ApiConnection | None = None
        # run after a switch to another DSM, before it is used: raises if it cannot serve
        self.on_switch: Callable[[], None] | None = None

    def _link(self, index: int, endpoint: Endpoint) -> _Link:
        """Take the proxies for the endpoint from the environment, and the `verify` to use
        (the CA bundle variables only stand in for the default trust store)."""
        base, verify = endpoint.api_base, self.config.verify
        found = self._http.merge_environment_settings(base, {}, None, verify, None)
        bundle = found["verify"]
        verify = bundle if verify is True and isinstance(bundle, str) else verify
        password = endpoint.password.get_secret_value()
        masks.register(password, _basic_token(endpoint.username, password)[len("Basic ") :])
        return _Link(index, base, endpoint, verify, dict(found["proxies"]))

    @property
    def endpoint(self) -> str:
        """The DSM in use, as https://host:port."""
        return self._links[self._active].url

    @property
    def active_endpoint(self) -> int:
        """Index (into `ScConfig.endpoints`) of the DSM in use."""
        return self._active

    def take_notices(self) -> list[str]:
        """What happened to the connection since the last call (switches of DSM)."""
        with self._lock:
            notices, self._notices = self._notices, []
        return notices

    # -- what the login told us (§1.6) ---------------------------------------------------------

    @property
    def api_version(self) -> str:
        """The API level the DSM reported at login (not the header we send)."""
        if self.connection and self.connection.api_version:
            return self.connection.api_version
        return UNREPORTED_API_VERSION

    @property
    def legacy_filters(self) -> bool:
        """API 2.0/2.1 take GetList filters without the outer `filter` wrapper."""
        return parse_version(self.api_version)[:2] < (2, 2)

    @property
    def legacy_folder_paths(self) -> bool:
        """Before API 4 folder paths have no leading slash (`a/b/` vs `/a/b/`)."""
        return parse_version(self.api_version)[0] < 4

    @property
    def direct(self) -> bool:
        """True when connected straight to an SC rather than through a DSM."""
        return bool(self.connection and self.connection.provider == "StorageCenter")

    # -- session lifecycle ---------------------------------------------------------------------

    def login(self) -> ApiConnection:
        """Log in, negotiating the API version; replaces any previous session."""
        with self._lock:
            return self._login_locked()

    def ensure_login(self) -> None:
        """Log in unless a session is open; concurrent callers wait for the one login."""
        if not self._logged_in:
            with self._lock:
                if not self._logged_in:
                    self._login_locked()

    def close(self) -> None:
        """Log out (failures are only logged) and release connections."""
        with self._lock:
            if self._logged_in:
                self._logged_in = False
                try:
                    self._send_once(self._links[self._active], "POST", LOGOUT_PATH, {}, read=False)
                except ScError as exc:
                    log.warning("logout failed: %s", exc)
            self._http.close()

    def _login_locked(self) -> ApiConnection:
        """Log in to the DSM in use, else to the next that answers (in configured order)."""
        order = self._order(self._active)
        earlier: list[str] = []
        for link in order:
            try:
                connection = self._login_at(link)
            except ScError as exc:
                if not dsm_unavailable(exc) or link is order[-1]:
                    _also_failed(exc, earlier)
                    raise
                log.warning("DSM %s did not answer the login: %s", link.url, exc)
                earlier.append(str(exc))
                continue
            if link.index != self._active:
                self._switched(link, "; ".join(earlier))
            return connection
        raise AssertionError("unreachable: the last endpoint raises")

    def _order(self, first: int) -> list[_Link]:
        """Every link, starting at `first` and wrapping around."""
        return [self._links[(first + i) % len(self._links)] for i in range(len(self._links))]

    def _login_at(self, link: _Link) -> ApiConnection:
        self._cookies.clear()  # login must not carry a (stale) cookie
        self._cookie = ""
        self._logged_in = False
        reply = self._login_attempt(link)
        low = _version_lower_bound(reply)
        if low and low != self.header_version:
            log.info("DSM rejected API version %s; retrying with %s", self.header_version, low)
            self.header_version = low
            reply = self._login_attempt(link)
        if not reply.ok:
            message = self._message(reply)
            if _version_lower_bound(reply):
                raise ScApiVersionError(reply.status, message, "POST", LOGIN_PATH)
            if reply.status in (401, 403):
                message = f"login as {link.endpoint.username!r} refused: {message}"
            raise error_for_status(reply.status, message, "POST", LOGIN_PATH)
        try:
            self.connection = ApiConnection.model_validate(reply.data)
        except ValueError:
            log.warning("unrecognized login reply; assuming API %s", UNREPORTED_API_VERSION)
            self.connection = None
        self._generation += 1
        self._logged_in = True
        return self.connection or ApiConnection(api_version=UNREPORTED_API_VERSION)

    def _login_attempt(self, link: _Link) -> Reply:
        body = {"Application": "terraform-provider-dellsc", "ApplicationVersion": __version__}
        return self._send_with_retries(link, "POST", LOGIN_PATH, body, read=True, login=True)

    def _relogin(self, seen_generation: int) -> None:
        with self._lock:
            if self._generation == seen_generation:  # nobody re-logged in meanwhile
                log.info("session expired; logging in again")
                self._login_locked()

    def _fail_over(self, failed: _Link, reason: ScError) -> bool:
        """After `failed` did not answer: True once another DSM is in use (logged in and
        checked with `on_switch`), False when none answers."""
        with self._lock:
            if self._active != failed.index:
                return True  # another thread switched meanwhile
            for link in self._order(failed.index)[1:]:
                try:
                    self._login_at(link)
                    self._active = link.index
                    if self.on_switch is not None:
                        self.on_switch()
                except ScError as exc:
                    self._active = failed.index
                    self._logged_in = False
                    log.warning("DSM %s cannot take over: %s", link.url, exc)
                    continue
                self._switched(link, str(reason), previous=failed, mid_run=True)
                return True
            return False

    def _switched(
        self, link: _Link, why: str, previous: _Link | None = None, mid_run: bool = False
    ) -> None:
        before = previous or self._links[self._active]
        self._active = link.index
        which = "endpoint" if link.index == 0 else f"secondary_endpoints[{link.index - 1}]"
        notice = (
            f"The DSM at {before.url} did not answer ({why}); this run uses the DSM at "
            f"{link.url} ({which}) from now on."
        )
        if mid_run:
            notice += (
                f" Async tasks the DSM at {before.url} had accepted can no longer be "
                "followed: an operation waiting on one failed with an unknown outcome, and "
                "the next plan shows what is still to do."
            )
        log.warning("%s", notice)
        self._notices.append(masks.mask(notice))

    # -- requests ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        read: bool,
        is_async: bool = False,
        pin: int | None = None,
    ) -> Reply:
        """One API call; raises the matching ScApiError unless the reply is 2xx.

        `read` marks calls that change nothing (GET, GetList): only those are retried after
        the request may have reached the array. A 401 (expired session) triggers one re-login
        and one replay: the array refused the request, so repeating it is safe. `pin` sends
        the call only to that DSM (ScConnectError if another is in use now), never elsewhere.
        """
        self.ensure_login()
        generation = self._generation
        reply = self._send_with_retries(
            self._target(pin), method, path, body, read=read, is_async=is_async, pinned=pin
        )
        if reply.status == 401:
            self._relogin(generation)
            reply = self._send_with_retries(
                self._target(pin), method, path, body, read=read, is_async=is_async, pinned=pin
            )
        if not reply.ok:
            raise error_for_status(reply.status, self._message(reply), method, path)
        if not reply.is_json:
            snippet = self.redact(reply.text.strip())[:80]
            raise ScApiError(reply.status, f"reply is not JSON: {snippet!r}", method, path)
        return reply

    def _target(self, pin: int | None) -> _Link:
        return self._links[self._active if pin is None else pin]

    def _send_with_retries(
        self,
        link: _Link,
        method: str,
        path: str,
        body: Any,
        *,
        read: bool,
        is_async: bool = False,
        login: bool = False,
        pinned: int | None = None,
    ) -> Reply:
        policy = self.config.retry
        attempt = 1
        switches = 0  # to other DSMs, at most one per DSM: not counted as attempts
        while True:
            if pinned is not None and pinned != self._active:
                raise ScConnectError(f"{method} {path}: the DSM at {link.url} is no longer in use")
            try:
                reply = self._send_once(
                    link, method, path, body, read=read, is_async=is_async, login=login
                )
            except ScTlsError:
                raise
            except ScConnectError as exc:
                # nothing reached the array: another DSM may take the request at once
                can_switch = not login and pinned is None and switches < len(self._links) - 1
                if can_switch and self._fail_over(link, exc):
                    link = self._links[self._active]
                    switches += 1
                    continue
                if attempt >= policy.max_attempts:
                    raise
            except ScTransportError:
                if not read or attempt >= policy.max_attempts:
                    raise
            else:
                if not (read and attempt < policy.max_attempts and _transient(reply, policy)):
                    return reply
            delay = policy.delay(attempt)
            log.debug("retrying %s %s in %.2f s (attempt %d)", method, path, delay, attempt + 1)
            time.sleep(delay)
            attempt += 1

    def _send_once(
        self,
        link: _Link,
        method: str,
        path: str,
        body: Any,
        *,
        read: bool,
        is_async: bool = False,
        login: bool = False,
    ) -> Reply:
        path = api_path(path)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "x-dell-api-version": self.header_version,
        }
        if is_async:
            headers["async"] = "True"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        if login:
            headers["Authorization"] = _basic_token(
                link.endpoint.username, link.endpoint.password.get_secret_value()
            )
        elif self._cookie:
            headers["Cookie"] = self._cookie
        if data is not None:
            headers["Content-Length"] = str(len(data))
        prepared = requests.PreparedRequest()
        prepared.method, prepared.url, prepared.body = method, link.base + requote_uri(path), data
        prepared.headers = CaseInsensitiveDict(headers)
        timeout = self.config.request_timeout
        started = time.monotonic()
        try:
            resp = self._http.get_adapter(link.base).send(
                prepared,
                timeout=(timeout, timeout),
                verify=link.verify,
                proxies=link.proxies,
            )
            self._keep_cookies(resp)
            content = resp.content
        except requests.RequestException as exc:
            elapsed = (time.monotonic() - started) * 1000
            log.info("%s %s failed in %.0f ms: %s", method, path, elapsed, type(exc).__name__)
            raise self._transport_error(exc, link, method, path) from exc
        except OSError as exc:  # requests reports an unreadable CA bundle this way
            ca_file = self.config.ca_file
            what = f"CA file {ca_file!r}" if ca_file else "the default CA bundle"
            raise ScTlsError(f"cannot use {what}: {exc}") from exc
        elapsed = (time.monotonic() - started) * 1000
        level = logging.DEBUG if read or path == LOGOUT_PATH else logging.INFO
        log.log(level, "%s %s -> %d in %.0f ms", method, path, resp.status_code, elapsed)
        try:
            decoded: Any = json.loads(content) if content.strip() else None  # UTF-8 (RFC 8259)
            is_json = True
        except ValueError:
            decoded, is_json = None, False
        ok = 200 <= resp.status_code < 300
        # the text only serves error messages: a list of 1,000 volumes is not kept twice
        text = "" if ok and is_json else content.decode("utf-8", errors="replace")
        return Reply(resp.status_code, text, decoded, is_json, endpoint_index=link.index)

    def _keep_cookies(self, resp: requests.Response) -> None:
        """Remember the session cookie(s) a reply sets; one Cookie header for every request."""
        if resp.cookies:
            with self._lock:
                self._cookies.update(resp.cookies.items())
                self._cookie = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
            masks.register(*resp.cookies.values())

    def _transport_error(
        self, exc: requests.RequestException, link: _Link, method: str, path: str
    ) -> ScTransportError:
        where = f"{method} {path} ({link.base})"
        if isinstance(exc, requests.exceptions.SSLError):
            hint = (
                "set ca_file to the CA certificate that signed the DSM's certificate"
                if not self.config.ca_file
                else f"check that {self.config.ca_file} holds the CA that signed it"
            )
            return ScTlsError(
                f"{where}: TLS verification of the DSM failed ({_reason(exc)}); {hint}, "
                "or set insecure to skip verification"
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return ScConnectError(
                f"{where}: connect timed out after {self.config.request_timeout} s"
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return ScReadTimeout(f"{where}: no reply within {self.config.request_timeout} s")
        if isinstance(exc, requests.exceptions.ConnectionError) and _never_connected(exc):
            return ScConnectError(f"{where}: cannot connect ({_reason(exc)})")
        return ScTransportError(f"{where}: {_reason(exc)}")

    def _message(self, reply: Reply) -> str:
        """The array's message from an error reply (`{"result": ...}` or plain text), redacted."""
        if isinstance(reply.data, dict) and reply.data.get("result") not in (None, ""):
            message = str(reply.data["result"])
        else:
            message = reply.text.strip() or f"HTTP {reply.status}"
        return self.redact(message)[:_MAX_MESSAGE]

    def redact(self, text: str) -> str:
        """`text` from the array with passwords, tokens and URL user info masked, for
        exceptions and logs: an array may echo what it was sent."""
        for link in self._links:
            password = link.endpoint.password.get_secret_value()
            if password:
                token = _basic_token(link.endpoint.username, password)[len("Basic ") :]
                for secret in (token, token.rstrip("="), password):
                    text = text.replace(secret, "***")
        return _BASIC.sub("Basic ***", masks.mask(text))


def _basic_token(username: str, password: str) -> str:
    credentials = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


def dsm_unavailable(exc: ScError) -> bool:
    """True when a DSM did not answer (so another may be tried): no connection, a broken
    one, no reply in time, or a 5xx. A TLS failure or a 4xx is an answer."""
    if isinstance(exc, ScTlsError):
        return False
    if isinstance(exc, ScTransportError):
        return True
    return isinstance(exc, ScApiError) and exc.status >= 500


def _also_failed(exc: ScError, earlier: list[str]) -> None:
    """Add the failures of the DSMs tried before `exc` to its message."""
    if not earlier:
        return
    note = "the DSMs tried before did not answer either: " + "; ".join(earlier)
    if isinstance(exc, ScApiError):
        exc.message = f"{exc.message} ({note})"
    else:
        exc.args = (f"{exc} ({note})",)


def api_path(path: str) -> str:
    """A path relative to /api/rest/; absolute poll URLs are cut down to it, so polling never
    leaves the configured endpoint (§2.3)."""
    if "://" in path:
        path = urlsplit(path).path
    index = path.find(_API_PREFIX)
    if index >= 0:
        path = path[index + len(_API_PREFIX) :]
    return path.lstrip("/")


def _transient(reply: Reply, policy: RetryPolicy) -> bool:
    """A reply worth retrying for a read: one of `policy.retry_statuses`, or the DSM's
    "Unhandled Exception" 400 (a transient fault, §1.9)."""
    if reply.status in policy.retry_statuses:
        return True
    return reply.status == 400 and "Unhandled Exception" in reply.text


def _version_lower_bound(reply: Reply) -> str | None:
    """The lower bound of the accepted range from a version-rejection reply (§1.5)."""
    if reply.ok:
        return None
    message = reply.text
    if isinstance(reply.data, dict) and isinstance(reply.data.get("result"), str):
        message = reply.data["result"]
    match = _VERSION_LOW.match(message.strip())
    return match.group(1) if match else None


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _reason(exc: BaseException) -> str:
    """The innermost useful description of a requests/urllib3 failure (a proxy URL in it
    keeps no user info)."""
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    text = masks.mask(str(reason))
    return text[:_MAX_MESSAGE] if text else type(exc).__name__


__all__ = ["Reply", "ScSession"]
