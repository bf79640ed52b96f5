"""Two-factor login with time-based one-time codes (RFC 6238, pyotp)."""

from __future__ import annotations

from typing import Any, cast

import pyotp
from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.errors import (
    InvalidCode,
    InvalidTotp,
    TotpRequired,
    TwoFactorState,
    WrongPassword,
)
from app.auth.models import User
from app.auth.passwords import verify_password
from app.common.crypto import decrypt, encrypt
from app.common.types import utcnow
from app.extensions import db

ISSUER = "Duka"


def _matching_step(secret: str, code: str | None) -> int | None:
    """The 30-second step `code` belongs to (now, or one step either side for clock drift)."""
    if not code or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        step = totp.timecode(now) + drift
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _accept(user: User, code: str | None) -> bool:
    """Check a code and burn its step, so a code seen by someone else cannot be replayed."""
    secret = decrypt(user.totp_secret) if user.totp_secret else None
    if secret is None:
        return False
    step = _matching_step(secret, code)
    if step is None:
        return False
    # Burn the step with one conditional UPDATE: of requests racing with one code (four parallel
    # logins), only the one whose UPDATE matched a row gets in.
    burnt = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], burnt).rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def check_login_code(user: User, code: str | None) -> None:
    if not code:
        raise TotpRequired("This account has two-factor login on: send the `totp` code.")
    if not _accept(user, code):
        raise InvalidTotp("The two-factor code is wrong or already used.")


def setup(user: User) -> dict[str, Any]:
    """Create a new secret (not active until `enable`); returns it with the otpauth URI."""
    if user.totp_enabled:
        raise TwoFactorState("Two-factor login is already on; disable it first.")
    secret = pyotp.random_base32()
    user.totp_secret = encrypt(secret)  # stored encrypted: a database dump does not give 2FA away
    user.totp_last_step = None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"secret": secret, "otpauth_uri": uri}


def enable(user: User, code: str) -> User:
    """Turn two-factor login on, proving the authenticator app holds the secret."""
    if user.totp_enabled or not user.totp_secret:
        raise TwoFactorState("Call /auth/2fa/setup first (and only while two-factor login is off).")
    if not _accept(user, code):
        raise InvalidCode("The code does not match.", errors={"code": ["Invalid code."]})
    user.totp_enabled_at = utcnow()
    return user


def disable(user: User, password: str, code: str) -> User:
    """Turn two-factor login off; needs both the password and a current code."""
    if not user.totp_enabled:
        raise TwoFactorState("Two-factor login is not on.")
    if not verify_password(password, user.password_hash):
        raise WrongPassword("The password is incorrect.", errors={"password": ["Incorrect."]})
    if not _accept(user, code):
        raise InvalidCode("The code does not match.", errors={"code": ["Invalid code."]})
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    return user
