"""Two-factor login with time-based one-time codes (RFC 6238, pyotp) and recovery codes.

Turning two-factor login on (or off, or getting new recovery codes) needs the password as well as
the access token: a stolen token alone cannot lock the owner out. Enabling returns ten recovery
codes, shown once and stored hashed; each stands in once for a TOTP code (at login, to turn 2FA
off, to get new codes). A password reset by email keeps 2FA on: the mailbox is one factor.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.errors import (
    InvalidCode,
    InvalidRecoveryCode,
    InvalidTotp,
    TotpRequired,
    TwoFactorState,
    WrongPassword,
)
from app.auth.models import RecoveryCode, User
from app.auth.passwords import verify_password
from app.common.crypto import decrypt, encrypt
from app.common.db import changed_rows
from app.common.types import utcnow
from app.extensions import db
from app.notifications.services import queue_email

ISSUER = "Duka"
RECOVERY_CODES = 10
# 31 symbols without 0/o, 1/l/i: 16 of them are ~79 random bits, written xxxx-xxxx-xxxx-xxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


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
    burnt = changed_rows(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if burnt != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _recovery_digest(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; returns them (the only time they are seen)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(code)) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    stmt = select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return db.session.scalar(stmt) or 0


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend a recovery code: one conditional UPDATE, so two requests racing with one code
    cannot both use it."""
    spent = changed_rows(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent != 1:
        return False
    left = recovery_codes_left(user)
    # The owner hears of it: if it was not them, their password and a code are known.
    queue_email(
        user.email,
        "A recovery code was used",
        "Hello,\n\nA recovery code of your Duka account was just used in place of a two-factor "
        f"code. You have {left} left.\n\nIf it was not you, reset your password now and get new "
        "recovery codes.\n",
    )
    return True


def check_login_code(user: User, code: str | None, recovery_code: str | None = None) -> None:
    """The second factor of a login: a TOTP code, or one of the recovery codes."""
    if recovery_code:
        if not _use_recovery_code(user, recovery_code):
            raise InvalidRecoveryCode("The recovery code is wrong or already used.")
        return
    if not code:
        raise TotpRequired("This account has two-factor login on: send the `totp` code (or a `recovery_code`).")
    if not _accept(user, code):
        raise InvalidTotp("The two-factor code is wrong or already used.")


def _check_password(user: User, password: str) -> None:
    if not verify_password(password, user.password_hash):
        raise WrongPassword("The password is incorrect.", errors={"password": ["Incorrect."]})


def _check_second_factor(user: User, code: str | None, recovery_code: str | None) -> None:
    if recovery_code:
        if not _use_recovery_code(user, recovery_code):
            raise InvalidCode("The recovery code does not match.", errors={"recovery_code": ["Invalid code."]})
    elif not code or not _accept(user, code):
        raise InvalidCode("The code does not match.", errors={"code": ["Invalid code."]})


def setup(user: User) -> dict[str, Any]:
    """Create a new secret (not active until `enable`); returns it with the otpauth URI."""
    if user.totp_enabled:
        raise TwoFactorState("Two-factor login is already on; disable it first.")
    secret = pyotp.random_base32()
    user.totp_secret = encrypt(secret)  # stored encrypted: a database dump does not give 2FA away
    user.totp_last_step = None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"secret": secret, "otpauth_uri": uri}


def enable(user: User, password: str, code: str) -> dict[str, Any]:
    """Turn two-factor login on: the password, and a code proving the authenticator app holds
    the secret. Returns the user and their recovery codes."""
    if user.totp_enabled or not user.totp_secret:
        raise TwoFactorState("Call /auth/2fa/setup first (and only while two-factor login is off).")
    _check_password(user, password)
    if not _accept(user, code):
        raise InvalidCode("The code does not match.", errors={"code": ["Invalid code."]})
    user.totp_enabled_at = utcnow()
    return {"user": user, "recovery_codes": _new_recovery_codes(user)}


def disable(user: User, password: str, code: str | None, recovery_code: str | None = None) -> User:
    """Turn two-factor login off; needs the password and a current code or a recovery code."""
    if not user.totp_enabled:
        raise TwoFactorState("Two-factor login is not on.")
    _check_password(user, password)
    _check_second_factor(user, code, recovery_code)
    forget_two_factor(user)
    return user


def regenerate_recovery_codes(user: User, password: str, code: str | None, recovery_code: str | None) -> list[str]:
    """New recovery codes for old ones (all of the old die); needs the password and a second factor."""
    if not user.totp_enabled:
        raise TwoFactorState("Two-factor login is not on.")
    _check_password(user, password)
    _check_second_factor(user, code, recovery_code)
    return _new_recovery_codes(user)


def forget_two_factor(user: User) -> None:
    """Drop the secret and the recovery codes (2FA turned off, or the account deleted)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
