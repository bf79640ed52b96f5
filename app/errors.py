"""One error format for every failure: RFC 9457 `application/problem+json`.

Services raise `AppError` subclasses; HTTP exceptions (404, 405, 413, webargs' 422...), integrity
errors, JWT failures and unexpected exceptions are all turned into the same body here:
`{"type", "title", "status", "detail", "code"}` plus `"errors": {field: [messages]}` for validation.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g, json
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.common.db import rollback
from app.common.schemas import PROBLEM_MIMETYPE

log = logging.getLogger("duka.errors")


# One title per code: every code a client can see is registered here with its title, by the
# AppError subclasses (on definition) and by the HTTP and token errors below. A second title
# for a code is refused at import.
TITLES: dict[str, str] = {}


def register_code(code: str, title: str) -> None:
    known = TITLES.setdefault(code, title)
    if known != title:
        raise TypeError(f"problem code {code!r} already has the title {known!r}, not {title!r}")


class AppError(Exception):
    """Base of every domain error. Subclasses set `status`, `code` and `title`."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    # A refusal that must leave its trace: the unit of work commits before the error reaches the
    # client (app/common/db.py). False for almost every error: they undo everything.
    keeps_changes: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_code(cls.code, cls.title)

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


register_code(AppError.code, AppError.title)


class ValidationFailed(AppError):
    status, code, title = 422, "validation_error", "Validation failed"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, errors={field: [message]})


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class MediaLinkExpired(Forbidden):
    code, title = "media_link_expired", "Link expired"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class RateLimited(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service unavailable"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("Retry-After", RETRY_AFTER_SECONDS)


class MalformedJson(AppError):
    status, code, title = 400, "malformed_json", "Malformed JSON"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


# Stable machine words for plain HTTP errors (and their one title each).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
for _code, _title in (
    ("method_not_allowed", "Method not allowed"),
    ("rate_limited", "Too many requests"),
    ("internal_error", "Internal server error"),
    ("service_unavailable", "Service unavailable"),
):
    register_code(_code, _title)

# RFC 6750: a 401 names the scheme; `invalid_token` when a token was sent and refused.
TOKEN_REFUSED = {"invalid_token", "token_expired", "token_revoked", "refresh_token_reused", "fresh_token_required"}


def problem(
    status: int,
    code: str,
    *,
    detail: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Build the problem+json response every error handler returns."""
    title = TITLES.get(code) or HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"urn:duka:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401 and "WWW-Authenticate" not in response.headers:
        challenge = 'Bearer realm="duka"'
        if code in TOKEN_REFUSED:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def _flatten_webargs_messages(messages: Any) -> tuple[dict[str, Any] | None, bool]:
    """webargs nests errors by location ({"json": {...}, "query": {...}}); clients want fields.

    Returns (errors by field, whether the body was malformed JSON).
    """
    if not isinstance(messages, dict):
        return None, False
    errors: dict[str, Any] = {}
    malformed = False
    for location, location_errors in messages.items():
        if isinstance(location_errors, dict):
            errors.update(location_errors)
        else:
            if location == "json" and any("Invalid JSON" in str(m) for m in location_errors):
                malformed = True
            errors[location] = location_errors
    return errors or None, malformed


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    data = getattr(error, "data", None) or {}
    errors, malformed = _flatten_webargs_messages(data.get("errors") or data.get("messages"))
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)  # MethodNotAllowed only
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    if malformed or (status == 400 and errors and "json" in errors):
        return problem(400, "malformed_json", detail="The request body is not valid JSON.")
    code = HTTP_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    detail = data.get("message") or (error.description if status != 422 else "The request did not validate.")
    return problem(status, code, detail=detail, errors=errors, headers=headers)


def _discard_unit_of_work() -> None:
    """A failed request leaves nothing half-written: whatever it changed and did not commit goes
    (write routes have rolled their unit of work back already; this covers everything else)."""
    try:
        rollback()
    except Exception:  # pragma: no cover - the database itself may be what failed
        log.exception("rollback failed")


def handle_app_error(error: AppError) -> Response:
    _discard_unit_of_work()
    return problem(
        error.status,
        error.code,
        detail=error.detail,
        errors=error.errors,
        headers=error.headers,
        extra=error.extra,
    )


def handle_rate_limited(error: RateLimitExceeded) -> Response:
    # Flask-Limiter adds Retry-After and X-RateLimit-* in its after_request hook.
    return problem(
        429,
        "rate_limited",
        detail=f"Rate limit exceeded: {error.description}. Try again later.",
    )


def handle_integrity_error(error: IntegrityError) -> Response:
    # A unique or foreign-key constraint fired that a service did not pre-check (a race):
    # the session must be rolled back before anything else uses it.
    _discard_unit_of_work()
    log.warning("integrity error: %s", error.orig)
    return problem(409, "conflict", detail="The request conflicts with existing data.")


RETRY_AFTER_SECONDS = "2"


def handle_database_unavailable(error: SQLAlchemyError) -> Response:
    # The pool had no connection left within its timeout, or the database refused or dropped
    # the connection (or SQLite stayed locked): the service is busy or down, not broken.
    _discard_unit_of_work()
    log.warning("database unavailable (request id %s): %s", g.get("request_id"), type(error).__name__)
    return problem(
        503,
        "service_unavailable",
        detail="The service is busy; try again shortly.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def handle_unexpected(error: Exception) -> Response:
    _discard_unit_of_work()
    log.exception("unhandled error (request id %s)", g.get("request_id"), exc_info=error)
    return problem(500, "internal_error", detail="Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
