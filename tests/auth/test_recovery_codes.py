"""Two-factor enrolment needs the password; recovery codes stand in for a lost phone, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.auth.models import RecoveryCode, User
from app.common.types import utcnow
from app.extensions import db
from tests.auth.test_totp import DISABLE, ENABLE, LOGIN, SETUP, enable_2fa_with_codes
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import assert_problem, emails_to, token_from_email

CODES = "/api/v1/auth/2fa/recovery-codes"


def _codes_of(user_id: int, *, unused: bool = False) -> int:
    stmt = select(func.count()).where(RecoveryCode.user_id == user_id)
    if unused:
        stmt = stmt.where(RecoveryCode.used_at.is_(None))
    return db.session.scalar(stmt)


def _login(client, user, **second):
    return client.post(LOGIN, json={"email": user.email, "password": DEFAULT_PASSWORD, **second})


def test_a_stolen_access_token_alone_cannot_turn_2fa_on(client, customer):
    import pyotp

    secret = client.post(SETUP, headers=customer.headers).get_json()["secret"]
    code = pyotp.TOTP(secret).now()
    missing = client.post(ENABLE, json={"code": code}, headers=customer.headers)
    assert assert_problem(missing, 422, "validation_error")["errors"] == {
        "password": ["Missing data for required field."]
    }
    wrong = client.post(ENABLE, json={"password": "not-the-password", "code": code}, headers=customer.headers)
    assert assert_problem(wrong, 422, "wrong_password")["errors"] == {"password": ["Incorrect."]}
    db.session.refresh(customer.user)
    assert customer.user.totp_enabled is False
    assert _login(client, customer.user).status_code == 200  # no code asked: still off


def test_enabling_gives_ten_distinct_codes_stored_only_hashed(client, customer):
    _, codes = enable_2fa_with_codes(client, customer)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == customer.user.id)).all()
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored) and not set(codes) & set(stored)


def test_a_recovery_code_logs_in_once_and_the_owner_is_told(client, customer):
    _, codes = enable_2fa_with_codes(client, customer)
    user = customer.user
    # Typed as people type: capitals, spaces instead of hyphens.
    assert _login(client, user, recovery_code=codes[0].upper().replace("-", " ")).status_code == 200
    assert_problem(_login(client, user, recovery_code=codes[0]), 401, "invalid_recovery_code")
    assert _codes_of(user.id, unused=True) == 9
    [notice] = [email for email in emails_to(user.email) if email.subject == "A recovery code was used"]
    assert "You have 9 left" in notice.body


def test_an_unknown_recovery_code_is_401_and_spends_nothing(client, customer):
    enable_2fa_with_codes(client, customer)
    assert_problem(_login(client, customer.user, recovery_code="aaaa-bbbb-cccc-dddd"), 401, "invalid_recovery_code")
    assert _codes_of(customer.user.id, unused=True) == 10


def test_another_users_recovery_code_does_not_work(client, customer, other_customer):
    _, codes = enable_2fa_with_codes(client, customer)
    enable_2fa_with_codes(client, other_customer)
    assert_problem(_login(client, other_customer.user, recovery_code=codes[0]), 401, "invalid_recovery_code")


@pytest.mark.parametrize(
    "second",
    [{"totp": "123456", "recovery_code": "aaaa-bbbb-cccc-dddd"}, {"recovery_code": "too-short"}],
)
def test_bad_second_factor_bodies_are_422(client, customer, second):
    assert_problem(_login(client, customer.user, **second), 422, "validation_error")


def test_password_reset_keeps_2fa_and_a_recovery_code_turns_it_off(client, customer):
    """The lost-phone story: reset the password by email, log in with a recovery code, turn 2FA off."""
    _, codes = enable_2fa_with_codes(client, customer)
    email = customer.user.email
    assert client.post("/api/v1/auth/forgot-password", json={"email": email}).status_code == 202
    [reset] = [e for e in emails_to(email) if e.subject == "Reset your password"]
    new_password = "Brand-New-Pass-2026"
    body = {"token": token_from_email(reset), "password": new_password}
    assert client.post("/api/v1/auth/reset-password", json=body).status_code == 204

    login = {"email": email, "password": new_password}
    assert_problem(client.post(LOGIN, json=login), 401, "totp_required")  # the mailbox alone is not enough
    tokens = client.post(LOGIN, json={**login, "recovery_code": codes[1]}).get_json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    off = client.post(DISABLE, json={"password": new_password, "recovery_code": codes[2]}, headers=headers)
    assert off.status_code == 200 and off.get_json()["two_factor_enabled"] is False
    assert _codes_of(customer.user.id) == 0  # the codes die with it
    assert client.post(LOGIN, json=login).status_code == 200


def test_disable_with_a_wrong_recovery_code_is_422(client, customer):
    enable_2fa_with_codes(client, customer)
    body = {"password": DEFAULT_PASSWORD, "recovery_code": "aaaa-bbbb-cccc-dddd"}
    response = client.post(DISABLE, json=body, headers=customer.headers)
    assert assert_problem(response, 422, "invalid_code")["errors"] == {"recovery_code": ["Invalid code."]}


def test_disable_needs_exactly_one_second_factor(client, customer):
    enable_2fa_with_codes(client, customer)
    for body in (
        {"password": DEFAULT_PASSWORD},
        {"password": DEFAULT_PASSWORD, "code": "123456", "recovery_code": "aaaa-bbbb-cccc-dddd"},
    ):
        assert_problem(client.post(DISABLE, json=body, headers=customer.headers), 422, "validation_error")


def test_new_recovery_codes_void_the_old_ones(client, customer):
    totp, old = enable_2fa_with_codes(client, customer)
    with time_machine.travel(utcnow() + timedelta(seconds=30), tick=False):
        response = client.post(CODES, json={"password": DEFAULT_PASSWORD, "code": totp.now()}, headers=customer.headers)
    assert response.status_code == 200
    new = response.get_json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert_problem(_login(client, customer.user, recovery_code=old[3]), 401, "invalid_recovery_code")
    assert _login(client, customer.user, recovery_code=new[0]).status_code == 200


def test_new_recovery_codes_need_the_password_and_2fa_on(client, customer):
    body = {"password": DEFAULT_PASSWORD, "code": "123456"}
    assert_problem(client.post(CODES, json=body, headers=customer.headers), 409, "two_factor_state")
    totp, _ = enable_2fa_with_codes(client, customer)
    with time_machine.travel(utcnow() + timedelta(seconds=30), tick=False):
        wrong = {"password": "not-the-password", "code": totp.now()}
        assert_problem(client.post(CODES, json=wrong, headers=customer.headers), 422, "wrong_password")
    assert _codes_of(customer.user.id, unused=True) == 10


def test_deleting_the_account_deletes_its_recovery_codes(client, customer):
    enable_2fa_with_codes(client, customer)
    user_id = customer.user.id
    response = client.delete("/api/v1/me", json={"password": DEFAULT_PASSWORD}, headers=customer.headers)
    assert response.status_code == 204
    assert _codes_of(user_id) == 0
    assert db.session.get(User, user_id).totp_secret is None
