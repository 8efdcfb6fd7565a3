"""The `dellsc` provider: its configuration, the SC client it opens, and its resource types.

ConfigureProvider plays the Cinder driver's check_for_setup_error: log in, negotiate the API
version and check the Storage Center serial number, each failure a diagnostic that points at
the argument to fix.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from dellsc.actions import ACTIONS
from dellsc.actions.base import Action
from dellsc.data_sources import DATA_SOURCES
from dellsc.data_sources.base import DataSource
from dellsc.functions import FUNCTIONS
from dellsc.functions.base import Function
from dellsc.list_resources import LIST_RESOURCES
from dellsc.list_resources.base import ListResource
from dellsc.resources import RESOURCES
from dellsc.resources.base import Resource, Values
from dellsc.resources.claims import Claims
from dellsc.resources.profiles import ProfileCatalog
from dellsc.sc import errors
from dellsc.schema.loader import provider_schema
from dellsc.schema.model import Schema
from dellsc.schema.validators import VALIDATORS, parse_duration
from dellsc.tf import masks, state_owner
from dellsc.tf.diagnostics import AttrPath, Diagnostics
from dellsc.tf.masks import display_url
from dellsc.tf.values import contains_unknown

if TYPE_CHECKING:
    from dellsc.sc import ScClient, ScConfig

log = logging.getLogger("dellsc.provider")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ProviderNotConfigured(RuntimeError):
    """A resource needed the array before ConfigureProvider succeeded."""


class DellscProvider:
    """One provider instance per plugin process."""

    def __init__(self) -> None:
        self.schema: Schema = provider_schema()
        self._client: ScClient | None = None
        self.catalog: ProfileCatalog | None = None
        self._catalogs: dict[int, ProfileCatalog] = {}
        self.volume_folder: str | None = None
        self._instances: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._planned_ids: set[tuple[str, str]] = set()
        self._claims: dict[tuple[str, str], str] = {}
        self._warned: set[str] = set()
        self.claims = Claims()
        self._owner: str | None = None

    # -- configuration -------------------------------------------------------------------

    def _settings(self, config: Values, diags: Diagnostics) -> dict[str, Any]:
        """Config values with environment fallbacks, converted to their types."""
        out: dict[str, Any] = {}
        for attr in self.schema.attributes:
            value = config.get(attr.name)
            source = attr.name
            if value is None and attr.env:
                raw = next((os.environ[e] for e in attr.env if e in os.environ), None)
                source = attr.env[0]
                if raw is None:
                    value = None
                elif attr.type == "bool":
                    if raw.strip().lower() not in _TRUE | _FALSE:
                        diags.error(
                            f"Invalid {source}",
                            f"{source} must be true or false, got {raw!r}.",
                            AttrPath(attr.name),
                        )
                    value = raw.strip().lower() in _TRUE
                elif attr.type == ["list", "string"]:
                    value = [part.strip() for part in raw.split(",") if part.strip()]
                elif attr.type == "number":
                    try:
                        value = Decimal(raw.strip())
                    except InvalidOperation:
                        diags.error(
                            f"Invalid {source}",
                            f"{source} must be a number, got {raw!r}.",
                            AttrPath(attr.name),
                        )
                else:
                    value = raw
                for rule, arg in attr.validators if value is not None else ():
                    message = VALIDATORS[rule](value, arg)
                    if message:
                        diags.error(
                            f"Invalid {source}", f"{source} {message}.", AttrPath(attr.name)
                        )
            out[attr.name] = value
        return out

    def validate_config(self, config: Values, diags: Diagnostics) -> None:
        """Nothing beyond the schema: env fallbacks are checked at configure time."""

    def configure(self, config: Values, diags: Diagnostics) -> None:
        if contains_unknown(config):
            log.info("provider configuration not yet known; deferring the connection")
            return
        settings = self._settings(config, diags)
        masks.register(settings["password"], settings["secondary_password"])
        for name, env in (
            ("endpoint", "DELLSC_ENDPOINT"),
            ("username", "DELLSC_USERNAME"),
            ("password", "DELLSC_PASSWORD"),
        ):
            if not settings[name]:
                diags.error(
                    f"Missing {name.capitalize()}",
                    f"Set {name} in the provider block or the {env} environment variable.",
                    AttrPath(name),
                )
        ca_file = settings["ca_file"]
        if ca_file and not os.path.isfile(ca_file):
            diags.error(
                "CA File Not Found", f"ca_file {ca_file!r} is not a readable file.",
                AttrPath("ca_file"),
            )  # fmt: skip
        if diags.has_errors:
            return
        if settings["insecure"]:
            diags.warning(
                "TLS Verification Disabled",
                "insecure = true: the provider does not check the DSM's certificate, so anyone "
                "on the network path can read the credentials and change the array. Use it only "
                "against test systems; set ca_file instead.",
                AttrPath("insecure"),
            )
        _warn_plain_http(settings, diags)
        try:
            sc_config = _sc_config(settings)
        except ValueError as exc:
            diags.error("Invalid Provider Configuration", _config_error(exc), AttrPath("endpoint"))
            return
        from dellsc.sc import ScClient

        client = ScClient(sc_config, cache=True)
        try:
            client.connect()
        except errors.ScError as exc:
            summary, detail, attribute = _connect_failure(exc, sc_config)
            diags.error(summary, detail, AttrPath(attribute))
            return
        self._client = client
        self.notices(diags)
        self.catalog = ProfileCatalog(client)
        self.volume_folder = settings["volume_folder"]
        self._owner = settings["owner"]
        log.info("connected to Storage Center %s (API %s)", client.ssn, client.api_version)
        # Terraform spends a while building its graph before the first ReadResource: fill
        # the read cache meanwhile, so the refresh of N objects does not wait for it.
        threading.Thread(target=self._prefetch, name="dellsc-prefetch", daemon=True).start()

    def _prefetch(self) -> None:
        try:
            self.client().warm_cache()
            self.catalog_or_fail().profiles("replay_profiles")
        except Exception:  # the reads that need these will fetch them and report failures
            log.debug("prefetch failed", exc_info=True)

    # -- used by resources ---------------------------------------------------------------

    def client(self) -> ScClient:
        if self._client is None:
            raise ProviderNotConfigured(
                "The dellsc provider is not configured (its arguments were unknown or "
                "ConfigureProvider failed), so the Storage Center cannot be reached."
            )
        return self._client

    @property
    def owner(self) -> str:
        """Who owns what this configuration creates: the `owner` argument, else the identity
        of the Terraform state this process works for."""
        if self._owner is None:
            self._owner = state_owner.derive()
        return self._owner

    def catalog_or_fail(self) -> ProfileCatalog:
        self.client()
        assert self.catalog is not None
        return self.catalog

    def catalog_for(self, ssn: int | None) -> ProfileCatalog | None:
        """The profile catalog of SC `ssn` under the same DSM (None: the configured SC's);
        None before the provider is configured."""
        if self._client is None or self.catalog is None:
            return None
        if ssn is None or int(ssn) == self._client.ssn:
            return self.catalog
        with self._lock:
            catalog = self._catalogs.get(int(ssn))
            if catalog is None:
                catalog = self._catalogs[int(ssn)] = ProfileCatalog(self._client.for_ssn(ssn))
            return catalog

    def _instance(self, kind: str, registry: Mapping[str, Any], type_name: str) -> Any:
        """The one instance of a type per process, made on first use."""
        with self._lock:
            key = (kind, type_name)
            if key not in self._instances:
                self._instances[key] = registry[type_name](self)
            return self._instances[key]

    def resource(self, type_name: str) -> Resource:
        return self._instance("resources", RESOURCES, type_name)  # type: ignore[no-any-return]

    def data_source(self, type_name: str) -> DataSource:
        return self._instance("data_sources", DATA_SOURCES, type_name)  # type: ignore[no-any-return]

    def first_plan_of(self, type_name: str, object_id: str) -> bool:
        """True the first time this process plans the object; False when another resource
        in this run already holds it in its state (two resources managing one object)."""
        with self._lock:
            key = (type_name, object_id)
            if key in self._planned_ids:
                return False
            self._planned_ids.add(key)
            return True

    def claim(self, what: str, key: str, claimant: str) -> str | None:
        """The earlier claimant of `key` in this run when it is not `claimant`, else None
        (and `claimant` holds it from now on)."""
        with self._lock:
            holder = self._claims.setdefault((what, key), claimant)
        return None if holder == claimant else holder

    def first_warning(self, key: str) -> bool:
        with self._lock:
            if key in self._warned:
                return False
            self._warned.add(key)
            return True

    def action(self, type_name: str) -> Action:
        return self._instance("actions", ACTIONS, type_name)  # type: ignore[no-any-return]

    def list_resource(self, type_name: str) -> ListResource:
        return self._instance("list_resources", LIST_RESOURCES, type_name)  # type: ignore[no-any-return]

    def function(self, name: str) -> Function:
        """A provider-defined function: pure, so it works before ConfigureProvider."""
        return FUNCTIONS[name]()

    def describe_error(self, exc: Exception) -> tuple[str, str]:
        if isinstance(exc, errors.ScUnavailable):
            return "Storage Center Unreachable", str(exc)
        if isinstance(exc, errors.ScNotFound):
            return "Storage Center Object Not Found", str(exc)
        if isinstance(exc, errors.ScValidationError | errors.ScBadRequest):
            return "Storage Center Rejected The Request", str(exc)
        if isinstance(exc, errors.ScStillExists):
            return "Storage Center Object Not Deleted", str(exc)
        if isinstance(exc, errors.ScNotApplied):
            return "Storage Center Did Not Apply The Change", str(exc)
        if isinstance(exc, errors.ScTaskFailed):
            return "Storage Center Task Failed", f"{exc}{_maybe_committed(exc)}"
        if isinstance(exc, errors.ScReadTimeout):
            return "Storage Center Timeout", _sentences(
                f"{exc}{_maybe_committed(exc)}", "Raise timeouts.request in the provider block"
            )
        if isinstance(exc, errors.ScTimeout):
            return "Storage Center Timeout", _sentences(
                f"{exc}{_maybe_committed(exc)}", "Raise timeouts.task in the provider block"
            )
        if isinstance(exc, errors.ScError):
            return "Storage Center Error", f"{exc}{_maybe_committed(exc)}"
        if isinstance(exc, ProviderNotConfigured):
            return "Provider Not Configured", str(exc)
        log.error("unexpected provider error", exc_info=exc)
        return "Unexpected Provider Error", f"{type(exc).__name__}: {exc}"

    def notices(self, diags: Diagnostics) -> None:
        """Warn once of what happened to the connection since the last call (a switch to
        another DSM); called after every RPC, so a switch in the middle of an apply is told
        by the first operation that ends after it."""
        if self._client is None:
            return
        for notice in self._client.session.take_notices():
            diags.warning(
                "Using Another DSM", f"{notice} Both DSMs must manage the same Storage Centers."
            )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _sc_config(settings: dict[str, Any]) -> ScConfig:
    from dellsc.sc import ScConfig

    timeouts = settings["timeouts"] or {}
    ssn = settings["ssn"]
    return ScConfig(
        endpoint=settings["endpoint"],
        username=settings["username"],
        password=settings["password"],
        secondary_endpoints=tuple(settings["secondary_endpoints"] or ()),
        secondary_username=settings["secondary_username"],
        secondary_password=settings["secondary_password"],
        ssn=int(ssn) if ssn is not None else None,
        ca_file=settings["ca_file"],
        insecure=bool(settings["insecure"]),
        request_timeout=_seconds(timeouts.get("request"), 30.0),
        task_timeout=_seconds(timeouts.get("task"), 600.0),
    )


def _warn_plain_http(settings: dict[str, Any], diags: Diagnostics) -> None:
    """A warning for each `http://` DSM: Basic credentials and the session cookie go in clear."""
    urls = [("endpoint", settings["endpoint"])] + [
        ("secondary_endpoints", url) for url in settings["secondary_endpoints"] or ()
    ]
    for attribute, url in urls:
        if url.strip().lower().startswith("http://"):
            diags.warning(
                "Plain HTTP Endpoint",
                f"{attribute} {display_url(url)!r} uses http://: the DSM password (sent at "
                "login) and the session cookie travel unencrypted, so anyone on the network "
                "path can read them and change the array. Use https:// except against test "
                "systems.",
                AttrPath(attribute),
            )


def _config_error(exc: ValueError) -> str:
    """A configuration error's message without the rejected input (it may hold a secret)."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return "; ".join(
            str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors(include_url=False, include_input=False)
        )
    return masks.mask(str(exc))


def _seconds(duration: str | None, default: float) -> float:
    """A validated duration in seconds; the default only when it is not set."""
    if duration is None:
        return default
    seconds = parse_duration(duration)
    if seconds is None:  # validate_config rejected it already
        raise ValueError(f"invalid duration {duration!r}")
    return seconds


def _maybe_committed(exc: errors.ScError) -> str:
    """For a failed change whose outcome is unknown: what the array may have done."""
    if not exc.write or not errors.outcome_unknown(exc):
        return ""
    task = f" (task {exc.task_id})" if exc.task_id else ""
    return (
        f". The array may have carried out {exc.write}{task} before the failure; the next "
        "plan reads the array and shows only what is still to do."
    )


def _sentences(*parts: str) -> str:
    """Join message parts as sentences: each ends with a full stop, one space between."""
    out = []
    for part in parts:
        text = part.strip()
        if text:
            out.append(text if text.endswith((".", "!", "?")) else text + ".")
    return " ".join(out)


def _connect_failure(exc: errors.ScError, config: ScConfig) -> tuple[str, str, str]:
    """Summary, detail and the attribute to blame for a failed login/SSN check."""
    if isinstance(exc, errors.ScTlsError):
        # the client's message already says what to set (ca_file, or insecure)
        return (
            "TLS Verification Failed",
            _sentences(str(exc)),
            "ca_file" if config.ca_file else "endpoint",
        )
    if isinstance(exc, errors.ScAuthError):
        return (
            "Authentication Failed",
            _sentences(str(exc), "Check username and password"),
            "username",
        )
    if isinstance(exc, errors.ScApiVersionError):
        return "Unsupported DSM API Version", _sentences(str(exc)), "endpoint"
    if isinstance(exc, errors.ScNotFound | errors.ScValidationError):
        return "Unknown Storage Center", _sentences(str(exc)), "ssn"
    if isinstance(exc, errors.ScTransportError):
        return (
            "Cannot Reach The Storage Center API",
            _sentences(str(exc), "Check endpoint (scheme, host and port)"),
            "endpoint",
        )
    return "Storage Center Login Failed", _sentences(str(exc)), "endpoint"
