"""`/api/v1/auth`: sign-up, login, tokens, email verification, passwords, two-factor."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_jwt_extended import current_user, get_jwt, jwt_required

from app.auth import services, totp
from app.auth.ratelimit import (
    auth_rate,
    login_failures_per_account,
    login_failures_per_address,
)
from app.auth.schemas import (
    ChangePasswordSchema,
    EmailSchema,
    LoginSchema,
    RegisterSchema,
    ResetPasswordSchema,
    TokenPairSchema,
    TokenSchema,
    TotpCodeSchema,
    TotpDisableSchema,
    TotpSetupSchema,
)
from app.auth.sessions import current_session
from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.users.schemas import ProfileSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts, tokens and two-factor login")


@blp.post("/register")
@auth_rate
@blp.arguments(RegisterSchema())
@blp.response(201, ProfileSchema)
@blp.alt_response(409, response="CONFLICT")
def register(data: dict[str, Any]) -> Any:
    """Create a customer account and email a verification link."""
    return services.register(data)


@blp.post("/login")
@login_failures_per_address
@login_failures_per_account
@blp.arguments(LoginSchema())
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(data: dict[str, Any]) -> Any:
    """Log in with email or username and password (and `totp` when two-factor login is on)."""
    return services.login(data, ip_address=request.remote_addr, user_agent=request.user_agent.string)


@blp.post("/refresh")
@auth_rate
@jwt_required(refresh=True)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=[{"bearerAuth": []}])
def refresh() -> Any:
    """Swap the refresh token (sent as Bearer) for a new pair; the old one dies."""
    return services.refresh(current_session(), get_jwt()["jti"])


@blp.post("/logout")
@login_required()
@blp.response(204)
def logout() -> None:
    """Revoke the current access token and its refresh token."""
    services.logout(current_session())


@blp.post("/verify-email")
@auth_rate
@blp.arguments(TokenSchema())
@blp.response(204)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def verify_email(data: dict[str, Any]) -> None:
    """Confirm an email address with the token from the emailed link."""
    services.verify_email(data["token"])


@blp.post("/resend-verification")
@auth_rate
@blp.arguments(EmailSchema())
@blp.response(202)
def resend_verification(data: dict[str, Any]) -> None:
    """Email a new verification link (202 whether or not the account exists)."""
    services.resend_verification(data["email"])


@blp.post("/forgot-password")
@auth_rate
@blp.arguments(EmailSchema())
@blp.response(202)
def forgot_password(data: dict[str, Any]) -> None:
    """Email a password-reset link (202 whether or not the account exists)."""
    services.forgot_password(data["email"])


@blp.post("/reset-password")
@auth_rate
@blp.arguments(ResetPasswordSchema())
@blp.response(204)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def reset_password(data: dict[str, Any]) -> None:
    """Set a new password with a reset token; every session is signed out."""
    services.reset_password(data["token"], data["password"])


@blp.post("/change-password")
@login_required()
@blp.arguments(ChangePasswordSchema())
@blp.response(204)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def change_password(data: dict[str, Any]) -> None:
    """Change the password; other sessions are signed out."""
    services.change_password(current_user, current_session(), data["current_password"], data["new_password"])


@blp.post("/2fa/setup")
@login_required()
@blp.response(200, TotpSetupSchema)
@blp.alt_response(409, response="CONFLICT")
def totp_setup() -> Any:
    """Start two-factor set-up: a secret and an otpauth:// URI for an authenticator app."""
    return totp.setup(current_user)


@blp.post("/2fa/enable")
@login_required()
@blp.arguments(TotpCodeSchema())
@blp.response(200, ProfileSchema)
@blp.alt_response(409, response="CONFLICT")
def totp_enable(data: dict[str, Any]) -> Any:
    """Turn two-factor login on with a code from the authenticator app."""
    return totp.enable(current_user, data["code"])


@blp.post("/2fa/disable")
@login_required()
@blp.arguments(TotpDisableSchema())
@blp.response(200, ProfileSchema)
@blp.alt_response(409, response="CONFLICT")
def totp_disable(data: dict[str, Any]) -> Any:
    """Turn two-factor login off (password and a current code)."""
    return totp.disable(current_user, data["password"], data["code"])
