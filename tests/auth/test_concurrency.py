"""One-time things used once, also by requests racing each other (PostgreSQL, real commits in
threads): a TOTP code, a password-reset link, an email-verification link."""

from __future__ import annotations

import pyotp
import pytest

from app.auth import services
from app.auth.errors import InvalidToken, InvalidTotp
from app.auth.models import TokenPurpose, User
from app.common.crypto import encrypt
from app.common.types import utcnow
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD, _default_hash
from tests.helpers import run_together


def _user(**fields) -> int:
    user = User(
        email="racer@example.com",
        name="Racer",
        role="customer",
        password_hash=_default_hash(),
        invite_code="RACE0001",
        terms_accepted_at=utcnow(),
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user.id


@pytest.mark.own_database
@pytest.mark.postgres
def test_one_totp_code_in_four_parallel_logins_logs_in_once(app, committed):
    secret = pyotp.random_base32()
    with app.app_context():
        _user(totp_secret=encrypt(secret), totp_enabled_at=utcnow())
    code = pyotp.TOTP(secret).now()
    login = {"email": "racer@example.com", "password": DEFAULT_PASSWORD, "totp": code}
    errors = run_together(app, [lambda: services.login(dict(login))] * 4)
    assert len(errors) == 3 and all(isinstance(error, InvalidTotp) for error in errors), errors


@pytest.mark.own_database
@pytest.mark.postgres
@pytest.mark.parametrize("purpose", [TokenPurpose.RESET_PASSWORD, TokenPurpose.VERIFY_EMAIL])
def test_one_link_used_by_three_parallel_requests_works_once(app, committed, purpose):
    from datetime import timedelta

    with app.app_context():
        user_id = _user()
        raw = services._new_token(db.session.get(User, user_id), purpose, timedelta(hours=1))
        db.session.commit()
    if purpose is TokenPurpose.RESET_PASSWORD:
        job = lambda: services.reset_password(raw, "Brand-New-Pass-2026")  # noqa: E731
    else:
        job = lambda: services.verify_email(raw)  # noqa: E731
    errors = run_together(app, [job] * 3)
    assert len(errors) == 2 and all(isinstance(error, InvalidToken) for error in errors), errors


@pytest.mark.own_database
@pytest.mark.postgres
def test_one_recovery_code_in_four_parallel_logins_logs_in_once(app, committed):
    from app.auth import totp
    from app.auth.errors import InvalidRecoveryCode

    with app.app_context():
        user_id = _user(totp_secret=encrypt(pyotp.random_base32()), totp_enabled_at=utcnow())
        codes = totp._new_recovery_codes(db.session.get(User, user_id))
        db.session.commit()
    login = {"email": "racer@example.com", "password": DEFAULT_PASSWORD, "recovery_code": codes[0]}
    errors = run_together(app, [lambda: services.login(dict(login))] * 4)
    assert len(errors) == 3 and all(isinstance(error, InvalidRecoveryCode) for error in errors), errors


@pytest.mark.own_database
@pytest.mark.postgres
def test_one_emailed_code_verified_by_three_parallel_requests_signs_in_once(app, committed):
    import re

    from app.auth.codes import send_code, verify_code
    from app.auth.errors import InvalidEmailCode
    from app.common.db import unit_of_work
    from tests.helpers import emails_to

    with app.app_context():
        _user()
        with unit_of_work():
            send_code("racer@example.com", "login")
        [email] = emails_to("racer@example.com")
        code = re.search(r"\b(\d{6})\b", email.subject).group(1)
    body = {"email": "racer@example.com", "code": code}
    errors = run_together(app, [lambda: verify_code(dict(body), ip_address=None, user_agent=None, cart_token=None)] * 3)
    assert len(errors) == 2 and all(isinstance(error, InvalidEmailCode) for error in errors), errors
