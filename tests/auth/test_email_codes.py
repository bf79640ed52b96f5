"""Signing in (or verifying the address) with an emailed six-digit code: used once, in time,
five tries, one a minute, the same answer for an unknown address, two-factor still asked."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from app.auth.models import EmailCode, User
from app.common.crypto import encrypt
from app.common.types import utcnow
from app.extensions import db
from tests.helpers import assert_problem, emails_to

SEND, VERIFY = "/api/v1/auth/email-code", "/api/v1/auth/email-code/verify"


def code_sent_to(address: str) -> str:
    [*_, last] = [email for email in emails_to(address) if email.subject.startswith("Your Duka code")]
    found = re.search(r"\b(\d{6})\b", last.subject)
    assert found
    return found.group(1)


def test_a_code_signs_in_once_and_verifies_the_address(client, customer):
    customer.user.email_verified_at = None
    db.session.commit()
    assert client.post(SEND, json={"email": customer.user.email}).status_code == 202
    code = code_sent_to(customer.user.email)
    signed_in = client.post(VERIFY, json={"email": customer.user.email, "code": code})
    assert signed_in.status_code == 200, signed_in.get_json()
    tokens = signed_in.get_json()
    assert tokens["token_type"] == "Bearer" and tokens["user"]["email"] == customer.user.email
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    assert db.session.get(User, customer.user.id, populate_existing=True).email_verified_at is not None
    again = client.post(VERIFY, json={"email": customer.user.email, "code": code})
    assert_problem(again, 422, "invalid_email_code")  # used once
    stored = db.session.scalar(select(EmailCode.code_hash))
    assert code not in stored and len(stored) == 64  # an HMAC, not the code


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    assert client.post(SEND, json={"email": "nobody@example.com"}).status_code == 202
    assert emails_to("nobody@example.com") == []
    assert_problem(
        client.post(VERIFY, json={"email": "nobody@example.com", "code": "123456"}), 422, "invalid_email_code"
    )


def test_five_wrong_tries_void_the_code(client, customer):
    client.post(SEND, json={"email": customer.user.email})
    code = code_sent_to(customer.user.email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert_problem(
            client.post(VERIFY, json={"email": customer.user.email, "code": wrong}), 422, "invalid_email_code"
        )
    right = client.post(VERIFY, json={"email": customer.user.email, "code": code})
    assert_problem(right, 422, "invalid_email_code")  # void now
    assert db.session.scalar(select(EmailCode.attempts)) == 5


def test_a_new_code_at_most_once_a_minute_and_it_replaces_the_old_one(client, customer):
    client.post(SEND, json={"email": customer.user.email})
    first = code_sent_to(customer.user.email)
    client.post(SEND, json={"email": customer.user.email})
    assert len([e for e in emails_to(customer.user.email) if e.subject.startswith("Your Duka code")]) == 1
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        client.post(SEND, json={"email": customer.user.email})
        second = code_sent_to(customer.user.email)
        if second != first:
            old = client.post(VERIFY, json={"email": customer.user.email, "code": first})
            assert_problem(old, 422, "invalid_email_code")
        assert client.post(VERIFY, json={"email": customer.user.email, "code": second}).status_code == 200


def test_a_code_expires(app, client, customer):
    client.post(SEND, json={"email": customer.user.email})
    code = code_sent_to(customer.user.email)
    with time_machine.travel(utcnow() + timedelta(minutes=app.config["EMAIL_CODE_MINUTES"], seconds=1), tick=False):
        assert_problem(
            client.post(VERIFY, json={"email": customer.user.email, "code": code}), 422, "invalid_email_code"
        )


def test_two_factor_is_still_asked_and_the_code_survives_the_first_try(client, customer):
    secret = pyotp.random_base32()
    customer.user.totp_secret, customer.user.totp_enabled_at = encrypt(secret), utcnow()
    db.session.commit()
    client.post(SEND, json={"email": customer.user.email})
    code = code_sent_to(customer.user.email)
    assert_problem(client.post(VERIFY, json={"email": customer.user.email, "code": code}), 401, "totp_required")
    body = {"email": customer.user.email, "code": code, "totp": pyotp.TOTP(secret).now()}
    assert client.post(VERIFY, json=body).status_code == 200


@pytest.mark.parametrize("purpose", ["verify_email"])
def test_a_verified_address_is_sent_no_verification_code(client, customer, purpose):
    assert customer.user.email_verified_at is not None
    assert client.post(SEND, json={"email": customer.user.email, "purpose": purpose}).status_code == 202
    assert [e for e in emails_to(customer.user.email) if e.subject.startswith("Your Duka code")] == []
