"""Google sign-in, offline: a key pair made here stands for Google's, its JWKS served at
GOOGLE_CERTS_URL through `responses`, ID tokens minted with it."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import jwt
import pyotp
import pytest
import requests
import responses
import time_machine
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from app.auth.google import NO_PASSWORD, keys
from app.auth.models import Identity, User
from app.common.crypto import encrypt
from app.common.types import utcnow
from app.extensions import db
from tests.factories import UserFactory
from tests.helpers import assert_problem, bearer, emails_to, tokens_for

GOOGLE, ME = "/api/v1/auth/google", "/api/v1/me/identities/google"
CERTS = "https://www.googleapis.com/oauth2/v3/certs"
CLIENT = "1234-web.apps.googleusercontent.com"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict:
    return {
        **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())),
        "kid": kid,
        "alg": "RS256",
        "use": "sig",
    }


@pytest.fixture
def google(app, monkeypatch):
    """Google sign-in configured; its keys served (one of them, `k1`); `mint(**claims)` makes
    an ID token signed with it."""
    monkeypatch.setitem(app.config, "GOOGLE_CLIENT_IDS", [CLIENT, "5678-android.apps.googleusercontent.com"])
    key = new_key()
    keys.forget()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as network:
        network.get(CERTS, json={"keys": [jwk(key, "k1")]}, headers={"Cache-Control": "public, max-age=3600"})

        def mint(signer=key, kid="k1", **claims) -> str:
            now = int(time.time())
            body = {
                "iss": "https://accounts.google.com",
                "aud": CLIENT,
                "sub": "110169484474386276334",
                "email": "wanjiru@example.com",
                "email_verified": True,
                "name": "Wanjiru Kamau",
                "iat": now,
                "exp": now + 3600,
                **claims,
            }
            return jwt.encode(body, signer, algorithm="RS256", headers={"kid": kid})

        yield mint, network, key
    keys.forget()


def sign_in(client, token, **body):
    return client.post(GOOGLE, json={"id_token": token, **body})


def test_a_new_google_account_makes_a_customer_account_and_signs_in(client, google):
    mint, _, _ = google
    assert_problem(sign_in(client, mint()), 422, "validation_error")  # the terms, for a new account
    made = sign_in(client, mint(), accept_terms=True)
    assert made.status_code == 200, made.get_json()
    user = db.session.scalar(select(User).where(User.email == "wanjiru@example.com"))
    assert (user.role, user.name, user.password_hash, user.marketing_opt_in) == (
        "customer",
        "Wanjiru Kamau",
        NO_PASSWORD,
        False,
    )
    assert user.email_verified_at is not None
    again = sign_in(client, mint(email="renamed@example.com"))  # the same `sub`: the same account
    assert again.get_json()["user"]["id"] == user.id
    assert db.session.scalar(select(Identity.email)) == "renamed@example.com"


@pytest.mark.parametrize(
    "claims,code",
    [
        ({"aud": "someone-else.apps.googleusercontent.com"}, "invalid_google_token"),
        ({"iss": "https://evil.example.com"}, "invalid_google_token"),
        ({"exp": int(time.time()) - 10}, "invalid_google_token"),
        ({"email_verified": False}, "google_email_unverified"),
    ],
)
def test_a_token_that_fails_a_check_is_refused(client, google, claims, code):
    mint, _, _ = google
    response = sign_in(client, mint(**claims), accept_terms=True)
    assert_problem(response, 401 if code == "invalid_google_token" else 422, code)
    assert db.session.scalar(select(User).where(User.email == "wanjiru@example.com")) is None


def test_a_signature_by_another_key_is_refused(client, google):
    mint, _, _ = google
    assert_problem(sign_in(client, mint(signer=new_key()), accept_terms=True), 401, "invalid_google_token")


def test_an_unknown_key_id_fetches_googles_keys_again(client, google):
    mint, network, key = google
    assert sign_in(client, mint(), accept_terms=True).status_code == 200
    rotated = new_key()
    network.replace(responses.GET, CERTS, json={"keys": [jwk(key, "k1"), jwk(rotated, "k2")]})
    assert sign_in(client, mint(signer=rotated, kid="k2")).status_code == 200
    assert len([call for call in network.calls if call.request.url == CERTS]) == 2  # once more, for k2
    assert sign_in(client, mint()).status_code == 200  # k1 from the cache: no third fetch
    assert len([call for call in network.calls if call.request.url == CERTS]) == 2


def test_a_verified_customer_with_the_email_is_linked_and_told(client, google):
    mint, _, _ = google
    existing = UserFactory(email="wanjiru@example.com")
    response = sign_in(client, mint())
    assert response.status_code == 200 and response.get_json()["user"]["id"] == existing.id
    assert any(e.subject == "Google sign-in was linked to your account" for e in emails_to("wanjiru@example.com"))


@pytest.mark.parametrize("fields", [{"email_verified_at": None}, {"role": "admin"}])
def test_an_unverified_or_staff_account_must_link_from_its_profile(client, google, fields):
    mint, _, _ = google
    UserFactory(email="wanjiru@example.com", **fields)
    assert_problem(sign_in(client, mint()), 409, "link_required")
    assert db.session.scalar(select(Identity)) is None


def test_two_factor_still_applies(client, google):
    mint, _, _ = google
    secret = pyotp.random_base32()
    UserFactory(email="wanjiru@example.com", totp_secret=encrypt(secret), totp_enabled_at=utcnow())
    assert_problem(sign_in(client, mint()), 401, "totp_required")
    assert sign_in(client, mint(), totp=pyotp.TOTP(secret).now()).status_code == 200


def test_a_token_replayed_after_logout_signs_in_again_until_it_expires(client, google):
    """An ID token is Google's word about who holds it, good until its `exp` (an hour): logging
    out ends Duka's session, not Google's token. Replayed within the hour it signs in again (as
    the same person); after `exp`, never. Clients send it once, over TLS, and drop it."""
    mint, _, _ = google
    token = mint()
    first = sign_in(client, token, accept_terms=True).get_json()
    assert client.post("/api/v1/auth/logout", headers=bearer(first["access_token"])).status_code == 204
    assert sign_in(client, token).status_code == 200
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1), tick=False):
        assert_problem(sign_in(client, token), 401, "invalid_google_token")


def test_linking_unlinking_and_setting_a_password(client, google, customer):
    mint, _, _ = google
    linked = client.post(ME, json={"id_token": mint(sub="999")}, headers=customer.headers)
    assert linked.status_code == 201 and linked.get_json()["provider"] == "google"
    other = UserFactory()
    taken = client.post(ME, json={"id_token": mint(sub="999")}, headers=bearer(tokens_for(other)["access_token"]))
    assert_problem(taken, 409, "identity_taken")
    assert client.delete(ME, headers=customer.headers).status_code == 204  # it has a password

    made = sign_in(client, mint(sub="777", email="new@example.com"), accept_terms=True).get_json()
    headers = bearer(made["access_token"])
    assert_problem(client.delete(ME, headers=headers), 409, "last_way_in")
    weak = client.post("/api/v1/auth/set-password", json={"password": "password"}, headers=headers)
    assert_problem(weak, 422, "validation_error")
    assert (
        client.post("/api/v1/auth/set-password", json={"password": "Mpya-Kabisa-2026"}, headers=headers).status_code
        == 204
    )
    again = client.post("/api/v1/auth/set-password", json={"password": "Another-One-2026"}, headers=headers)
    assert_problem(again, 409, "password_already_set")
    assert client.delete(ME, headers=headers).status_code == 204
    login = client.post("/api/v1/auth/login", json={"email": "new@example.com", "password": "Mpya-Kabisa-2026"})
    assert login.status_code == 200


def test_setting_a_password_needs_a_fresh_sign_in(client, google):
    mint, _, _ = google
    made = sign_in(client, mint(), accept_terms=True).get_json()
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):  # the access token lives 15
        late = client.post(
            "/api/v1/auth/set-password", json={"password": "Mpya-Kabisa-2026"}, headers=bearer(made["access_token"])
        )
    assert_problem(late, 401, "fresh_login_required")
    assert db.session.get(User, made["user"]["id"]).password_hash == NO_PASSWORD


def test_not_configured_it_says_so(app, client):
    assert app.config["GOOGLE_CLIENT_IDS"] == []
    assert_problem(client.post(GOOGLE, json={"id_token": "x" * 40}), 404, "google_not_configured")
    assert client.get("/api/v1/auth/methods").get_json() == {
        "password": True,
        "email_code": True,
        "google": False,
        "google_client_ids": [],
    }


def test_googles_keys_out_of_reach_is_a_refusal_not_a_500(client, google):
    mint, network, _ = google
    network.replace(responses.GET, CERTS, body=requests.ConnectionError("down"))
    assert_problem(sign_in(client, mint(), accept_terms=True), 401, "invalid_google_token")
