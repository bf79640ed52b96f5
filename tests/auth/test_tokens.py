"""Refresh rotation with reuse detection, logout, expiry and tampering."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app.auth.models import LoginSession
from app.common.types import utcnow
from app.extensions import db
from tests.helpers import assert_problem, bearer, tokens_for

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def test_refresh_returns_new_pair_and_kills_the_old_refresh_token(client, customer):
    response = client.post(REFRESH, headers=customer.refresh_headers)
    assert response.status_code == 200
    pair = response.get_json()
    assert pair["refresh_token"] != customer.tokens["refresh_token"]
    assert client.get(ME, headers=bearer(pair["access_token"])).status_code == 200
    # The new refresh token works once more.
    assert client.post(REFRESH, headers=bearer(pair["refresh_token"])).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_login(client, customer):
    newer = client.post(REFRESH, headers=customer.refresh_headers).get_json()
    reused = client.post(REFRESH, headers=customer.refresh_headers)
    assert_problem(reused, 401, "refresh_token_reused")
    # Everything of that login is dead now, including the tokens the attacker or victim got.
    assert_problem(client.get(ME, headers=bearer(newer["access_token"])), 401, "token_revoked")
    assert_problem(client.post(REFRESH, headers=bearer(newer["refresh_token"])), 401, "token_revoked")
    assert_problem(client.get(ME, headers=customer.headers), 401, "token_revoked")


def test_reuse_detection_leaves_other_logins_alone(client, customer):
    second = tokens_for(customer.user)
    client.post(REFRESH, headers=customer.refresh_headers)
    client.post(REFRESH, headers=customer.refresh_headers)  # reuse
    assert client.get(ME, headers=bearer(second["access_token"])).status_code == 200


def test_access_token_cannot_refresh_and_refresh_token_cannot_access(client, customer):
    assert_problem(client.post(REFRESH, headers=customer.headers), 401, "invalid_token")
    assert_problem(client.get(ME, headers=customer.refresh_headers), 401, "invalid_token")


def test_logout_revokes_access_and_refresh(client, customer):
    assert client.post(LOGOUT, headers=customer.headers).status_code == 204
    assert_problem(client.get(ME, headers=customer.headers), 401, "token_revoked")
    assert_problem(client.post(REFRESH, headers=customer.refresh_headers), 401, "token_revoked")
    session = db.session.scalar(db.select(LoginSession).where(LoginSession.user_id == customer.user.id))
    assert session.revoked_reason == "logout"


def test_logout_needs_a_token(client):
    assert_problem(client.post(LOGOUT), 401, "missing_token")


def test_access_token_expires_after_15_minutes(client, customer):
    with time_machine.travel(utcnow() + timedelta(minutes=14), tick=False):
        assert client.get(ME, headers=customer.headers).status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert_problem(client.get(ME, headers=customer.headers), 401, "token_expired")
        # The refresh token still gets a new access token.
        assert client.post(REFRESH, headers=customer.refresh_headers).status_code == 200


def test_refresh_token_expires_after_30_days(client, customer):
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        assert_problem(client.post(REFRESH, headers=customer.refresh_headers), 401, "token_expired")


def test_tampered_and_garbage_tokens_are_401(client, customer):
    token = customer.tokens["access_token"]
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    assert_problem(client.get(ME, headers=bearer(tampered)), 401, "invalid_token")
    assert_problem(client.get(ME, headers=bearer("not-a-jwt")), 401, "invalid_token")
    assert_problem(client.get(ME, headers={"Authorization": "Basic abc"}), 401, "missing_token")


def test_token_of_deactivated_user_is_401(client, customer):
    customer.user.is_active = False
    db.session.commit()
    assert_problem(client.get(ME, headers=customer.headers), 401, "token_revoked")


def test_revocation_is_stored_in_the_database(client, customer, app):
    # A second app instance (another process, or after a restart) sees the revocation.
    from app import create_app

    client.post(LOGOUT, headers=customer.headers)
    other = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert_problem(other.test_client().get(ME, headers=customer.headers), 401, "token_revoked")
