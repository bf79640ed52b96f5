"""Failed-login limits hold for requests racing each other (PostgreSQL, real commits, threads):
each attempt is counted before its password is checked, in memory for one process and in Redis
across workers."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.common.limits import EXTENSION
from tests.auth.test_concurrency import _user
from tests.factories import DEFAULT_PASSWORD

URL = "/api/v1/auth/login"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _post_together(app: Flask, bodies: list[dict[str, str]]) -> Counter[int]:
    """Send each body as its own login request, all released at once; count the statuses."""
    statuses: list[int] = []
    start = threading.Barrier(len(bodies))

    def send(body: dict[str, str]) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post(URL, json=body).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(statuses)


@pytest.fixture
def redis_counter(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The failed-login counter in Redis, as with RATELIMIT_STORAGE_URI=redis://... in production."""
    storage = storage_from_string(REDIS_URL)
    if not storage.check():
        if os.environ.get("DUKA_REQUIRE_REDIS"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    storage.reset()
    monkeypatch.setitem(app.extensions, EXTENSION, FixedWindowRateLimiter(storage))
    yield
    storage.reset()


@pytest.mark.own_database
@pytest.mark.postgres
@pytest.mark.parametrize("store", ["memory", "redis"])
def test_parallel_wrong_passwords_get_exactly_the_budget(app, committed, request, store):
    if store == "redis":
        request.getfixturevalue("redis_counter")
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    with app.app_context():
        _user()
    wrong = {"email": "racer@example.com", "password": "wrong-password-1"}
    statuses = _post_together(app, [wrong] * 40)
    assert statuses == Counter({401: limit, 429: 40 - limit})
    # Refused attempts cost nothing: the budget is spent, not overdrawn; the right password is
    # refused for the rest of the minute too.
    assert app.test_client().post(URL, json={**wrong, "password": DEFAULT_PASSWORD}).status_code == 429


@pytest.mark.own_database
@pytest.mark.postgres
def test_parallel_right_passwords_give_their_attempts_back(app, committed):
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    with app.app_context():
        _user()
    right = {"email": "racer@example.com", "password": DEFAULT_PASSWORD}
    # While in flight an attempt holds its place in the budget (its outcome is not known yet).
    assert _post_together(app, [right] * limit) == Counter({200: limit})
    wrong = {**right, "password": "wrong-password-1"}
    statuses = Counter(app.test_client().post(URL, json=wrong).status_code for _ in range(limit + 1))
    assert statuses == Counter({401: limit, 429: 1})


@pytest.mark.parametrize("store", ["memory", "redis"])
@pytest.mark.parametrize("email", ["\ud800@example.com", "x" * 100_000 + "@example.com"])
def test_untrusted_text_in_a_counter_key_is_a_422_not_a_500(app, client, request, store, email):
    """The per-account counter runs before validation: a lone surrogate could not be encoded
    for Redis (a 500), and 100 KB of email was a 100 KB key."""
    if store == "redis":
        request.getfixturevalue("redis_counter")
    response = client.post(URL, json={"email": email, "password": "wrong-password-1"})
    assert response.status_code == 422, response.get_json()
    assert "email" in response.get_json()["errors"]


def test_one_address_in_two_spellings_shares_one_budget(app, client):
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    for n in range(limit):
        email = "Racer@Example.com" if n % 2 else " racer@example.com "
        client.post(
            URL, json={"email": email, "password": "wrong-password-1"}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
    response = client.post(
        URL, json={"email": "racer@example.com", "password": "x" * 8}, environ_base={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert response.status_code == 429
