"""Login sessions and the JWTs issued from them: issue, rotate, revoke, and check on each request."""

from __future__ import annotations

import uuid
from typing import Any, cast

from flask import Flask, current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token, get_jti
from sqlalchemy import select, update

from app.auth.errors import RefreshTokenReused
from app.auth.models import LoginSession, User
from app.common.db import changed_rows
from app.common.types import utcnow
from app.errors import problem, register_code
from app.extensions import db, jwt


def issue_tokens(user: User, session: LoginSession) -> dict[str, Any]:
    """A new access/refresh pair for `session`; the refresh token becomes its only live one."""
    claims = {"sid": session.id}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    session.refresh_jti = cast(str, get_jti(refresh))  # set on every token we create
    session.last_used_at = utcnow()
    session.expires_at = utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
        "user": user,
    }


def start_session(user: User, *, ip_address: str | None, user_agent: str | None) -> LoginSession:
    session = LoginSession(
        id=str(uuid.uuid4()),  # known before flush: the tokens carry it
        user_id=user.id,
        refresh_jti="",
        expires_at=utcnow(),
        ip_address=(ip_address or "")[:45] or None,
        user_agent=(user_agent or "")[:255] or None,
    )
    session.user = user
    db.session.add(session)
    return session


def rotate(session: LoginSession, presented_jti: str) -> dict[str, Any]:
    """Swap a refresh token for a new pair. An old (already rotated) token revokes the family."""
    if presented_jti != session.refresh_jti:
        revoke_session(session, "refresh_reuse")
        raise RefreshTokenReused("This refresh token was already used; the session has been signed out.")
    return issue_tokens(session.user, session)


def revoke_session(session: LoginSession, reason: str) -> None:
    if session.revoked_at is None:
        session.revoked_at = utcnow()
        session.revoked_reason = reason


def revoke_user_sessions(user_id: int, reason: str, *, except_session_id: str | None = None) -> int:
    """Revoke every live session of a user (optionally but one). Returns how many."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if except_session_id:
        stmt = stmt.where(LoginSession.id != except_session_id)
    return changed_rows(stmt)


def sessions_of(user_id: int) -> list[LoginSession]:
    """Every login session of a user, oldest first (the data export shows them)."""
    return list(
        db.session.scalars(
            select(LoginSession).where(LoginSession.user_id == user_id).order_by(LoginSession.created_at)
        )
    )


def forget_devices(user_id: int) -> None:
    """Wipe the client addresses and user agents recorded with a user's sessions."""
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user_id).values(ip_address=None, user_agent=None)
    )


def current_session() -> LoginSession:
    """The login session of the token this request was authenticated with."""
    return g.login_session


def _load_session(payload: dict[str, Any]) -> LoginSession | None:
    sid = payload.get("sid")
    if not sid:
        return None
    cached = g.get("login_session")
    if cached is not None and cached.id == sid:
        return cached
    session = db.session.get(LoginSession, sid)
    g.login_session = session
    return session


def init_jwt(app: Flask) -> None:
    """Wire Flask-JWT-Extended to login sessions and to the problem+json error format."""

    @jwt.token_in_blocklist_loader
    def is_revoked(_header: dict, payload: dict) -> bool:
        session = _load_session(payload)
        return (
            session is None
            or session.revoked_at is not None
            or not session.user.is_active
            or str(session.user_id) != payload.get("sub")
        )

    @jwt.user_lookup_loader
    def load_user(_header: dict, payload: dict) -> User | None:
        session = _load_session(payload)
        if session is None:
            return None
        g.user_id = session.user_id
        return session.user

    # The loaders' reasons are the decoder's own words ("Not enough segments", "Signature
    # verification failed"): clients get fixed sentences instead.
    @jwt.unauthorized_loader
    def missing(_reason: str):  # type: ignore[no-untyped-def]
        return problem(401, "missing_token", detail="Send an access token: Authorization: Bearer <token>.")

    @jwt.expired_token_loader
    def expired(_header: dict, _payload: dict):  # type: ignore[no-untyped-def]
        return problem(401, "token_expired", detail="The token has expired.")

    @jwt.invalid_token_loader
    def invalid(_reason: str):  # type: ignore[no-untyped-def]
        return problem(401, "invalid_token", detail="The token is malformed or its signature is not ours.")

    @jwt.revoked_token_loader
    def revoked(_header: dict, _payload: dict):  # type: ignore[no-untyped-def]
        return problem(401, "token_revoked", detail="The token has been revoked.")

    @jwt.user_lookup_error_loader
    def lookup_error(_header: dict, _payload: dict):  # type: ignore[no-untyped-def]
        return problem(401, "token_revoked", detail="The account is no longer available.")

    @jwt.needs_fresh_token_loader
    def needs_fresh(_header: dict, _payload: dict):  # type: ignore[no-untyped-def]
        return problem(401, "fresh_token_required", detail="Log in again.")


for _code, _title in (
    ("missing_token", "Authentication required"),
    ("token_expired", "Token expired"),
    ("invalid_token", "Invalid token"),
    ("token_revoked", "Token revoked"),
    ("fresh_token_required", "Fresh token required"),
):
    register_code(_code, _title)
