"""Rate-limit keys and rules (Flask-Limiter). Limits live beside the routes they guard."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from app.extensions import limiter


def account_key() -> str:
    """The account a credentials request is about: counted whatever address it comes from."""
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        who = body.get("email") or body.get("username")
        if isinstance(who, str) and who.strip():
            return "account:" + who.strip().lower()[:254]
    return "address:" + get_remote_address()


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _login_failures() -> str:
    return f"{current_app.config['LOGIN_FAILURES_PER_MINUTE']}/minute"


def _auth_rate() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


# Failed logins only: N per minute per client address and, separately, per account.
login_failures_per_address = limiter.limit(_login_failures, key_func=get_remote_address, deduct_when=_failed, scope="login-address")
login_failures_per_account = limiter.limit(_login_failures, key_func=account_key, deduct_when=_failed, scope="login-account")
# Every other unauthenticated auth endpoint (sign-up, resets, refresh): a per-address ceiling.
auth_rate = limiter.limit(_auth_rate, key_func=get_remote_address, scope="auth")
