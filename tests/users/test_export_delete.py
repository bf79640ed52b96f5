"""GET /me/export and DELETE /me."""
from __future__ import annotations

from app.auth.models import User
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD, AddressFactory
from tests.helpers import assert_problem

ME = "/api/v1/me"


def test_export_holds_everything_about_me(client, customer):
    AddressFactory(user_id=customer.user.id, is_default=True)
    client.patch(ME, json={"marketing_opt_in": True}, headers=customer.headers)
    response = client.get(f"{ME}/export", headers=customer.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["profile"]["email"] == customer.user.email
    assert len(body["addresses"]) == 1
    assert {"kind": "marketing", "granted": True} in [{k: c[k] for k in ("kind", "granted")} for c in body["consents"]]
    assert len(body["sessions"]) == 1
    assert body["terms_accepted_at"] and body["exported_at"]


def test_export_needs_a_token(client):
    assert_problem(client.get(f"{ME}/export"), 401, "missing_token")


def test_delete_anonymises_and_revokes(client, customer):
    AddressFactory(user_id=customer.user.id)
    email = customer.user.email
    response = client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=customer.headers)
    assert response.status_code == 204
    user = db.session.get(User, customer.user.id)
    assert user is not None  # the row stays for order records
    assert user.email != email and user.name == "Deleted user" and user.phone is None and not user.is_active
    assert_problem(client.get(ME, headers=customer.headers), 401, "token_revoked")
    assert_problem(client.post("/api/v1/auth/refresh", headers=customer.refresh_headers), 401, "token_revoked")
    login = client.post("/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD})
    assert_problem(login, 401, "invalid_credentials")
    # The email is free for a new account.
    again = client.post(
        "/api/v1/auth/register", json={"name": "New", "email": email, "password": "Fresh-Start-2026", "accept_terms": True}
    )
    assert again.status_code == 201


def test_delete_needs_the_password(client, customer):
    assert_problem(client.delete(ME, json={"password": "wrong-one"}, headers=customer.headers), 422, "wrong_password")
    assert_problem(client.delete(ME, json={}, headers=customer.headers), 422, "validation_error")
    assert client.get(ME, headers=customer.headers).status_code == 200
