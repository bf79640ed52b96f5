"""Domain errors of the auth package."""

from __future__ import annotations

from app.errors import AppError, Conflict, Unauthorized, ValidationFailed


class EmailTaken(Conflict):
    code, title = "email_taken", "Email already registered"


class UsernameTaken(Conflict):
    code, title = "username_taken", "Username already taken"


class InvalidCredentials(Unauthorized):
    code, title = "invalid_credentials", "Invalid credentials"


class TotpRequired(Unauthorized):
    code, title = "totp_required", "Two-factor code required"


class InvalidTotp(Unauthorized):
    code, title = "invalid_totp", "Invalid two-factor code"


class InvalidRecoveryCode(Unauthorized):
    code, title = "invalid_recovery_code", "Invalid recovery code"


class RefreshTokenReused(Unauthorized):
    code, title = "refresh_token_reused", "Refresh token already used"
    keeps_changes = True  # the login it belongs to is revoked, and stays revoked


class InvalidToken(ValidationFailed):
    code, title = "invalid_link_token", "Invalid or expired link token"


class TwoFactorState(Conflict):
    code, title = "two_factor_state", "Two-factor authentication is not in the required state"


class WrongPassword(AppError):
    status, code, title = 422, "wrong_password", "Password is incorrect"


class InvalidCode(ValidationFailed):
    code, title = "invalid_code", "Invalid two-factor code"


class InvalidEmailCode(AppError):
    status, code, title = 422, "invalid_email_code", "Invalid or expired code"
    # The try is counted even though the request fails: five wrong codes void it.
    keeps_changes = True


class GoogleNotConfigured(AppError):
    status, code, title = 404, "google_not_configured", "Google sign-in is not offered by this shop"


class InvalidGoogleToken(Unauthorized):
    code, title = "invalid_google_token", "Invalid Google ID token"


class GoogleEmailUnverified(AppError):
    status, code, title = 422, "google_email_unverified", "Google has not verified this email address"


class LinkRequired(Conflict):
    code, title = "link_required", "Log in first, then link Google from your profile"


class IdentityTaken(Conflict):
    code, title = "identity_taken", "This Google account is linked to another account"


class LastWayIn(Conflict):
    code, title = "last_way_in", "It would leave no way into the account"


class PasswordAlreadySet(Conflict):
    code, title = "password_already_set", "The account has a password: change it instead"


class FreshLoginRequired(Unauthorized):
    code, title = "fresh_login_required", "Sign in again first"
