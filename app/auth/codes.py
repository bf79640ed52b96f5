"""Email one-time codes: six digits to sign in, or to verify the address, without a password.

A code lives EMAIL_CODE_MINUTES (10), is used once, and dies after 5 wrong tries; a new one may be
asked for at most once a minute per address (and the per-recipient email cap applies). Asking
answers the same whether or not the address has an account (the code is made and sent by a task
after the request). Signing in by code still asks for the TOTP code when two-factor is on, and
proves the address: it is verified.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from app.auth import totp
from app.auth.errors import InvalidEmailCode
from app.auth.models import EmailCode
from app.auth.services import find_user_by_email, recipient_capped, start_signed_in
from app.common.db import changed_rows
from app.common.types import utcnow
from app.extensions import db
from app.notifications.services import queue_email

PURPOSES = ("login", "verify_email")
MAX_TRIES = 5
RESEND_SECONDS = 60


def _hash(user_id: int, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(email: str, purpose: str) -> None:
    """Make and email a code for the account of `email`, if it has one that may use it (an
    active account; for `verify_email`, not yet verified); silent otherwise. Earlier codes die."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or (purpose == "verify_email" and user.email_verified):
        return
    now = utcnow()
    last = db.session.scalar(
        select(EmailCode.created_at).where(EmailCode.user_id == user.id).order_by(EmailCode.id.desc()).limit(1)
    )
    if last is not None and last > now - timedelta(seconds=RESEND_SECONDS):
        return  # one a minute: the code in the inbox still works
    if recipient_capped(user):
        return
    changed_rows(
        update(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = current_app.config["EMAIL_CODE_MINUTES"]
    db.session.add(
        EmailCode(
            user_id=user.id,
            purpose=purpose,
            code_hash=_hash(user.id, code),
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    what = "sign in to" if purpose == "login" else "confirm your email address for"
    queue_email(
        user.email,
        f"Your Duka code: {code}",
        f"Hello,\n\nUse {code} to {what} your Duka account. It works once, for {minutes} minutes.\n\n"
        "If you did not ask for it, ignore this message: nobody can use it without your inbox.\n",
    )


def verify_code(
    data: dict[str, Any], *, ip_address: str | None, user_agent: str | None, cart_token: str | None
) -> dict[str, Any]:
    """Check a code: right, unused, in time and within its tries, it is used (once, even by two
    requests at once) and the account is signed in (the TOTP code too when two-factor is on) with
    its address verified. Wrong: the try counts (it is kept even though the request fails), and
    the fifth wrong one voids the code. Every failure is the same 422 `invalid_email_code`."""
    refused = InvalidEmailCode("This code is wrong or has expired: ask for a new one.", errors={"code": ["Invalid."]})
    user = find_user_by_email(data["email"])
    if user is None or not user.is_active:
        raise refused
    now = utcnow()
    code = db.session.scalar(
        select(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.used_at.is_(None), EmailCode.expires_at > now)
        .order_by(EmailCode.id.desc())
        .limit(1)
    )
    if code is None:
        raise refused
    counted = changed_rows(
        update(EmailCode)
        .where(EmailCode.id == code.id, EmailCode.used_at.is_(None), EmailCode.attempts < MAX_TRIES)
        .values(attempts=EmailCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if counted != 1:
        raise refused
    if not hmac.compare_digest(code.code_hash, _hash(user.id, data["code"])):
        changed_rows(  # the fifth wrong try voids it
            update(EmailCode)
            .where(EmailCode.id == code.id, EmailCode.attempts >= MAX_TRIES, EmailCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        raise refused
    if user.totp_enabled:  # before the code is used: asked again with the TOTP code, it still works
        totp.check_login_code(user, data.get("totp"), data.get("recovery_code"))
    claimed = changed_rows(
        update(EmailCode)
        .where(EmailCode.id == code.id, EmailCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise refused  # another request used it first
    if user.email_verified_at is None:
        user.email_verified_at = now
    return start_signed_in(user, ip_address=ip_address, user_agent=user_agent, cart_token=cart_token)
