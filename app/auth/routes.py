"""`/api/v1/auth`: sign-up, login, tokens, email verification, passwords, two-factor."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, url_for
from flask_jwt_extended import current_user, get_jwt, jwt_required

from app.auth import codes, google, google_web, services, tasks, totp
from app.auth.ratelimit import auth_rate, login_attempts
from app.auth.schemas import (
    LOGIN_EXAMPLE,
    REGISTER_EXAMPLE,
    ChangePasswordIn,
    EmailCodeIn,
    EmailCodeVerifyIn,
    EmailIn,
    GoogleCallbackQuery,
    GoogleHandoffIn,
    GoogleIn,
    GoogleStartQuery,
    LoginIn,
    RecoveryCodesOut,
    RegisterIn,
    ResetPasswordIn,
    SetPasswordIn,
    SignInHeaders,
    SignInMethodsOut,
    TokenIn,
    TokenPairOut,
    TotpEnableIn,
    TotpSetupOut,
    TwoFactorConfirmIn,
    TwoFactorEnabledOut,
)
from app.auth.sessions import current_session
from app.common.blueprint import Blueprint
from app.common.db import unit_of_work
from app.common.permissions import login_required
from app.users.schemas import ProfileOut

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts, tokens and two-factor login")


@blp.post("/register")
@auth_rate
@blp.arguments(RegisterIn(), example=REGISTER_EXAMPLE)
@blp.arguments(SignInHeaders(), location="headers")
@blp.response(201, ProfileOut, location=lambda _user: url_for("me.Me"))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="register")
def register(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Create a customer account and email a verification link.

    `accept_terms` must be true. Email and username are unique case-insensitively (409
    `email_taken`, `username_taken`). The password must be 8 to 128 characters, not a common
    one, and not contain the email's local part. Log in next to get tokens. With `X-Cart-Token`
    the guest cart becomes the new account's.
    """
    return services.register(data, cart_token=headers.get("cart_token"))


@blp.post("/login")
@login_attempts
@blp.arguments(LoginIn(), example=LOGIN_EXAMPLE)
@blp.arguments(SignInHeaders(), location="headers")
@blp.response(200, TokenPairOut)
@blp.doc(operationId="login")
def login(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Log in with email or username and password.

    With two-factor login on, send `totp` too (401 `totp_required`, `invalid_totp`). A wrong
    email and a wrong password give the same 401 `invalid_credentials`. Failed attempts are
    limited per client address and per account (429). With `X-Cart-Token` the guest cart is
    merged into the account's cart.
    """
    return services.login(
        data,
        ip_address=request.remote_addr,
        user_agent=request.user_agent.string,
        cart_token=headers.get("cart_token"),
    )


@blp.post("/refresh")
@auth_rate
@jwt_required(refresh=True)
@blp.response(200, TokenPairOut)
@blp.doc(security=[{"bearerAuth": []}], operationId="refreshTokens")
def refresh() -> Any:
    """Swap the refresh token for a new pair.

    Send the refresh token as the Bearer token. The old refresh token dies; presenting it again
    revokes the whole login (401 `refresh_token_reused`).
    """
    return services.refresh(current_session(), get_jwt()["jti"])


@blp.post("/logout")
@login_required()
@blp.response(204)
@blp.doc(operationId="logout")
def logout() -> None:
    """Revoke the current access token and its refresh token.

    Other logins of the same account stay signed in.
    """
    services.logout(current_session())


@blp.get("/methods")
@blp.response(200, SignInMethodsOut)
@blp.doc(operationId="listSignInMethods")
def sign_in_methods() -> Any:
    """The ways into an account this shop offers.

    A client shows its buttons from this: password and emailed codes always; Google when
    GOOGLE_CLIENT_IDS is set (with the client ids, for Google Identity Services).
    """
    return google.methods()


@blp.post("/google")
@auth_rate
@blp.arguments(GoogleIn())
@blp.arguments(SignInHeaders(), location="headers")
@blp.response(200, TokenPairOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="signInWithGoogle")
def sign_in_with_google(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Sign in (or up) with a Google ID token.

    Checked against Google's published keys, `aud` one of GOOGLE_CLIENT_IDS, Google's `iss`,
    `exp`, and `email_verified` (422 `google_email_unverified`); anything else is 401
    `invalid_google_token`. A Google account seen before opens its Duka account; a new one with an
    email no account has creates a customer account (`accept_terms: true` needed, 422 without),
    verified, with no password; an email a verified customer account has is linked to it (its
    owner is emailed); an unverified or staff account must log in another way and link from its
    profile (409 `link_required`). Two-factor still applies (401 `totp_required`). Not offered:
    404 `google_not_configured`.
    """
    return google.sign_in(
        data, ip_address=request.remote_addr, user_agent=request.user_agent.string, cart_token=headers.get("cart_token")
    )


@blp.get("/google/start")
@blp.arguments(GoogleStartQuery(), location="query")
@blp.response(302, description="To Google's consent page, with a state cookie")
@blp.doc(operationId="startGoogleSignIn")
def google_start(query: dict[str, Any]) -> Any:
    """Sign in with Google in a browser: open this (a link or a redirect, not a fetch).

    The browser goes to Google with a state (also in an HttpOnly cookie), a nonce and a PKCE
    S256 challenge; Google sends it back to `/auth/google/callback`. Needs GOOGLE_CLIENT_IDS (the
    first is the web client) and GOOGLE_CLIENT_SECRET (404 `google_not_configured` otherwise).
    """
    with unit_of_work():  # a GET that writes (a link must open it): committed here
        url, state = google_web.start(query["accept_terms"])
    response = redirect(url, code=302)
    response.set_cookie(
        google_web.COOKIE,
        state,
        max_age=google_web.TRIP_MINUTES * 60,
        path="/api/v1/auth/google",
        httponly=True,
        secure=str(current_app.config["PUBLIC_BASE_URL"]).startswith("https://"),
        samesite="Lax",
    )
    return response


@blp.get("/google/callback")
@blp.arguments(GoogleCallbackQuery(), location="query")
@blp.response(302, description="To the web app: FRONTEND_URL/auth/google?handoff=... (or ?error=...)")
@blp.doc(operationId="googleSignInCallback")
def google_callback(query: dict[str, Any]) -> Any:
    """Where Google sends the browser back (not for apps to call).

    The state must match the browser's cookie (a sign-in started elsewhere is refused), the code
    is exchanged with the PKCE verifier, the ID token checked with its nonce. The browser then
    goes to the web app with a one-time `handoff` code (never tokens: they would be in a URL);
    the web app POSTs it to `/auth/google/handoff`. Failures go there as `?error=`.
    """
    with unit_of_work():  # Google's redirect is a GET, and it writes the trip's outcome
        location = google_web.callback(query, request.cookies.get(google_web.COOKIE))
    response = redirect(location, code=302)
    response.delete_cookie(google_web.COOKIE, path="/api/v1/auth/google")
    return response


@blp.post("/google/handoff")
@auth_rate
@blp.arguments(GoogleHandoffIn())
@blp.arguments(SignInHeaders(), location="headers")
@blp.response(200, TokenPairOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="finishGoogleSignIn")
def google_handoff(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Finish a browser's Google sign-in: the handoff code for Duka's tokens.

    Once, within two minutes of the callback (401 `invalid_google_token` otherwise); the rules of
    `POST /auth/google` apply (new accounts, linking, 401 `totp_required` with the code still
    good for the second try).
    """
    return google_web.handoff(
        data, ip_address=request.remote_addr, user_agent=request.user_agent.string, cart_token=headers.get("cart_token")
    )


@blp.post("/set-password")
@login_required()
@blp.arguments(SetPasswordIn())
@blp.response(204)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="setPassword")
def set_password(data: dict[str, Any]) -> None:
    """Give a password to an account that has none (made through Google).

    Within 10 minutes of signing in (401 `fresh_login_required` after); an account that has one
    changes it instead (409 `password_already_set`). The password rules of sign-up apply.
    """
    google.set_password(current_user, current_session().created_at, data["password"])


@blp.post("/email-code")
@auth_rate
@blp.arguments(EmailCodeIn())
@blp.response(202)
@blp.doc(operationId="sendEmailCode")
def send_email_code(data: dict[str, Any]) -> None:
    """Email me a six-digit code, to sign in without my password (`purpose: login`) or to
    confirm my address (`verify_email`).

    202 whether or not the address has an account. The code works once, for EMAIL_CODE_MINUTES
    (10), and dies after 5 wrong tries; a new one comes at most once a minute (earlier ones die),
    and an address gets at most EMAILS_PER_RECIPIENT_PER_HOUR emails of this kind.
    """
    tasks.request_email_code(data["email"], data["purpose"])


@blp.post("/email-code/verify")
@auth_rate
@blp.arguments(EmailCodeVerifyIn())
@blp.arguments(SignInHeaders(), location="headers")
@blp.response(200, TokenPairOut)
@blp.doc(operationId="verifyEmailCode")
def verify_email_code(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Sign in with an emailed code; my address is verified by it.

    A wrong, used, expired or voided code is 422 `invalid_email_code` (each wrong try counts;
    the fifth voids the code). With two-factor login on, send `totp` too (401 `totp_required`,
    `invalid_totp`), and the code still works for that second try. With `X-Cart-Token` the guest
    cart is merged into the account's cart.
    """
    return codes.verify_code(
        data, ip_address=request.remote_addr, user_agent=request.user_agent.string, cart_token=headers.get("cart_token")
    )


@blp.post("/verify-email")
@auth_rate
@blp.arguments(TokenIn())
@blp.response(204)
@blp.doc(operationId="verifyEmail")
def verify_email(data: dict[str, Any]) -> None:
    """Confirm an email address with the token from the emailed link.

    An unknown, used or expired token is 422 `invalid_link_token`.
    """
    services.verify_email(data["token"])


@blp.post("/resend-verification")
@auth_rate
@blp.arguments(EmailIn())
@blp.response(202)
@blp.doc(operationId="resendVerification")
def resend_verification(data: dict[str, Any]) -> None:
    """Email a new verification link.

    202 whether or not the account exists, so the answer tells nothing about who has one.
    """
    tasks.request_verification(data["email"])


@blp.post("/forgot-password")
@auth_rate
@blp.arguments(EmailIn())
@blp.response(202)
@blp.doc(operationId="forgotPassword")
def forgot_password(data: dict[str, Any]) -> None:
    """Email a password-reset link.

    202 whether or not the account exists. The link's token works once, for one hour.
    """
    tasks.request_password_reset(data["email"])


@blp.post("/reset-password")
@auth_rate
@blp.arguments(ResetPasswordIn())
@blp.response(204)
@blp.doc(operationId="resetPassword")
def reset_password(data: dict[str, Any]) -> None:
    """Set a new password with a reset token; every session is signed out.

    An unknown, used or expired token is 422 `invalid_link_token`.
    """
    services.reset_password(data["token"], data["password"])


@blp.post("/change-password")
@login_required()
@blp.arguments(ChangePasswordIn())
@blp.response(204)
@blp.doc(operationId="changePassword")
def change_password(data: dict[str, Any]) -> None:
    """Change the password; other sessions are signed out.

    A wrong current password is 422 `wrong_password`.
    """
    services.change_password(current_user, current_session(), data["current_password"], data["new_password"])


@blp.post("/2fa/setup")
@login_required()
@blp.response(200, TotpSetupOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="setupTwoFactor")
def totp_setup() -> Any:
    """Start two-factor set-up.

    Returns a secret and an otpauth:// URI for an authenticator app; confirm with
    `enableTwoFactor`. 409 when two-factor login is already on.
    """
    return totp.setup(current_user)


@blp.post("/2fa/enable")
@login_required()
@blp.arguments(TotpEnableIn())
@blp.response(200, TwoFactorEnabledOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="enableTwoFactor")
def totp_enable(data: dict[str, Any]) -> Any:
    """Turn two-factor login on with the password and a code from the authenticator app.

    Returns ten recovery codes, shown this once: each works once in place of a code (at login,
    to turn two-factor login off, to get new codes). A wrong password is 422 `wrong_password`, a
    wrong code 422 `invalid_code`; 409 when set-up was not started.
    """
    return totp.enable(current_user, data["password"], data["code"])


@blp.post("/2fa/disable")
@login_required()
@blp.arguments(TwoFactorConfirmIn())
@blp.response(200, ProfileOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="disableTwoFactor")
def totp_disable(data: dict[str, Any]) -> Any:
    """Turn two-factor login off.

    Needs the password and a current `code` or a `recovery_code` (the way back for a lost
    phone). The recovery codes die with it. 409 when two-factor login is off.
    """
    return totp.disable(current_user, data["password"], data.get("code"), data.get("recovery_code"))


@blp.post("/2fa/recovery-codes")
@login_required()
@blp.arguments(TwoFactorConfirmIn())
@blp.response(200, RecoveryCodesOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="regenerateRecoveryCodes")
def recovery_codes(data: dict[str, Any]) -> Any:
    """Replace the recovery codes with ten new ones.

    Needs the password and a current `code` or a `recovery_code`; every older code dies. 409
    when two-factor login is off.
    """
    codes = totp.regenerate_recovery_codes(current_user, data["password"], data.get("code"), data.get("recovery_code"))
    return {"recovery_codes": codes}
