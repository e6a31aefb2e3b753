"""Logging for the web application and the command line (issue 12, part 7).

One handler on the root logger, installed by `configure_logging` (create_app and the `einkauf`
command call it): level from EINKAUF_LOG_LEVEL (default INFO), format from EINKAUF_LOG_FORMAT —
`text` (default, one readable line) or `json` (one JSON object per line with time, level,
logger, message and request_id). Every line carries the id of the request it belongs to
("-" outside a request); the web application sets it in `REQUEST_ID` for each request.
No Flask here: the request id reaches this module through a context variable.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

from einkauf.config import ConfigError

REQUEST_ID: ContextVar[str | None] = ContextVar("einkauf_request_id", default=None)

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Extra fields of a record (logger.info(..., extra={...})) that a JSON line carries along.
JSON_EXTRAS = ("method", "path", "status", "duration_ms")


class LogConfigError(ConfigError):
    """EINKAUF_LOG_LEVEL or EINKAUF_LOG_FORMAT names no known value (the message is German)."""


def log_level(value: str | None) -> str:
    """The level named by EINKAUF_LOG_LEVEL (default INFO), in capitals."""
    level = (value or "INFO").strip().upper()
    if level not in LEVELS:
        raise LogConfigError(f"EINKAUF_LOG_LEVEL muss einer von {', '.join(LEVELS)} sein, nicht „{level[:20]}“.")
    return level


def log_format(value: str | None) -> str:
    """The format named by EINKAUF_LOG_FORMAT: text (default) or json."""
    name = (value or "text").strip().lower()
    if name not in FORMATS:
        raise LogConfigError(f"EINKAUF_LOG_FORMAT muss „text“ oder „json“ sein, nicht „{name[:20]}“.")
    return name


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (as `request_id`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    the access fields where present and the traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get() or "-",
        }
        for name in JSON_EXTRAS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StandardError(logging.StreamHandler):
    """Writes to the process's own standard error (file descriptor 2), not to a replaced
    sys.stderr: a command's output captured in-process (click's CliRunner) stays its output."""

    def __init__(self) -> None:
        super().__init__(sys.__stderr__ or sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.__stderr__ or sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def configure_logging(level: str | None = None, fmt: str | None = None, *,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Install einkauf's one log handler on the root logger (replacing an earlier one) and set
    the level of the `einkauf` loggers. Without arguments the environment decides
    (EINKAUF_LOG_LEVEL, EINKAUF_LOG_FORMAT). Returns the handler."""
    level = log_level(level if level is not None else os.environ.get("EINKAUF_LOG_LEVEL"))
    fmt = log_format(fmt if fmt is not None else os.environ.get("EINKAUF_LOG_FORMAT"))
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _StandardError()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.setLevel(level)
    handler.einkauf = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "einkauf", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    logging.getLogger("einkauf").setLevel(level)
    return handler
