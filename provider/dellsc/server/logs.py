"""hclog-style JSON logging on stderr, the format go-plugin re-logs at the right level.

One JSON object per line; ``@level``, ``@message``, ``@module`` and ``@timestamp`` are always
strings (a non-string there panics Terraform), the timestamp has exactly six fractional digits
(otherwise the line is shown raw at DEBUG), and every ``extra=`` field becomes a string too.
The ``dellsc`` logger tree logs at the level of ``TF_LOG_PROVIDER`` or else ``TF_LOG``;
everything else (grpc, urllib3, requests) only from WARNING up. Every line goes through
`dellsc.tf.masks`: no registered secret or URL user info is ever written.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

TRACE = 5
OFF = logging.CRITICAL + 10
_TF_LEVELS = {
    "TRACE": TRACE,
    "JSON": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "OFF": OFF,
}
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
QUIET_LOGGERS = ("urllib3", "requests")


def level_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """Terraform's rules: TF_LOG_PROVIDER wins over TF_LOG; unset is INFO; invalid is TRACE."""
    value = environ.get("TF_LOG_PROVIDER") or environ.get("TF_LOG")
    if not value:
        return logging.INFO
    return _TF_LEVELS.get(value.strip().upper(), TRACE)


def hclog_level(levelno: int) -> str:
    if levelno < logging.DEBUG:
        return "trace"
    if levelno < logging.INFO:
        return "debug"
    if levelno < logging.WARNING:
        return "info"
    if levelno < logging.ERROR:
        return "warn"
    return "error"


class HclogFormatter(logging.Formatter):
    """Formats a record as one hclog JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        # imported here: most plugin processes never log, and start-up time counts
        import json
        from datetime import UTC, datetime

        from dellsc.tf.masks import mask

        when = datetime.fromtimestamp(record.created, UTC)
        entry = {
            "@level": hclog_level(record.levelno),
            "@message": mask(record.getMessage()),
            "@module": record.name,
            "@timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("@"):
                entry[key] = mask(str(value))
        if record.exc_info:
            entry["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry)


class _HclogHandler(logging.StreamHandler[TextIO]):
    """Marker class so configure_logging() can replace its own handler."""


def configure_logging() -> None:
    """Send all logging to stderr as hclog JSON; idempotent."""
    logging.addLevelName(TRACE, "TRACE")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HclogHandler)]:
        root.removeHandler(old)
    handler = _HclogHandler(sys.stderr)
    handler.setFormatter(HclogFormatter())
    root.addHandler(handler)
    level = level_from_env()
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger("dellsc").setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
