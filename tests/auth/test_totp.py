"""Two-factor login: set-up, enable, login with and without the code, disable."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import time_machine

from app.common.types import utcnow
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import assert_problem

SETUP = "/api/v1/auth/2fa/setup"
ENABLE = "/api/v1/auth/2fa/enable"
DISABLE = "/api/v1/auth/2fa/disable"
LOGIN = "/api/v1/auth/login"


def enable_2fa(client, actor) -> pyotp.TOTP:
    return enable_2fa_with_codes(client, actor)[0]


def enable_2fa_with_codes(client, actor) -> tuple[pyotp.TOTP, list[str]]:
    setup = client.post(SETUP, headers=actor.headers)
    assert setup.status_code == 200
    body = setup.get_json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Duka:")
    totp = pyotp.TOTP(body["secret"])
    response = client.post(ENABLE, json={"password": DEFAULT_PASSWORD, "code": totp.now()}, headers=actor.headers)
    assert response.status_code == 200
    enabled = response.get_json()
    assert enabled["user"]["two_factor_enabled"] is True
    return totp, enabled["recovery_codes"]


def test_login_requires_totp_once_enabled(client, customer):
    totp = enable_2fa(client, customer)
    credentials = {"email": customer.user.email, "password": DEFAULT_PASSWORD}
    assert_problem(client.post(LOGIN, json=credentials), 401, "totp_required")
    # The code used to enable is burnt; the next step's code works.
    with time_machine.travel(utcnow() + timedelta(seconds=30), tick=False):
        response = client.post(LOGIN, json={**credentials, "totp": totp.now()})
        assert response.status_code == 200


def test_wrong_totp_is_401(client, customer):
    enable_2fa(client, customer)
    body = {"email": customer.user.email, "password": DEFAULT_PASSWORD, "totp": "000000"}
    assert_problem(client.post(LOGIN, json=body), 401, "invalid_totp")


def test_totp_code_cannot_be_replayed(client, customer):
    totp = enable_2fa(client, customer)
    with time_machine.travel(utcnow() + timedelta(seconds=30), tick=False):
        body = {"email": customer.user.email, "password": DEFAULT_PASSWORD, "totp": totp.now()}
        assert client.post(LOGIN, json=body).status_code == 200
        assert_problem(client.post(LOGIN, json=body), 401, "invalid_totp")


def test_wrong_password_with_2fa_is_still_invalid_credentials(client, customer):
    totp = enable_2fa(client, customer)
    body = {"email": customer.user.email, "password": "wrong-wrong", "totp": totp.now()}
    assert_problem(client.post(LOGIN, json=body), 401, "invalid_credentials")


def test_enable_with_wrong_code_is_422(client, customer):
    client.post(SETUP, headers=customer.headers)
    body = {"password": DEFAULT_PASSWORD, "code": "123456"}
    body = assert_problem(client.post(ENABLE, json=body, headers=customer.headers), 422, "invalid_code")
    assert "code" in body["errors"]


def test_enable_without_setup_is_409(client, customer):
    body = {"password": DEFAULT_PASSWORD, "code": "123456"}
    assert_problem(client.post(ENABLE, json=body, headers=customer.headers), 409, "two_factor_state")


def test_setup_when_enabled_is_409(client, customer):
    enable_2fa(client, customer)
    assert_problem(client.post(SETUP, headers=customer.headers), 409, "two_factor_state")


def test_disable_needs_password_and_code(client, customer):
    totp = enable_2fa(client, customer)
    later = utcnow() + timedelta(seconds=30)
    with time_machine.travel(later, tick=False):
        wrong_pw = client.post(DISABLE, json={"password": "nope-nope", "code": totp.now()}, headers=customer.headers)
        assert_problem(wrong_pw, 422, "wrong_password")
        wrong_code = client.post(
            DISABLE, json={"password": DEFAULT_PASSWORD, "code": "000000"}, headers=customer.headers
        )
        assert_problem(wrong_code, 422, "invalid_code")
        ok = client.post(DISABLE, json={"password": DEFAULT_PASSWORD, "code": totp.now()}, headers=customer.headers)
        assert ok.status_code == 200 and ok.get_json()["two_factor_enabled"] is False
    # Login no longer asks for a code.
    assert client.post(LOGIN, json={"email": customer.user.email, "password": DEFAULT_PASSWORD}).status_code == 200


def test_disable_when_off_is_409(client, customer):
    body = {"password": DEFAULT_PASSWORD, "code": "123456"}
    assert_problem(client.post(DISABLE, json=body, headers=customer.headers), 409, "two_factor_state")


def test_2fa_endpoints_need_a_token(client):
    assert_problem(client.post(SETUP), 401, "missing_token")
    assert_problem(client.post(ENABLE, json={"password": "x", "code": "123456"}), 401, "missing_token")
    assert_problem(client.post(DISABLE, json={"password": "x", "code": "123456"}), 401, "missing_token")


def test_malformed_code_is_422(client, customer):
    body = {"password": DEFAULT_PASSWORD, "code": "12345"}
    assert_problem(client.post(ENABLE, json=body, headers=customer.headers), 422, "validation_error")


def test_totp_seed_is_stored_encrypted(client, customer):
    from app.extensions import db

    secret = client.post(SETUP, headers=customer.headers).get_json()["secret"]
    db.session.refresh(customer.user)
    stored = customer.user.totp_secret
    assert stored and secret not in stored
    from app.common.crypto import decrypt

    assert decrypt(stored) == secret
    assert decrypt(stored[:-4] + "AAAA") is None  # tampering is detected, not decrypted
