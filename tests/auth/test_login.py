"""POST /auth/login: credentials, enumeration safety, rate limits."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import assert_problem, bearer

URL = "/api/v1/auth/login"


def test_login_with_email_returns_token_pair(client):
    user = UserFactory(email="kamau@example.com")
    response = client.post(URL, json={"email": "Kamau@Example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["user"]["id"] == user.id
    assert client.get("/api/v1/me", headers=bearer(body["access_token"])).status_code == 200


def test_login_with_username(client):
    UserFactory(username="kamau")
    response = client.post(URL, json={"username": "KAMAU", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client):
    UserFactory(email="kamau@example.com")
    wrong_password = client.post(URL, json={"email": "kamau@example.com", "password": "nope-nope-nope"})
    unknown = client.post(URL, json={"email": "ghost@example.com", "password": "nope-nope-nope"})
    a = assert_problem(wrong_password, 401, "invalid_credentials")
    b = assert_problem(unknown, 401, "invalid_credentials")
    a.pop("request_id"), b.pop("request_id")
    assert a == b


def test_unknown_email_still_spends_a_password_hash(client, monkeypatch):
    # Comparable time: a missing account must not skip the bcrypt work.
    from app.auth import passwords

    calls = []
    real = passwords.bcrypt.checkpw
    monkeypatch.setattr(passwords.bcrypt, "checkpw", lambda *a: calls.append(1) or real(*a))
    client.post(URL, json={"email": "ghost@example.com", "password": "nope-nope-nope"})
    assert calls == [1]


def test_deactivated_account_cannot_log_in(client):
    UserFactory(email="gone@example.com", is_active=False)
    assert_problem(
        client.post(URL, json={"email": "gone@example.com", "password": DEFAULT_PASSWORD}), 401, "invalid_credentials"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"password": "x"},
        {"email": "a@example.com", "username": "abc", "password": "x"},
        {"email": "a@example.com"},
        {"email": "a@example.com", "password": "x", "extra": 1},
        {"email": "a@example.com", "password": "x", "totp": "12ab56"},
    ],
)
def test_bad_login_bodies_are_422(client, body):
    assert_problem(client.post(URL, json=body), 422, "validation_error")


def test_failed_logins_are_limited_per_address(client, app):
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    for i in range(limit):
        # Different accounts, so only the per-address limit can trip.
        response = client.post(URL, json={"email": f"ghost{i}@example.com", "password": "wrong-wrong"})
        assert response.status_code == 401
    blocked = client.post(URL, json={"email": "other@example.com", "password": "wrong-wrong"})
    assert_problem(blocked, 429, "rate_limited")
    assert int(blocked.headers["Retry-After"]) > 0


def test_failed_logins_are_limited_per_account_across_addresses(client, app):
    UserFactory(email="target@example.com")
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    for i in range(limit):
        response = client.post(
            URL,
            json={"email": "target@example.com", "password": "wrong-wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"},
        )
        assert response.status_code == 401
    blocked = client.post(
        URL,
        json={"email": "TARGET@example.com", "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert_problem(blocked, 429, "rate_limited")


def test_successful_logins_do_not_count_as_failures(client, app):
    UserFactory(email="busy@example.com")
    for _ in range(app.config["LOGIN_FAILURES_PER_MINUTE"] + 2):
        assert client.post(URL, json={"email": "busy@example.com", "password": DEFAULT_PASSWORD}).status_code == 200


def test_rate_limit_resets_after_a_minute(client, app):
    import time_machine

    with time_machine.travel(time.time(), tick=False) as traveller:
        for _ in range(app.config["LOGIN_FAILURES_PER_MINUTE"]):
            client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"})
        assert client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"}).status_code == 429
        traveller.shift(61)
        assert client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"}).status_code == 401


def test_login_records_session(client):
    from app.auth.models import LoginSession

    user = UserFactory()
    client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD}, headers={"User-Agent": "DukaApp/1.0"})
    [session] = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert session.user_agent == "DukaApp/1.0" and session.revoked_at is None


def test_failures_by_email_and_by_username_share_one_account_budget(client, app):
    UserFactory(email="shared@example.com", username="shared")
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    for i in range(limit):
        body = {"username": "Shared"} if i % 2 else {"email": "shared@example.com"}
        response = client.post(
            URL, json={**body, "password": "wrong-wrong"}, environ_base={"REMOTE_ADDR": f"10.1.0.{i + 1}"}
        )
        assert response.status_code == 401
    blocked = client.post(
        URL, json={"username": "shared", "password": DEFAULT_PASSWORD}, environ_base={"REMOTE_ADDR": "10.2.0.1"}
    )
    assert_problem(blocked, 429, "rate_limited")


def test_a_deleted_account_costs_a_bcrypt_round_like_any_other_wrong_login(client, customer, monkeypatch):
    import bcrypt

    from tests.factories import DEFAULT_PASSWORD

    user_id = customer.user.id
    assert client.delete("/api/v1/me", json={"password": DEFAULT_PASSWORD}, headers=customer.headers).status_code == 204
    email = f"deleted-{user_id}@deleted.invalid"  # the anonymised row (its hash is "!")
    checked: list[bytes] = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, hashed: checked.append(hashed) or real(pw, hashed))
    for login in ({"email": email}, {"email": "nobody@example.com"}):
        response = client.post(URL, json={**login, "password": DEFAULT_PASSWORD})
        assert_problem(response, 401, "invalid_credentials")
    assert len(checked) == 2 and all(h.startswith(b"$2") for h in checked)  # a real round both times


def test_login_answers_carry_the_failed_login_budget(client, app):
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    first = client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"})
    assert first.status_code == 401
    assert first.headers["X-RateLimit-Limit"] == str(limit)
    assert first.headers["X-RateLimit-Remaining"] == str(limit - 1)
    for _ in range(limit - 1):
        client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"})
    blocked = client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"})
    assert_problem(blocked, 429, "rate_limited")
    assert blocked.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(blocked.headers["Retry-After"]) <= 60


def test_an_unreachable_rate_limit_store_is_503_not_500(client, app, monkeypatch):
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from app.common.limits import EXTENSION

    dead = FixedWindowRateLimiter(storage_from_string("redis://127.0.0.1:1/0"))
    monkeypatch.setitem(app.extensions, EXTENSION, dead)
    response = client.post(URL, json={"email": "x@example.com", "password": "wrong-wrong"})
    assert_problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"] == "2"
