"""Our emails cannot be turned against their recipients: a per-recipient cap, no free text from
the request in mail to an unverified address, one normal form of addresses."""

from __future__ import annotations

from tests.factories import UserFactory
from tests.helpers import assert_problem, emails_to


def test_one_inbox_gets_at_most_three_reset_emails_an_hour_from_any_number_of_addresses(client, app):
    victim = UserFactory(email="victim@example.com")
    answers = [
        client.post(
            "/api/v1/auth/forgot-password", json={"email": victim.email}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        ).status_code
        for n in range(6)
    ]
    assert answers == [202] * 6  # the answer says nothing either way
    assert len(emails_to(victim.email)) == app.config["EMAILS_PER_RECIPIENT_PER_HOUR"] == 3


def test_verification_emails_are_capped_too(client):
    body = {"name": "N", "email": "new@example.com", "password": "Mvua-Nyingi-2026", "accept_terms": True}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    for n in range(5):
        resend = client.post(
            "/api/v1/auth/resend-verification",
            json={"email": "new@example.com"},
            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"},
        )
        assert resend.status_code == 202
    assert len(emails_to("new@example.com")) == 3


def test_mail_to_an_unverified_address_carries_no_name_from_the_request(client):
    phishing = "Your account is LOCKED verify at http://evil.example"
    body = {"name": phishing, "email": "target@example.com", "password": "Mvua-Nyingi-2026", "accept_terms": True}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    [email] = emails_to("target@example.com")
    assert "LOCKED" not in email.body and email.body.startswith("Hello,")


def test_emails_are_normalised_then_validated(client):
    body = {"name": "I", "email": "\u0130x2@example.com", "password": "Mvua-Nyingi-2026", "accept_terms": True}
    response = client.post("/api/v1/auth/register", json=body)
    assert "email" in assert_problem(response, 422, "validation_error")["errors"]
    ok = client.post("/api/v1/auth/register", json={**body, "email": "  Wanjiku@Example.CO.KE "})
    assert ok.status_code == 201 and ok.get_json()["email"] == "wanjiku@example.co.ke"
