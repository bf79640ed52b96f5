"""Structured logs: one JSON line per record, and one per request with its id and duration."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("duka")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.filters[:] = [f for f in werkzeug.filters if not isinstance(f, _RedactSecrets)]
    werkzeug.addFilter(_RedactSecrets(app))


def init_request_context(app: Flask) -> None:
    """Request ids (echoed when the client sends a sane one) and the access log line."""
    access = logging.getLogger("duka.access")

    @app.before_request
    def start() -> None:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        started = g.get("started")
        path = _logged_path()
        access.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "fields": {
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    "request_id": request_id,
                    "user_id": g.get("user_id"),
                    "remote_addr": request.remote_addr,
                }
            },
        )
        return response


def _logged_path() -> str:
    """The request path, with a provider's callback secret replaced by `<secret>`: secrets never
    reach a log line, whatever the status (a trailing slash's 404 and a GET's 405 included)."""
    return redact(request.path, current_app)


_SECRETS = "duka.secret_paths"


def _secret_paths(app: Flask) -> re.Pattern[str] | None:
    """What precedes a `<secret>` segment in any route (M-Pesa's callback today, B2C results
    tomorrow), as one pattern matching that prefix and whatever follows it in the path."""
    if _SECRETS not in app.extensions:
        prefixes = sorted(
            {rule.rule.split("<", 1)[0] for rule in app.url_map.iter_rules() if "secret>" in rule.rule}, key=len
        )
        app.extensions[_SECRETS] = (
            re.compile("(" + "|".join(re.escape(p) for p in reversed(prefixes)) + r")[^\s?#]*") if prefixes else None
        )
    return app.extensions[_SECRETS]


def redact(text: str, app: Flask) -> str:
    """`text` (a path, or a request line) with everything after a secret route's prefix replaced."""
    pattern = _secret_paths(app)
    return pattern.sub(r"\1<secret>", text) if pattern is not None else text


class _RedactSecrets(logging.Filter):
    """For the development server's own request lines (werkzeug's logger)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(redact(a, self.app) if isinstance(a, str) else a for a in record.args)
        return True
