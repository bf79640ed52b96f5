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
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("duka.errors")

PROBLEM_MIMETYPE = "application/problem+json"


class AppError(Exception):
    """Base of every domain error. Subclasses set `status`, `code` and `title`."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

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


class ValidationFailed(AppError):
    status, code, title = 422, "validation_error", "Validation failed"

    @classmethod
    def field(cls, field: str, message: str) -> "ValidationFailed":
        return cls(message, errors={field: [message]})


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload too large"


def problem(
    status: int,
    code: str,
    *,
    title: str | None = None,
    detail: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Build the problem+json response every error handler returns."""
    body: dict[str, Any] = {
        "type": f"urn:duka:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or title or HTTPStatus(status).phrase,
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
    return response


# Stable machine words for plain HTTP errors.
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
        return problem(400, "malformed_json", title="Malformed JSON", detail="The request body is not valid JSON.")
    code = HTTP_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    detail = data.get("message") or (error.description if status != 422 else "The request did not validate.")
    return problem(status, code, title=HTTPStatus(status).phrase, detail=detail, errors=errors, headers=headers)


def _discard_unit_of_work() -> None:
    """A failed request leaves nothing half-written: whatever it changed and did not commit goes."""
    from app.common.tasks import rollback

    try:
        rollback()
    except Exception:  # pragma: no cover - the database itself may be what failed
        log.exception("rollback failed")


def handle_app_error(error: AppError) -> Response:
    _discard_unit_of_work()
    return problem(
        error.status,
        error.code,
        title=error.title,
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
        title="Too many requests",
        detail=f"Rate limit exceeded: {error.description}. Try again later.",
    )


def handle_integrity_error(error: IntegrityError) -> Response:
    # A unique or foreign-key constraint fired that a service did not pre-check (a race):
    # the session must be rolled back before anything else uses it.
    _discard_unit_of_work()
    log.warning("integrity error: %s", error.orig)
    return problem(409, "conflict", title="Conflict", detail="The request conflicts with existing data.")


def handle_unexpected(error: Exception) -> Response:
    _discard_unit_of_work()
    log.exception("unhandled error (request id %s)", g.get("request_id"), exc_info=error)
    return problem(500, "internal_error", title="Internal server error", detail="Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
