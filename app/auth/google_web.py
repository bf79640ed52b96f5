"""Google sign-in for browsers: the authorization code flow with PKCE (S256), state and nonce.

`start` sends the browser to Google with a fresh state (also set in an HttpOnly cookie: the
callback must come back to the browser that left, or it is a login planted by someone else),
a nonce (Google puts it in the ID token: a token minted for another trip is refused) and a PKCE
challenge (the code is worth nothing without our verifier). `callback` checks the state against
its cookie, exchanges the code at Google's token endpoint, verifies the ID token as
`google.verified_claims` does plus the nonce, and sends the browser to the web app with a
one-time handoff code, not tokens: the web app POSTs it to `/auth/google/handoff` (with the TOTP
code when two-factor is on) and gets Duka's tokens in the response body, so no token is ever in a
URL that browsers, proxies or logs keep.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from flask import current_app
from sqlalchemy import select, update

from app.auth import google
from app.auth.errors import GoogleNotConfigured, InvalidGoogleToken
from app.auth.models import GoogleWebLogin
from app.common.db import changed_rows
from app.common.types import utcnow
from app.common.urls import public_url
from app.extensions import db

COOKIE = "duka_google_state"
TRIP_MINUTES = 10  # to get through Google's page and back
HANDOFF_SECONDS = 120  # for the web app to exchange the handoff code


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _web_client() -> tuple[str, str]:
    ids = google.client_ids()
    secret = current_app.config.get("GOOGLE_CLIENT_SECRET")
    if not ids or not secret:
        raise GoogleNotConfigured("This shop does not offer Google sign-in in the browser.")
    return ids[0], str(secret)


def callback_url() -> str:
    return public_url("auth.google_callback")


def start(accept_terms: bool) -> tuple[str, str]:
    """A trip to Google's consent page: (the URL to send the browser to, the state for its cookie)."""
    client_id, _ = _web_client()
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(24), secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    db.session.add(
        GoogleWebLogin(
            state_hash=_digest(state),
            nonce=nonce,
            code_verifier=verifier,
            accept_terms=accept_terms,
            expires_at=utcnow() + timedelta(minutes=TRIP_MINUTES),
        )
    )
    query = {
        "client_id": client_id,
        "redirect_uri": callback_url(),
        "response_type": "code",
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "prompt": "select_account",
    }
    return f"{current_app.config['GOOGLE_AUTH_URL']}?{urlencode(query)}", state


def callback(query: dict[str, Any], cookie_state: str | None) -> str:
    """Where the browser goes after Google: the web app's page with a handoff code, or with an
    `error` (the state not this browser's, the trip over, Google's refusal, a token that fails)."""
    front = current_app.config["FRONTEND_URL"]
    state = query.get("state") or ""
    if not cookie_state or not hmac.compare_digest(state, cookie_state):
        return f"{front}/auth/google?{urlencode({'error': 'state_mismatch'})}"
    trip = db.session.scalar(
        select(GoogleWebLogin).where(
            GoogleWebLogin.state_hash == _digest(state),
            GoogleWebLogin.used_at.is_(None),
            GoogleWebLogin.id_token.is_(None),
            GoogleWebLogin.expires_at > utcnow(),
        )
    )
    if trip is None:
        return f"{front}/auth/google?{urlencode({'error': 'expired'})}"
    if query.get("error") or not query.get("code"):
        return f"{front}/auth/google?{urlencode({'error': str(query.get('error') or 'no_code')[:40]})}"
    try:
        id_token = _exchange(query["code"], trip.code_verifier)
        claims = google.verified_claims(id_token)
        if not hmac.compare_digest(str(claims.get("nonce") or ""), trip.nonce):
            raise InvalidGoogleToken("The ID token was not minted for this sign-in.")
    except (InvalidGoogleToken, jwt.PyJWTError):
        return f"{front}/auth/google?{urlencode({'error': 'invalid_token'})}"
    handoff = secrets.token_urlsafe(32)
    trip.id_token, trip.handoff_hash = id_token, _digest(handoff)
    trip.expires_at = utcnow() + timedelta(seconds=HANDOFF_SECONDS)
    return f"{front}/auth/google?{urlencode({'handoff': handoff})}"


def _exchange(code: str, verifier: str) -> str:
    client_id, secret = _web_client()
    try:
        response = requests.post(
            current_app.config["GOOGLE_TOKEN_URL"],
            data={
                "code": code,
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uri": callback_url(),
                "grant_type": "authorization_code",
                "code_verifier": verifier,
            },
            timeout=10,
        )
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise InvalidGoogleToken(f"Google's token endpoint did not answer ({type(exc).__name__}).") from None
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("id_token"):
        raise InvalidGoogleToken("Google refused the code.")
    return str(body["id_token"])


def handoff(data: dict[str, Any], *, ip_address: str | None, user_agent: str | None, cart_token: str | None) -> Any:
    """The web app's one-time handoff code for Duka's tokens (the same rules as POST
    /auth/google: new accounts, linking, two-factor). Used once, within HANDOFF_SECONDS."""
    refused = InvalidGoogleToken("This sign-in is over: start again.")
    trip = db.session.scalar(
        select(GoogleWebLogin).where(
            GoogleWebLogin.handoff_hash == _digest(data["handoff"]),
            GoogleWebLogin.used_at.is_(None),
            GoogleWebLogin.expires_at > utcnow(),
        )
    )
    if trip is None or trip.id_token is None:
        raise refused
    body = {
        "id_token": trip.id_token,
        "accept_terms": trip.accept_terms,
        "totp": data.get("totp"),
        "recovery_code": data.get("recovery_code"),
    }
    result = google.sign_in(body, ip_address=ip_address, user_agent=user_agent, cart_token=cart_token)
    used = changed_rows(  # after the TOTP step passed: asked again with the code, it still works
        update(GoogleWebLogin)
        .where(GoogleWebLogin.id == trip.id, GoogleWebLogin.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used != 1:
        raise refused
    return result
