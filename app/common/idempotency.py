"""`Idempotency-Key` (IETF draft "The Idempotency-Key HTTP Header Field"): a client retrying a
POST that creates something (an order, a payment) gets the first response again, never a
second order.

    @blp.post("/orders")
    @login_required(Role.CUSTOMER)
    @idempotent("createOrder")
    @blp.arguments(...)
    @blp.response(201, ...)
    def create(...): ...

Per user, operation and key, for IDEMPOTENCY_KEY_HOURS (24):
- the first request claims the key in a transaction of its own (committed, so a concurrent
  request with the key sees it), then runs; its successful response is stored in the *same*
  transaction as the change it made, so the two commit or vanish together (a crash in
  between leaves an unfinished claim and no order; the claim is taken over after
  IDEMPOTENCY_LOCK_SECONDS);
- the same key and body again: the stored status, body and Location, with
  `Idempotent-Replayed: true`; nothing runs;
- the same key with another body: 422 `idempotency_key_reused`;
- while the first is still running: 409 `idempotency_key_in_progress` (retry in a moment);
- a request that fails (4xx, 5xx) stores nothing and frees its key: fix the cause and retry
  with the same key.
The header is a Structured Field string (`Idempotency-Key: "8e03978e-..."`); a bare token is
accepted too, as most clients send one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_jwt_extended import current_user
from sqlalchemy import delete, select, update

from app.common.bodies import request_json
from app.common.db import changed_rows, insert_unless_exists, unit_of_work
from app.common.models import MAX_KEY_LENGTH, IdempotencyRecord
from app.common.types import utcnow
from app.errors import AppError, Conflict, ValidationFailed
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"


class IdempotencyKeyRequired(AppError):
    status, code, title = 400, "idempotency_key_required", "Idempotency-Key header required"


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency_key_reused", "Idempotency key reused with another request"


class IdempotencyKeyInProgress(Conflict):
    code, title = "idempotency_key_in_progress", "A request with this idempotency key is in progress"


def _key_from_header() -> str:
    raw = request.headers.get(HEADER, "").strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':  # an sf-string
        raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not raw:
        raise IdempotencyKeyRequired(
            f"Send an {HEADER} header (a fresh UUID per order, the same on every retry of it)."
        )
    if len(raw) > MAX_KEY_LENGTH or not raw.isprintable() or not raw.isascii():
        raise ValidationFailed.field(HEADER, f"At most {MAX_KEY_LENGTH} printable ASCII characters.")
    return raw


def _fingerprint() -> str:
    """The request's body, canonically: key order and white space do not make it another request."""
    body = request_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")) if body is not None else request.get_data()
    if isinstance(canonical, str):
        canonical = canonical.encode()
    return hashlib.sha256(canonical).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])


def _lock_timeout() -> timedelta:
    return timedelta(seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"])


def _replay(record: IdempotencyRecord) -> Response:
    response = current_app.response_class(
        record.response_body or "", status=record.response_status, mimetype="application/json"
    )
    if record.response_location:
        response.headers["Location"] = record.response_location
    response.headers["Idempotent-Replayed"] = "true"
    return response


@contextmanager
def _keeping_loaded_objects() -> Iterator[None]:
    # The claim's commit changes nothing the request has loaded (the current user): keep it
    # instead of reloading it on next access, a query per request saved.
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = expiring


def _claim(user_id: int, operation: str, key: str, fingerprint: str) -> tuple[int | None, Response | None]:
    """Claim the key (committed at once); returns (claim id, None), or (None, the stored response)."""
    now = utcnow()
    with _keeping_loaded_objects(), unit_of_work():
        values = {
            "user_id": user_id,
            "operation": operation,
            "key": key,
            "fingerprint": fingerprint,
            "locked_at": now,
            "created_at": now,
        }
        claimed = _insert_claim(values)
        if claimed is not None:
            return claimed, None
        # The key is known: decide from its record.
        found = db.session.scalar(
            select(IdempotencyRecord)
            .where(
                IdempotencyRecord.user_id == user_id,
                IdempotencyRecord.operation == operation,
                IdempotencyRecord.key == key,
            )
            .execution_options(populate_existing=True)
        )
        if found is None:  # its first request failed and freed it in between: ours now
            return _claim_again(values)
        if found.created_at <= now - _lifetime():  # expired: the key starts afresh
            db.session.delete(found)
            db.session.flush()
            return _claim_again(values)
        if found.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"This {HEADER} was used with another request body: use a new key for a new request.",
                errors={HEADER: ["Already used with another body."]},
            )
        if found.response_status is not None:
            return None, _replay(found)
        stale_before = now - _lock_timeout()
        if found.locked_at is not None and found.locked_at > stale_before:
            raise IdempotencyKeyInProgress("The first request with this key is still running; retry shortly.")
        # Its request died without finishing (nothing of it committed): take the claim over, once.
        taken = changed_rows(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == found.id, IdempotencyRecord.locked_at == found.locked_at)
            .values(locked_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken != 1:
            raise IdempotencyKeyInProgress("Another request with this key is running; retry shortly.")
        return found.id, None


def _insert_claim(values: dict[str, Any]) -> int | None:
    return insert_unless_exists(IdempotencyRecord, values, ["user_id", "operation", "key"])


def _claim_again(values: dict[str, Any]) -> tuple[int | None, Response | None]:
    """Claim a key whose record was just freed or expired; a concurrent claimer got it first: 409."""
    claimed = _insert_claim(values)
    if claimed is None:
        raise IdempotencyKeyInProgress("Another request with this key is running; retry shortly.")
    return claimed, None


def _complete(claim_id: int, response: Response) -> None:
    db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim_id)
        .values(
            locked_at=None,
            response_status=response.status_code,
            response_body=response.get_data(as_text=True),
            response_location=response.headers.get("Location"),
        )
        .execution_options(synchronize_session=False)
    )


def _release(claim_id: int) -> None:
    with unit_of_work():
        db.session.execute(
            delete(IdempotencyRecord)
            .where(IdempotencyRecord.id == claim_id)
            .execution_options(synchronize_session=False)
        )


def idempotent(operation: str, *, required: bool = True) -> Callable[[F], F]:
    """Honour `Idempotency-Key` on a view (below `login_required`: keys are per user). A required
    key missing is 400 `idempotency_key_required`; an optional one missing runs the view as is."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not required and not request.headers.get(HEADER, "").strip():
                return view(*args, **kwargs)
            key = _key_from_header()
            claim_id, stored = _claim(current_user.id, operation, key, _fingerprint())
            if stored is not None:
                return stored
            assert claim_id is not None
            try:
                # The view's own unit of work joins this one: its changes and the stored
                # response commit together.
                with unit_of_work():
                    response = view(*args, **kwargs)
                    succeeded = isinstance(response, Response) and 200 <= response.status_code < 300
                    if succeeded:
                        _complete(claim_id, response)
            except BaseException:
                _release(claim_id)
                raise
            if not succeeded:
                _release(claim_id)
            return response

        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        manual = doc.setdefault("manual_doc", {})
        manual.setdefault("parameters", []).append(
            {
                "in": "header",
                "name": HEADER,
                "required": required,
                "description": "A fresh unique value (a UUID) per operation, the same on every retry of it. "
                "The same key and body again returns the first response (`Idempotent-Replayed: true`); "
                "another body is 422 `idempotency_key_reused`; while the first runs, 409 "
                "`idempotency_key_in_progress`. Kept 24 hours; a failed request frees its key.",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
            }
        )
        responses = manual.setdefault("responses", {})
        if required:
            responses["400"] = "BAD_REQUEST"
        responses["409"] = "CONFLICT"
        # A replay carries Idempotent-Replayed: the success responses say so.
        for status in doc.get("success_status_codes", ()):
            responses.setdefault(str(status), {}).setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
        wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


REPLAYED_HEADER = {
    "description": "`true` when this is the stored response of an earlier request with the same "
    "Idempotency-Key (nothing ran again); absent otherwise",
    "required": False,
    "schema": {"type": "string", "enum": ["true"]},
}


def purge_expired_keys() -> int:
    """Delete keys older than IDEMPOTENCY_KEY_HOURS; returns how many."""
    return changed_rows(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.created_at <= utcnow() - _lifetime())
        .execution_options(synchronize_session=False)
    )
