"""POST /auth/verify-email and /auth/resend-verification."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app.auth.models import User
from app.common.types import utcnow
from app.extensions import db
from tests.factories import UserFactory
from tests.helpers import assert_problem, emails_to, token_from_email

VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/resend-verification"


def register(client, email="neema@example.com"):
    response = client.post(
        "/api/v1/auth/register",
        json={"name": "Neema", "email": email, "password": "Simba-Mkubwa-77", "accept_terms": True},
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def test_verify_email_marks_account_verified(client):
    user_id = register(client)
    token = token_from_email(emails_to("neema@example.com")[-1])
    assert client.post(VERIFY, json={"token": token}).status_code == 204
    assert db.session.get(User, user_id).email_verified is True


def test_verification_token_is_single_use(client):
    register(client)
    token = token_from_email(emails_to("neema@example.com")[-1])
    client.post(VERIFY, json={"token": token})
    assert_problem(client.post(VERIFY, json={"token": token}), 422, "invalid_link_token")


def test_verification_token_expires(client):
    register(client)
    token = token_from_email(emails_to("neema@example.com")[-1])
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        assert_problem(client.post(VERIFY, json={"token": token}), 422, "invalid_link_token")


def test_unknown_token_is_422(client):
    assert_problem(client.post(VERIFY, json={"token": "made-up"}), 422, "invalid_link_token")
    assert_problem(client.post(VERIFY, json={}), 422, "validation_error")


def test_reset_token_cannot_verify_email(client):
    register(client)
    client.post("/api/v1/auth/forgot-password", json={"email": "neema@example.com"})
    reset_token = token_from_email(emails_to("neema@example.com")[-1])
    assert_problem(client.post(VERIFY, json={"token": reset_token}), 422, "invalid_link_token")


def test_resend_sends_a_new_link_and_kills_the_old_one(client):
    register(client)
    old = token_from_email(emails_to("neema@example.com")[-1])
    assert client.post(RESEND, json={"email": "NEEMA@example.com"}).status_code == 202
    new = token_from_email(emails_to("neema@example.com")[-1])
    assert new != old
    assert_problem(client.post(VERIFY, json={"token": old}), 422, "invalid_link_token")
    assert client.post(VERIFY, json={"token": new}).status_code == 204


def test_resend_is_silent_for_unknown_or_verified_accounts(client):
    UserFactory(email="done@example.com")  # factories create verified users
    assert client.post(RESEND, json={"email": "ghost@example.com"}).status_code == 202
    assert client.post(RESEND, json={"email": "done@example.com"}).status_code == 202
    assert emails_to("ghost@example.com") == [] and emails_to("done@example.com") == []
