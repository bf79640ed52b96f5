"""Rate limits of the auth endpoints (Flask-Limiter)."""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

from flask import current_app
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.common.bodies import request_json
from app.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

_USERNAME = re.compile(r"^[A-Za-z0-9_.]{3,30}$")


def account_key() -> str:
    """The account a credentials request is about, counted whatever address it comes from and
    whether it names the account by email or by username."""
    body = request_json(silent=True)
    if isinstance(body, dict):
        email, username = body.get("email"), body.get("username")
        if isinstance(username, str) and not email and _USERNAME.match(username.strip()):
            # One indexed lookup, so that guessing via the username shares the email's budget.
            # (This runs before the schema: only a well-formed username reaches the database.)
            from app.auth.models import User
            from app.extensions import db

            name = username.strip().lower()
            email = db.session.scalar(select(User.email).where(User.username == name)) or f"username:{name}"
        if isinstance(email, str) and email.strip():
            return "account:" + email.strip().lower()[:254].replace("\x00", "")
    return "address:" + get_remote_address()


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _login_failures() -> str:
    return f"{current_app.config['LOGIN_FAILURES_PER_MINUTE']}/minute"


def _auth_rate() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def documented(limit: Callable[[F], F]) -> Callable[[F], F]:
    """A Flask-Limiter decorator that also documents the 429 (and, through it, the
    X-RateLimit-* headers) in the OpenAPI document."""

    def decorator(view: F) -> F:
        limited = limit(view)
        doc = deepcopy(getattr(limited, "_apidoc", {}))
        doc.setdefault("manual_doc", {}).setdefault("responses", {})["429"] = "TOO_MANY_REQUESTS"
        limited._apidoc = doc  # type: ignore[attr-defined]
        return limited

    return decorator


# Failed logins only: N per minute per client address and, separately, per account.
login_failures_per_address = documented(
    limiter.limit(_login_failures, key_func=get_remote_address, deduct_when=_failed, scope="login-address")
)
login_failures_per_account = documented(
    limiter.limit(_login_failures, key_func=account_key, deduct_when=_failed, scope="login-account")
)
# Every other unauthenticated auth endpoint (sign-up, resets, refresh): a per-address ceiling.
auth_rate = documented(limiter.limit(_auth_rate, key_func=get_remote_address, scope="auth"))
