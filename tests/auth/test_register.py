"""POST /auth/register."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.users.models import ConsentEvent
from tests.factories import UserFactory
from tests.helpers import assert_problem, emails_to

URL = "/api/v1/auth/register"


def payload(**overrides):
    body = {
        "name": "Achieng Otieno",
        "email": "achieng@example.com",
        "password": "Tembo-Kubwa-2026",
        "accept_terms": True,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_customer_and_returns_profile(client):
    response = client.post(URL, json=payload(username="Achieng_O", phone="0712 345 678", marketing_opt_in=True))
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "achieng@example.com"
    assert body["role"] == "customer"
    assert body["email_verified"] is False
    assert body["username"] == "achieng_o"
    assert body["phone"] == "+254712345678"
    assert body["marketing_opt_in"] is True
    assert len(body["invite_code"]) == 8
    assert not any("password" in key or "hash" in key or "totp" in key.replace("two_factor", "") for key in body)
    user = db.session.get(User, body["id"])
    assert user.terms_accepted_at is not None
    assert user.password_hash.startswith("$2")


def test_register_logs_consents_with_time(client):
    body = client.post(URL, json=payload(marketing_opt_in=False)).get_json()
    events = db.session.scalars(select(ConsentEvent).where(ConsentEvent.user_id == body["id"])).all()
    assert {(e.kind, e.granted) for e in events} == {("terms", True), ("marketing", False)}
    assert all(e.created_at is not None for e in events)


def test_register_sends_verification_email(client):
    client.post(URL, json=payload())
    [email] = emails_to("achieng@example.com")
    assert email.status == "sent"
    assert "http://localhost:3000/verify-email?token=" in email.body


def test_terms_must_be_accepted(client):
    body = assert_problem(client.post(URL, json=payload(accept_terms=False)), 422, "validation_error")
    assert "accept_terms" in body["errors"]
    assert_problem(client.post(URL, json=payload(accept_terms=None)), 422, "validation_error")
    assert user_count() == 0


@pytest.mark.parametrize("field,value", [("role", "admin"), ("is_admin", True), ("email_verified", True), ("id", 1)])
def test_privileged_fields_grant_nothing(client, field, value):
    body = assert_problem(client.post(URL, json=payload(**{field: value})), 422, "validation_error")
    assert body["errors"] == {field: ["Unknown field."]}
    assert user_count() == 0


def test_email_unique_case_insensitively(client):
    UserFactory(email="achieng@example.com")
    assert_problem(client.post(URL, json=payload(email="ACHIENG@Example.com")), 409, "email_taken")


def test_username_unique_case_insensitively(client):
    UserFactory(username="wanjiku")
    assert_problem(client.post(URL, json=payload(username="Wanjiku")), 409, "username_taken")


@pytest.mark.parametrize(
    "password,message",
    [
        ("short1!", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password123", "too common"),
        ("qwertyuiop", "too common"),
        ("achieng-is-great", "email"),
    ],
)
def test_password_policy(client, password, message):
    body = assert_problem(client.post(URL, json=payload(password=password)), 422, "validation_error")
    assert any(message in m for m in body["errors"]["password"])
    assert user_count() == 0


@pytest.mark.parametrize("phone", ["12345", "0812345678", "+2557123456789", "07123456789", "not a phone"])
def test_garbage_phone_is_422(client, phone):
    body = assert_problem(client.post(URL, json=payload(phone=phone)), 422, "validation_error")
    assert "phone" in body["errors"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("email", "no-at-sign"),
        ("name", ""),
        ("name", "   "),
        ("username", "a"),
        ("username", "bad name!"),
        ("marketing_opt_in", "maybe"),
    ],
)
def test_bad_fields_are_422(client, field, value):
    body = assert_problem(client.post(URL, json=payload(**{field: value})), 422, "validation_error")
    assert field in body["errors"]


def test_invite_code_links_inviter(client):
    inviter = UserFactory(invite_code="KARIBU22")
    body = client.post(URL, json=payload(invite_code="karibu22")).get_json()
    assert body["invited_by"] == {"id": inviter.id, "name": inviter.name}


def test_unknown_invite_code_is_422(client):
    body = assert_problem(client.post(URL, json=payload(invite_code="NOPE1234")), 422, "validation_error")
    assert "invite_code" in body["errors"]
    assert user_count() == 0


def test_register_needs_json_object(client):
    assert_problem(client.post(URL, json=["a", "list"]), 422, "validation_error")
