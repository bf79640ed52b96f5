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
        "/api/v1/auth/register",
        json={"name": "New", "email": email, "password": "Fresh-Start-2026", "accept_terms": True},
    )
    assert again.status_code == 201


def test_delete_needs_the_password(client, customer):
    assert_problem(client.delete(ME, json={"password": "wrong-one"}, headers=customer.headers), 422, "wrong_password")
    assert_problem(client.delete(ME, json={}, headers=customer.headers), 422, "validation_error")
    assert client.get(ME, headers=customer.headers).status_code == 200


def test_delete_voids_email_links_deletes_addresses_and_forgets_devices(client, customer):
    from sqlalchemy import select

    from app.auth.models import LoginSession
    from app.users.models import Address
    from tests.helpers import emails_to, token_from_email

    AddressFactory(user_id=customer.user.id)
    email = customer.user.email
    assert client.post("/api/v1/auth/forgot-password", json={"email": email}).status_code == 202
    reset_token = token_from_email(emails_to(email)[-1])

    assert client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=customer.headers).status_code == 204

    reset = client.post("/api/v1/auth/reset-password", json={"token": reset_token, "password": "Taken-Over-2026"})
    assert_problem(reset, 422, "invalid_link_token")
    assert db.session.scalars(select(Address).where(Address.user_id == customer.user.id)).all() == []
    db.session.expire_all()
    sessions = db.session.scalars(select(LoginSession).where(LoginSession.user_id == customer.user.id)).all()
    assert sessions and all(s.ip_address is None and s.user_agent is None and s.revoked_at for s in sessions)


def test_delete_leaves_nothing_of_the_user_in_the_outbox(client, customer):
    from sqlalchemy import text

    email = customer.user.email
    assert client.post("/api/v1/auth/forgot-password", json={"email": email}).status_code == 202
    assert db.session.execute(text('SELECT count(*) FROM outbox_emails WHERE "to" = :to'), {"to": email}).scalar() == 1
    assert client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=customer.headers).status_code == 204
    left = db.session.execute(
        text('SELECT count(*) FROM outbox_emails WHERE "to" = :to OR body LIKE :name'),
        {"to": email, "name": f"%{customer.user.name}%"},
    ).scalar()
    assert left == 0
