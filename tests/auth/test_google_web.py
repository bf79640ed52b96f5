"""Google sign-in in a browser: start (state cookie, nonce, PKCE S256), Google's callback (the
state must be this browser's, the code exchanged with the verifier, the nonce checked), and the
one-time handoff code the web app trades for tokens (never tokens in a URL)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from app.auth.models import GoogleWebLogin, User
from app.common.crypto import encrypt
from app.common.types import utcnow
from app.extensions import db
from tests.auth.test_google import CLIENT, google  # noqa: F401 (a fixture)
from tests.factories import UserFactory
from tests.helpers import assert_problem

START, CALLBACK, HANDOFF = "/api/v1/auth/google/start", "/api/v1/auth/google/callback", "/api/v1/auth/google/handoff"
TOKEN_URL = "https://oauth2.googleapis.com/token"


@pytest.fixture
def web(app, google, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "GOOGLE_CLIENT_SECRET", "GOCSPX-web-secret")
    return google


def go(client, **query):
    response = client.get(START, query_string=query)
    assert response.status_code == 302, response.get_data(as_text=True)
    sent = parse_qs(urlsplit(response.headers["Location"]).query)
    cookie = response.headers["Set-Cookie"]
    return {key: values[0] for key, values in sent.items()}, cookie


def come_back(client, app, network, mint, sent, *, nonce=None, **claims):
    """Google's token endpoint answers the code with an ID token; the browser comes back."""
    network.post(TOKEN_URL, json={"id_token": mint(nonce=nonce or sent["nonce"], **claims), "token_type": "Bearer"})
    response = client.get(
        CALLBACK, query_string={"code": "4/0AQlEd8x", "state": sent["state"], "scope": "openid email"}
    )
    assert response.status_code == 302
    back = urlsplit(response.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == app.config["FRONTEND_URL"]
    return {key: values[0] for key, values in parse_qs(back.query).items()}


def test_a_browser_signs_in_with_google_and_no_token_is_in_a_url(app, client, web):
    mint, network, _ = web
    sent, cookie = go(client, accept_terms="true")
    assert (sent["client_id"], sent["response_type"], sent["code_challenge_method"]) == (CLIENT, "code", "S256")
    assert sent["redirect_uri"] == f"{app.config['PUBLIC_BASE_URL']}/api/v1/auth/google/callback"
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and sent["state"] in cookie
    trip = db.session.scalar(select(GoogleWebLogin))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(trip.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert sent["code_challenge"] == challenge and trip.state_hash != sent["state"]

    back = come_back(client, app, network, mint, sent)
    assert set(back) == {"handoff"}  # a one-time code, not tokens
    body = parse_qs(next(c for c in network.calls if c.request.url == TOKEN_URL).request.body)
    assert body["code_verifier"] == [trip.code_verifier] and body["grant_type"] == ["authorization_code"]
    assert body["client_secret"] == ["GOCSPX-web-secret"] and body["redirect_uri"] == [sent["redirect_uri"]]
    tokens = client.post(HANDOFF, json={"handoff": back["handoff"]})
    assert tokens.status_code == 200, tokens.get_json()
    assert tokens.get_json()["user"]["email"] == "wanjiru@example.com"
    assert_problem(client.post(HANDOFF, json={"handoff": back["handoff"]}), 401, "invalid_google_token")  # once


def test_a_callback_without_this_browsers_state_is_refused(app, client, web):
    mint, network, _ = web
    sent, _ = go(client)
    client.delete_cookie("duka_google_state", path="/api/v1/auth/google")
    response = client.get(CALLBACK, query_string={"code": "4/0AQ", "state": sent["state"]})
    assert "error=state_mismatch" in response.headers["Location"]
    assert not [c for c in network.calls if c.request.url == TOKEN_URL]  # the code was never exchanged


def test_a_token_minted_for_another_trip_is_refused(app, client, web):
    mint, network, _ = web
    sent, _ = go(client, accept_terms="true")
    back = come_back(client, app, network, mint, sent, nonce="someone-elses-nonce")
    assert back == {"error": "invalid_token"}
    assert db.session.scalar(select(User).where(User.email == "wanjiru@example.com")) is None


def test_two_factor_is_asked_at_the_handoff_and_the_code_survives_it(app, client, web):
    mint, network, _ = web
    secret = pyotp.random_base32()
    UserFactory(email="wanjiru@example.com", totp_secret=encrypt(secret), totp_enabled_at=utcnow())
    sent, _ = go(client)
    back = come_back(client, app, network, mint, sent)
    assert_problem(client.post(HANDOFF, json={"handoff": back["handoff"]}), 401, "totp_required")
    done = client.post(HANDOFF, json={"handoff": back["handoff"], "totp": pyotp.TOTP(secret).now()})
    assert done.status_code == 200


def test_not_configured_for_browsers_it_says_so(client, google):  # noqa: F811
    assert_problem(client.get(START), 404, "google_not_configured")  # no client secret


def test_a_code_google_refuses_to_exchange_sends_the_browser_back_with_an_error(app, client, web):
    mint, network, _ = web
    sent, _ = go(client, accept_terms="true")
    network.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "Bad Request"})
    response = client.get(CALLBACK, query_string={"code": "4/0AQ-used", "state": sent["state"]})
    assert "error=invalid_token" in response.headers["Location"]
    again = client.get(CALLBACK, query_string={"error": "access_denied", "state": sent["state"]})
    assert "error=state_mismatch" in again.headers["Location"]  # the cookie went with the first answer
