"""Account rules: registration, login, email verification, password reset and change."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from app.auth import sessions, totp
from app.auth.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    UsernameTaken,
    WrongPassword,
)
from app.auth.models import LoginSession, OneTimeToken, Role, TokenPurpose, User
from app.auth.passwords import check_password_policy, hash_password, verify_password
from app.auth.signals import signed_in
from app.auth.tokens import void_one_time_tokens
from app.common.db import changed_rows
from app.common.fields import normalise_email
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.services import emails_sent_to, frontend_link, queue_email

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def new_invite_code() -> str:
    while True:
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
        if db.session.scalar(select(func.count()).where(User.invite_code == code)) == 0:
            return code


def new_customer(
    email: str,
    name: str,
    password_hash: str,
    *,
    marketing: bool,
    verified: bool = False,
    username: str | None = None,
    phone: str | None = None,
    inviter: User | None = None,
) -> User:
    """A customer account, the terms accepted now and the marketing consent recorded: what every
    sign-up makes (with a password, or through Google with none)."""
    now = utcnow()
    user = User(
        email=email,
        username=username,
        name=name,
        phone=phone,
        password_hash=password_hash,
        role=Role.CUSTOMER.value,
        invite_code=new_invite_code(),
        invited_by=inviter,
        email_verified_at=now if verified else None,
        terms_accepted_at=now,
        marketing_opt_in=marketing,
        marketing_opt_in_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    from app.users.services import record_consent

    record_consent(user, "terms", True)
    record_consent(user, "marketing", marketing)
    return user


def start_signed_in(
    user: User, *, ip_address: str | None, user_agent: str | None, cart_token: str | None
) -> dict[str, Any]:
    """A login session for `user` and its token pair; a guest cart's token merges that cart into
    the account's (`signals.signed_in`). Every way in ends here."""
    session = sessions.start_session(user, ip_address=ip_address, user_agent=user_agent)
    result = sessions.issue_tokens(user, session)
    signed_in.send(user, cart_token=cart_token)
    return result


def register(data: dict[str, Any], *, cart_token: str | None = None) -> User:
    """Create a customer account from sign-up data and email a verification link.

    Only the fields of the sign-up schema are read; the role is always `customer`. A guest
    cart's token makes that cart the account's (see `signals.signed_in`).
    """
    email = normalise_email(data["email"])
    username = data.get("username")
    if find_user_by_email(email):
        raise EmailTaken("An account with this email already exists.")
    if username and db.session.scalar(select(User.id).where(User.username == username)):
        raise UsernameTaken("This username is taken.")
    check_password_policy(data["password"], email)

    inviter = None
    if data.get("invite_code"):
        code = data["invite_code"].strip().upper()
        inviter = db.session.scalar(select(User).where(User.invite_code == code, User.is_active.is_(True)))
        if inviter is None:
            raise ValidationFailed.field("invite_code", "Unknown invite code.")

    user = new_customer(
        email,
        data["name"],
        hash_password(data["password"]),
        marketing=bool(data.get("marketing_opt_in", False)),
        username=username,
        phone=data.get("phone"),
        inviter=inviter,
    )
    _send_verification(user)
    signed_in.send(user, cart_token=cart_token)
    return user


def _new_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    void_one_time_tokens(user.id, purpose)  # earlier links of the same purpose die: the newest works
    raw = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=_digest(raw),
            expires_at=utcnow() + lifetime,
        )
    )
    return raw


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _consume_token(raw: str, purpose: TokenPurpose) -> OneTimeToken:
    """Claim a one-time token: one conditional UPDATE (unused, unexpired) whose rowcount says
    whether this request won it, so two requests racing with one link cannot both use it."""
    now = utcnow()
    claimed = changed_rows(
        update(OneTimeToken)
        .where(
            OneTimeToken.token_hash == _digest(raw),
            OneTimeToken.purpose == purpose.value,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = None
    if claimed == 1:
        token = db.session.scalar(
            select(OneTimeToken)
            .where(OneTimeToken.token_hash == _digest(raw))
            .execution_options(populate_existing=True)
        )
    if token is None or not token.user.is_active:
        raise InvalidToken("This link is invalid or has expired.", errors={"token": ["Invalid or expired."]})
    return token


def recipient_capped(user: User) -> bool:
    """At most EMAILS_PER_RECIPIENT_PER_HOUR emails an address is sent on request (resets,
    verification links), whatever addresses ask: 35 clients cannot flood one inbox. The answer
    stays 202 either way (it says nothing about the account)."""
    cap = current_app.config["EMAILS_PER_RECIPIENT_PER_HOUR"]
    return emails_sent_to(user.email, timedelta(hours=1)) >= cap


def _greeting(user: User) -> str:
    # Text from the sign-up request (the name) goes only to addresses proven to be the user's:
    # anyone can sign up with someone else's address and a name like "Your account is LOCKED".
    return f"Hello {user.name}," if user.email_verified_at is not None else "Hello,"


def _send_verification(user: User) -> None:
    hours = current_app.config["EMAIL_VERIFICATION_HOURS"]
    raw = _new_token(user, TokenPurpose.VERIFY_EMAIL, timedelta(hours=hours))
    link = frontend_link("verify-email", token=raw)
    queue_email(
        user.email,
        "Confirm your email address",
        f"{_greeting(user)}\n\nConfirm your Duka account by opening this link within {hours} hours:\n\n"
        f"{link}\n\nIf you did not sign up, ignore this message.\n",
    )


def resend_verification(email: str) -> None:
    """Email a fresh verification link if the account exists and is unverified (silent otherwise)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.email_verified or recipient_capped(user):
        return
    _send_verification(user)


def verify_email(raw_token: str) -> User:
    """Mark the email of the token's account verified."""
    token = _consume_token(raw_token, TokenPurpose.VERIFY_EMAIL)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def login(
    data: dict[str, Any],
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
    cart_token: str | None = None,
) -> dict[str, Any]:
    """Check credentials (and the TOTP code when 2FA is on) and start a login session; a guest
    cart's token merges that cart into the account's (see `signals.signed_in`)."""
    if data.get("email"):
        user = find_user_by_email(data["email"])
    else:
        user = db.session.scalar(select(User).where(User.username == data["username"].lower()))
    # verify_password hashes even without a user, so a wrong email costs what a wrong password does.
    password_ok = verify_password(data["password"], user.password_hash if user else None)
    if user is None or not password_ok or not user.is_active:
        raise InvalidCredentials("Email, username or password is incorrect.")
    if user.totp_enabled:
        totp.check_login_code(user, data.get("totp"), data.get("recovery_code"))
    return start_signed_in(user, ip_address=ip_address, user_agent=user_agent, cart_token=cart_token)


def refresh(session: LoginSession, presented_jti: str) -> dict[str, Any]:
    """Rotate the refresh token of `session` (see `sessions.rotate`)."""
    result = sessions.rotate(session, presented_jti)
    return result


def logout(session: LoginSession) -> None:
    """End one login: its access and refresh tokens stop working."""
    sessions.revoke_session(session, "logout")


def forgot_password(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or recipient_capped(user):
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    raw = _new_token(user, TokenPurpose.RESET_PASSWORD, timedelta(minutes=minutes))
    queue_email(
        user.email,
        "Reset your password",
        f"{_greeting(user)}\n\nSomeone asked to reset the password of your Duka account. "
        f"Open this link within {minutes} minutes to choose a new one:\n\n"
        f"{frontend_link('reset-password', token=raw)}\n\nIf it was not you, ignore this message.\n",
    )


def reset_password(raw_token: str, new_password: str) -> None:
    """Set a new password from a reset token, and sign the account out everywhere."""
    token = _consume_token(raw_token, TokenPurpose.RESET_PASSWORD)
    user = token.user
    check_password_policy(new_password, user.email)  # a refusal rolls back, so the token survives
    user.password_hash = hash_password(new_password)
    # Opening the emailed link proves the address works.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    sessions.revoke_user_sessions(user.id, "password_reset")


def change_password(user: User, session: LoginSession, current_password: str, new_password: str) -> None:
    """Change the password and sign out every other session."""
    if not verify_password(current_password, user.password_hash):
        raise WrongPassword("The current password is incorrect.", errors={"current_password": ["Incorrect."]})
    check_password_policy(new_password, user.email, field="new_password")
    user.password_hash = hash_password(new_password)
    sessions.revoke_user_sessions(user.id, "password_changed", except_session_id=session.id)
