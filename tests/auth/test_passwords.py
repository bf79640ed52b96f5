"""Forgot, reset and change password."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.common.types import utcnow
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import (
    assert_problem,
    bearer,
    emails_to,
    token_from_email,
    tokens_for,
)

FORGOT = "/api/v1/auth/forgot-password"
RESET = "/api/v1/auth/reset-password"
CHANGE = "/api/v1/auth/change-password"
LOGIN = "/api/v1/auth/login"
NEW = "Mvua-Nyingi-2026"


def reset_token_for(client, email: str) -> str:
    assert client.post(FORGOT, json={"email": email}).status_code == 202
    return token_from_email(emails_to(email)[-1])


def test_forgot_password_is_202_for_unknown_email_and_sends_nothing(client):
    response = client.post(FORGOT, json={"email": "ghost@example.com"})
    assert response.status_code == 202
    assert emails_to("ghost@example.com") == []


def test_forgot_password_emails_a_reset_link(client):
    UserFactory(email="baraka@example.com")
    client.post(FORGOT, json={"email": "Baraka@example.com"})
    [email] = emails_to("baraka@example.com")
    assert "/reset-password?token=" in email.body


def test_reset_sets_password_and_revokes_every_session(client):
    user = UserFactory(email="baraka@example.com")
    tokens = tokens_for(user)
    token = reset_token_for(client, "baraka@example.com")
    assert client.post(RESET, json={"token": token, "password": NEW}).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=bearer(tokens["access_token"])), 401, "token_revoked")
    assert_problem(
        client.post(LOGIN, json={"email": user.email, "password": DEFAULT_PASSWORD}), 401, "invalid_credentials"
    )
    assert client.post(LOGIN, json={"email": user.email, "password": NEW}).status_code == 200


def test_reset_token_is_single_use(client):
    UserFactory(email="baraka@example.com")
    token = reset_token_for(client, "baraka@example.com")
    client.post(RESET, json={"token": token, "password": NEW})
    assert_problem(client.post(RESET, json={"token": token, "password": "Another-Pass-99"}), 422, "invalid_link_token")


def test_reset_token_expires_after_an_hour(client):
    UserFactory(email="baraka@example.com")
    token = reset_token_for(client, "baraka@example.com")
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        assert_problem(client.post(RESET, json={"token": token, "password": NEW}), 422, "invalid_link_token")


def test_only_the_newest_reset_link_works(client):
    UserFactory(email="baraka@example.com")
    first = reset_token_for(client, "baraka@example.com")
    second = reset_token_for(client, "baraka@example.com")
    assert_problem(client.post(RESET, json={"token": first, "password": NEW}), 422, "invalid_link_token")
    assert client.post(RESET, json={"token": second, "password": NEW}).status_code == 204


def test_reset_token_is_stored_hashed(client):
    from app.auth.models import OneTimeToken
    from app.extensions import db

    UserFactory(email="baraka@example.com")
    token = reset_token_for(client, "baraka@example.com")
    stored = db.session.scalars(db.select(OneTimeToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_reset_applies_the_password_policy(client):
    UserFactory(email="baraka@example.com")
    token = reset_token_for(client, "baraka@example.com")
    body = assert_problem(client.post(RESET, json={"token": token, "password": "password1"}), 422, "validation_error")
    assert "password" in body["errors"]
    # A rejected password does not burn the token.
    assert client.post(RESET, json={"token": token, "password": NEW}).status_code == 204


def test_change_password_keeps_this_session_and_revokes_others(client, customer):
    other = tokens_for(customer.user)
    response = client.post(
        CHANGE, json={"current_password": DEFAULT_PASSWORD, "new_password": NEW}, headers=customer.headers
    )
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=customer.headers).status_code == 200
    assert_problem(client.get("/api/v1/me", headers=bearer(other["access_token"])), 401, "token_revoked")
    assert client.post(LOGIN, json={"email": customer.user.email, "password": NEW}).status_code == 200


def test_change_password_needs_the_current_one(client, customer):
    body = assert_problem(
        client.post(CHANGE, json={"current_password": "wrong-one", "new_password": NEW}, headers=customer.headers),
        422,
        "wrong_password",
    )
    assert "current_password" in body["errors"]


def test_change_password_applies_the_policy(client, customer):
    body = assert_problem(
        client.post(
            CHANGE, json={"current_password": DEFAULT_PASSWORD, "new_password": "12345678"}, headers=customer.headers
        ),
        422,
        "validation_error",
    )
    assert "new_password" in body["errors"]


def test_change_password_needs_a_token(client):
    assert_problem(client.post(CHANGE, json={"current_password": "a", "new_password": NEW}), 401, "missing_token")


@pytest.mark.parametrize(
    ("url", "task"),
    [
        ("/api/v1/auth/forgot-password", "send_password_reset"),
        ("/api/v1/auth/resend-verification", "send_verification"),
    ],
)
def test_known_and_unknown_addresses_cost_the_request_the_same(client, monkeypatch, url, task):
    """With a broker the request only queues one task, whether or not the address has an
    account: the same SQL (none) and the same dispatch, so timing tells nothing."""
    from app.auth import tasks
    from tests.factories import UserFactory
    from tests.helpers import sql_statements

    UserFactory(email="known@example.com", email_verified_at=None)
    queued: list[tuple] = []
    monkeypatch.setattr(getattr(tasks, task), "delay", lambda *args: queued.append(args))
    work = []
    for email in ("known@example.com", "Unknown@Example.com"):
        with sql_statements() as statements:
            assert client.post(url, json={"email": email}).status_code == 202
        work.append(len(statements))
    assert work[0] == work[1]
    assert queued == [("known@example.com",), ("unknown@example.com",)]
