"""GET/PATCH /me."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.users.models import ConsentEvent
from tests.factories import UserFactory
from tests.helpers import assert_problem

ME = "/api/v1/me"


def test_get_me_returns_profile(client, customer):
    body = client.get(ME, headers=customer.headers).get_json()
    assert body["id"] == customer.user.id
    assert body["email"] == customer.user.email
    assert set(body) >= {
        "email_verified",
        "role",
        "name",
        "username",
        "phone",
        "location",
        "date_of_birth",
        "marketing_opt_in",
        "picture_url",
        "invite_code",
        "invited_by",
    }


def test_me_needs_a_token(client):
    assert_problem(client.get(ME), 401, "missing_token")
    assert_problem(client.patch(ME, json={"name": "x"}), 401, "missing_token")


@pytest.mark.parametrize(
    "raw,stored",
    [
        ("0712345678", "+254712345678"),
        ("0110 123 456", "+254110123456"),
        ("254712345678", "+254712345678"),
        ("+254712345678", "+254712345678"),
    ],
)
def test_kenyan_numbers_are_stored_as_e164(client, customer, raw, stored):
    response = client.patch(ME, json={"phone": raw}, headers=customer.headers)
    assert response.status_code == 200
    assert response.get_json()["phone"] == stored
    assert customer.user.phone == stored


def test_patch_updates_profile_fields(client, customer):
    response = client.patch(
        ME,
        json={"name": "Zawadi", "location": "Kisumu", "date_of_birth": "1995-04-12", "username": "Zawadi_K"},
        headers=customer.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["location"], body["date_of_birth"], body["username"]) == (
        "Zawadi",
        "Kisumu",
        "1995-04-12",
        "zawadi_k",
    )


@pytest.mark.parametrize("field", ["email", "role", "email_verified", "invite_code", "id"])
def test_read_only_fields_cannot_be_patched(client, customer, field):
    before = client.get(ME, headers=customer.headers).get_json()
    body = assert_problem(client.patch(ME, json={field: "admin"}, headers=customer.headers), 422, "validation_error")
    assert field in body["errors"]
    assert client.get(ME, headers=customer.headers).get_json() == before


def test_future_date_of_birth_is_422(client, customer):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    body = assert_problem(
        client.patch(ME, json={"date_of_birth": tomorrow}, headers=customer.headers), 422, "validation_error"
    )
    assert "date_of_birth" in body["errors"]


def test_under_13_is_422(client, customer):
    today = date.today()
    twelve = date(today.year - 12, today.month, 1).isoformat()  # (replace(year=) fails on 29 February)
    assert_problem(client.patch(ME, json={"date_of_birth": twelve}, headers=customer.headers), 422, "validation_error")


def test_garbage_phone_is_422(client, customer):
    body = assert_problem(
        client.patch(ME, json={"phone": "call me"}, headers=customer.headers), 422, "validation_error"
    )
    assert "phone" in body["errors"]


def test_username_taken_is_409(client, customer):
    UserFactory(username="taken")
    assert_problem(client.patch(ME, json={"username": "Taken"}, headers=customer.headers), 409, "username_taken")


def test_marketing_consent_change_is_logged_with_time(client, customer):
    response = client.patch(ME, json={"marketing_opt_in": True}, headers=customer.headers)
    body = response.get_json()
    assert body["marketing_opt_in"] is True
    assert body["marketing_opt_in_changed_at"] is not None
    client.patch(ME, json={"marketing_opt_in": False}, headers=customer.headers)
    events = db.session.scalars(
        db.select(ConsentEvent).where(ConsentEvent.user_id == customer.user.id, ConsentEvent.kind == "marketing")
    ).all()
    assert [e.granted for e in events] == [True, False]
