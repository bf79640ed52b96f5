"""Google sign-in: a Google ID token (from Google Identity Services or the Android/iOS SDK) for
Duka's own tokens.

The token is checked with PyJWT (already here through Flask-JWT-Extended; its RS256 needs only
`cryptography`, also here): the signature against Google's published keys (the JWKS at
GOOGLE_CERTS_URL, fetched with `requests` and kept as long as its Cache-Control says, fetched
again for a key id it does not hold), `aud` one of GOOGLE_CLIENT_IDS, `iss` Google's, `exp`, and
`email_verified` true. google-auth would add a dependency for the same four checks and refetch
the keys on every call. Identities are keyed on Google's `sub`.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from typing import Any

import jwt
import requests
from flask import current_app
from sqlalchemy import select

from app.auth import totp
from app.auth.errors import (
    FreshLoginRequired,
    GoogleEmailUnverified,
    GoogleNotConfigured,
    IdentityTaken,
    InvalidGoogleToken,
    LastWayIn,
    LinkRequired,
    PasswordAlreadySet,
)
from app.auth.models import Identity, Role, User
from app.auth.passwords import check_password_policy, hash_password
from app.auth.services import find_user_by_email, new_customer, start_signed_in
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.services import queue_email

ISSUERS = ("accounts.google.com", "https://accounts.google.com")
PROVIDER = "google"
NO_PASSWORD = "!"  # a password hash no password matches: the account has none
_MAX_AGE = re.compile(r"max-age=(\d+)")


class _Keys:
    """Google's signing keys by key id, kept until their Cache-Control max-age runs out."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.until = 0.0
        self.lock = threading.Lock()

    def get(self, url: str, kid: str) -> Any:
        with self.lock:
            if kid not in self.keys or time.monotonic() > self.until:
                self._fetch(url)
            return self.keys.get(kid)

    def _fetch(self, url: str) -> None:
        try:
            response = requests.get(url, timeout=5)
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise InvalidGoogleToken(f"Google's keys could not be read ({type(exc).__name__}).") from None
        self.keys = {key["kid"]: jwt.PyJWK(key).key for key in body.get("keys", []) if "kid" in key}
        found = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
        self.until = time.monotonic() + (int(found.group(1)) if found else 300)

    def forget(self) -> None:
        with self.lock:
            self.keys, self.until = {}, 0.0


keys = _Keys()


def client_ids() -> list[str]:
    return [client for client in current_app.config["GOOGLE_CLIENT_IDS"] if client]


def verified_claims(id_token: str) -> dict[str, Any]:
    """The claims of a Google ID token that passes every check; 401 `invalid_google_token`
    otherwise, 422 `google_email_unverified` when Google has not verified the address."""
    audiences = client_ids()
    if not audiences:
        raise GoogleNotConfigured("This shop does not offer Google sign-in.")
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = keys.get(current_app.config["GOOGLE_CERTS_URL"], str(kid)) if kid else None
        if key is None:
            raise InvalidGoogleToken("The token is not signed by a key Google publishes.")
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=audiences,
            issuer=list(ISSUERS),
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidGoogleToken(f"The Google ID token is not valid: {exc}.") from None
    if claims.get("email_verified") is not True or not claims.get("email"):
        raise GoogleEmailUnverified("Google has not verified this email address: sign up with it another way.")
    return claims


def sign_in(
    data: dict[str, Any], *, ip_address: str | None, user_agent: str | None, cart_token: str | None
) -> dict[str, Any]:
    """Sign in with Google. A known `sub` is its account; an unknown one with an email no account
    has makes a customer account (verified, no password, no marketing; the terms must be
    accepted: `accept_terms`); an email a verified customer account has links to it (the owner is
    emailed); an unverified account, or staff's, must link from its profile. Two-factor still
    applies."""
    claims = verified_claims(data["id_token"])
    identity = db.session.scalar(
        select(Identity).where(Identity.provider == PROVIDER, Identity.subject == claims["sub"])
    )
    if identity is not None:
        user = db.session.get(User, identity.user_id)
    else:
        user = find_user_by_email(claims["email"])
        if user is None:
            user = _new_account(claims, data)
        elif user.email_verified and user.role != Role.ADMIN.value:
            _notify_linked(user)
        else:
            raise LinkRequired(
                "An account with this email exists: log in with its password (or an email code) and link "
                "Google from your profile (POST /api/v1/me/identities/google)."
            )
        identity = Identity(user_id=user.id, provider=PROVIDER, subject=claims["sub"])
        db.session.add(identity)
    if user is None or not user.is_active:
        raise InvalidGoogleToken("This account cannot sign in.")
    identity.email, identity.last_used_at = claims["email"], utcnow()
    if user.totp_enabled:
        totp.check_login_code(user, data.get("totp"), data.get("recovery_code"))
    return start_signed_in(user, ip_address=ip_address, user_agent=user_agent, cart_token=cart_token)


def _new_account(claims: dict[str, Any], data: dict[str, Any]) -> User:
    if not data.get("accept_terms"):
        raise ValidationFailed.field("accept_terms", "Accept the terms to create an account.")
    name = str(claims.get("name") or claims["email"].split("@")[0])[:120]
    return new_customer(claims["email"].strip().lower(), name, NO_PASSWORD, marketing=False, verified=True)


def _notify_linked(user: User) -> None:
    queue_email(
        user.email,
        "Google sign-in was linked to your account",
        "Hello,\n\nYour Duka account can now be opened with Google sign-in, for the Google account with "
        "this address. If that was not you, change your password and remove it from your profile.\n",
    )


def link(user: User, id_token: str) -> Identity:
    """Link a Google account to the caller's (signed in already): its `sub` must be no one
    else's; one Google account per account."""
    claims = verified_claims(id_token)
    taken = db.session.scalar(select(Identity).where(Identity.provider == PROVIDER, Identity.subject == claims["sub"]))
    if taken is not None and taken.user_id != user.id:
        raise IdentityTaken("This Google account opens another Duka account.")
    mine = db.session.scalar(select(Identity).where(Identity.provider == PROVIDER, Identity.user_id == user.id))
    if mine is not None and mine.subject != claims["sub"]:
        raise IdentityTaken("Another Google account is linked: remove it first.")
    if mine is None:
        mine = Identity(user_id=user.id, provider=PROVIDER, subject=claims["sub"], email=claims["email"])
        db.session.add(mine)
        db.session.flush()
    return mine


def unlink(user: User) -> None:
    """Remove the caller's Google link; refused while the account has no password (it would be
    left with email codes only: set a password first)."""
    mine = db.session.scalar(select(Identity).where(Identity.provider == PROVIDER, Identity.user_id == user.id))
    if mine is None:
        return
    if user.password_hash == NO_PASSWORD:
        raise LastWayIn("Set a password first (POST /api/v1/auth/set-password): Google is this account's way in.")
    db.session.delete(mine)


def methods() -> dict[str, Any]:
    """The ways into an account this shop offers (a client shows its buttons from this)."""
    ids = client_ids()
    return {"password": True, "email_code": True, "google": bool(ids), "google_client_ids": ids}


FRESH_MINUTES = 10


def set_password(user: User, signed_in_at: Any, password: str) -> None:
    """An account made through Google (with no password) sets one, within FRESH_MINUTES of
    signing in (a session left open on a shared computer cannot); one that has a password
    changes it instead (409 `password_already_set`)."""
    if user.password_hash != NO_PASSWORD:
        raise PasswordAlreadySet("This account has a password: change it with POST /api/v1/auth/change-password.")
    if signed_in_at < utcnow() - timedelta(minutes=FRESH_MINUTES):
        raise FreshLoginRequired(f"Sign in again (within {FRESH_MINUTES} minutes) to set a password.")
    check_password_policy(password, user.email)
    user.password_hash = hash_password(password)
