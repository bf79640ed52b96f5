"""Rate limits of the auth endpoints.

Sign-up, resets and refresh have a per-address ceiling (Flask-Limiter). Failed logins have their
own counter (`login_attempts`): Flask-Limiter's `deduct_when` counts a failure only after the
response, so every request already in flight (each spending a bcrypt round) passes the check;
here each attempt is counted before the password is checked and given back when it succeeds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask import after_this_request, current_app
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import Storage
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.common.bodies import request_json
from app.common.limits import counter_key, refusal
from app.common.limits import window as counters
from app.errors import AppError, ServiceUnavailable
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
            return "account:" + counter_key(email.strip().lower())
    return "address:" + get_remote_address()


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


def _budgets() -> list[tuple[str, str]]:
    # N failures per minute per client address and, separately, per account.
    return [("login-address", get_remote_address()), ("login-account", account_key())]


def _count(view: F) -> F:
    @wraps(view)
    def counted(*args: Any, **kwargs: Any) -> Any:
        if not current_app.config["RATELIMIT_ENABLED"]:
            return view(*args, **kwargs)
        window, item, budgets = counters(), parse(_login_failures()), _budgets()
        storage: Storage = window.storage
        taken: list[tuple[str, str]] = []
        try:
            # The hit is one atomic increment (a Redis script, or a lock in memory): of N requests
            # racing, only the first `limit` get a number within the budget.
            for budget in budgets:
                within = window.hit(item, *budget)
                taken.append(budget)
                if not within:
                    for spent in taken:  # a refused attempt checks no password: it costs nothing
                        window.hit(item, *spent, cost=-1)
                    raise refusal(item, *budget, f"Too many failed logins: {item.amount} per minute. Try again later.")
        except storage.base_exceptions as exc:
            raise ServiceUnavailable("The rate-limit store is unreachable; try again shortly.") from exc

        @after_this_request
        def headers(response: Response) -> Response:
            # The tighter of the two budgets, on the 200 and on the 401.
            stats = min((window.get_window_stats(item, *budget) for budget in budgets), key=lambda s: s.remaining)
            response.headers["X-RateLimit-Limit"] = str(item.amount)
            response.headers["X-RateLimit-Remaining"] = str(stats.remaining)
            response.headers["X-RateLimit-Reset"] = str(int(stats.reset_time))
            return response

        def give_back() -> None:
            for budget in budgets:
                window.hit(item, *budget, cost=-1)

        try:
            result = view(*args, **kwargs)
        except AppError as error:
            if error.status != 401:
                give_back()  # only a wrong password, email or code is a failure
            raise
        except BaseException:
            give_back()
            raise
        give_back()
        return result

    return counted  # type: ignore[return-value]


# Failed logins: counted before the password is checked, given back on success.
login_attempts = documented(_count)
# Every other unauthenticated auth endpoint (sign-up, resets, refresh): a per-address ceiling.
auth_rate = documented(limiter.limit(_auth_rate, key_func=get_remote_address, scope="auth"))
