"""The per-address ceiling on the unauthenticated auth endpoints (AUTH_RATE_LIMIT)."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def two_a_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT", "2/minute")


def _register(client, n: int):
    body = {"name": "N", "email": f"n{n}@example.com", "password": "Mvua-Nyingi-2026", "accept_terms": True}
    return client.post("/api/v1/auth/register", json=body)


def test_sign_up_is_limited_per_address(client, two_a_minute):
    assert [_register(client, n).status_code for n in range(2)] == [201, 201]
    assert_problem(_register(client, 3), 429, "rate_limited")


def test_password_resets_are_limited_per_address(client, two_a_minute):
    body = {"token": "made-up", "password": "Mvua-Nyingi-2026"}
    assert [client.post("/api/v1/auth/reset-password", json=body).status_code for _ in range(2)] == [422, 422]
    assert_problem(client.post("/api/v1/auth/reset-password", json=body), 429, "rate_limited")


def test_refresh_is_limited_per_address(client, customer, two_a_minute):
    first = client.post("/api/v1/auth/refresh", headers=customer.refresh_headers)
    assert first.status_code == 200
    second = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first.get_json()['refresh_token']}"}
    )
    assert second.status_code == 200
    third = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {second.get_json()['refresh_token']}"}
    )
    assert_problem(third, 429, "rate_limited")
