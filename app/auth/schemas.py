"""Request and response schemas of the auth endpoints."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.common.fields import EmailAddress, KenyanPhone, Password, Trimmed, Username
from app.common.schemas import BaseSchema, HeadersSchema, OutSchema
from app.users.schemas import ProfileOut


class RegisterIn(BaseSchema):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=120))
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    password = Password(required=True)
    username = Username(allow_none=True)
    phone = KenyanPhone(allow_none=True)
    invite_code = Trimmed(allow_none=True, validate=validate.Length(max=12))
    marketing_opt_in = fields.Boolean(load_default=False)
    accept_terms = fields.Boolean(
        required=True, metadata={"description": "Consent to the terms and data-protection policy; must be true"}
    )

    @validates_schema
    def terms_accepted(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("accept_terms") is not True:
            raise ValidationError("You must accept the terms to sign up.", "accept_terms")


# xxxx-xxxx-xxxx-xxxx as shown; typed with spaces, without hyphens or in capitals works too.
RECOVERY_CODE_PATTERN = r"^\s*[A-Za-z0-9]{4}(?:[-\s]?[A-Za-z0-9]{4}){3}\s*$"


def _six_digits() -> fields.String:
    return fields.String(validate=validate.Regexp(r"^\d{6}$", error="Six digits."), metadata={"example": "123456"})


def _recovery_code() -> fields.String:
    return fields.String(
        validate=[
            validate.Length(max=64),
            validate.Regexp(RECOVERY_CODE_PATTERN, error="Sixteen letters and digits, as xxxx-xxxx-xxxx-xxxx."),
        ],
        metadata={
            "description": "One of the recovery codes given when two-factor login was turned on; works once",
            "example": "k7pq-m2xa-9dtr-wc4h",
        },
    )


class LoginIn(BaseSchema):
    email = EmailAddress(validate=validate.Length(max=254))
    username = Username()
    password = Password(required=True)
    totp = _six_digits()
    recovery_code = _recovery_code()

    @validates_schema
    def one_identifier(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("email")) == bool(data.get("username")):
            raise ValidationError("Send either email or username.", "email")
        if data.get("totp") and data.get("recovery_code"):
            raise ValidationError("Send either totp or recovery_code.", "recovery_code")


class SignInHeaders(HeadersSchema):
    cart_token = fields.String(
        data_key="X-Cart-Token",
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "The guest cart's token (from `POST /cart/lines`): its lines are merged into the "
            "account's cart (quantities add up, capped by stock and the line cap) and the guest cart is gone"
        },
    )


class TokenPairOut(OutSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True, metadata={"description": "Access token lifetime in seconds"})
    user = fields.Nested(ProfileOut, required=True)


class TokenIn(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class EmailIn(BaseSchema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))


class EmailCodeIn(BaseSchema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    purpose = fields.String(
        load_default="login",
        validate=validate.OneOf(["login", "verify_email"]),
        metadata={"description": "login: sign in without the password; verify_email: confirm the address"},
    )


class EmailCodeVerifyIn(BaseSchema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."), metadata={"example": "482913"}
    )
    totp = _six_digits()
    recovery_code = _recovery_code()


class ResetPasswordIn(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = Password(required=True)


class ChangePasswordIn(BaseSchema):
    current_password = Password(required=True)
    new_password = Password(required=True)


class TotpSetupOut(OutSchema):
    secret = fields.String(required=True)
    otpauth_uri = fields.String(required=True)


class TotpEnableIn(BaseSchema):
    password = Password(required=True, metadata={"description": "The account's current password"})
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."))


class TwoFactorConfirmIn(BaseSchema):
    """The password and a second factor: a current TOTP `code` or one `recovery_code`."""

    password = Password(required=True, metadata={"description": "The account's current password"})
    code = _six_digits()
    recovery_code = _recovery_code()

    @validates_schema
    def one_factor(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("code")) == bool(data.get("recovery_code")):
            raise ValidationError("Send either code or recovery_code.", "code")


class RecoveryCodesOut(OutSchema):
    recovery_codes = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Shown this once; each works once in place of a TOTP code. Older codes are void."},
    )


class TwoFactorEnabledOut(RecoveryCodesOut):
    user = fields.Nested(ProfileOut, required=True)


REGISTER_EXAMPLE = {
    "name": "Wanjiku Kamau",
    "email": "wanjiku@example.co.ke",
    "password": "Mvua-Nyingi-2026",
    "username": "wanjiku",
    "phone": "0712345678",
    "marketing_opt_in": False,
    "accept_terms": True,
}

LOGIN_EXAMPLE = {"email": "wanjiku@example.co.ke", "password": "Mvua-Nyingi-2026"}


class GoogleIn(BaseSchema):
    id_token = fields.String(
        required=True,
        validate=validate.Length(min=20, max=4096),
        metadata={"description": "The ID token Google Identity Services (`credential`) or the Android/iOS SDK gave"},
    )
    accept_terms = fields.Boolean(
        load_default=False, metadata={"description": "Needed when this sign-in creates the account"}
    )
    totp = _six_digits()
    recovery_code = _recovery_code()


class IdTokenIn(BaseSchema):
    id_token = fields.String(required=True, validate=validate.Length(min=20, max=4096))


class SetPasswordIn(BaseSchema):
    password = Password(required=True)


class SignInMethodsOut(OutSchema):
    password = fields.Boolean(required=True)
    email_code = fields.Boolean(required=True, metadata={"description": "POST /auth/email-code"})
    google = fields.Boolean(required=True, metadata={"description": "POST /auth/google"})
    google_client_ids = fields.List(
        fields.String(), required=True, metadata={"description": "For Google Identity Services' client_id"}
    )


class IdentityOut(OutSchema):
    provider = fields.String(required=True, metadata={"example": "google"})
    email = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    last_used_at = fields.AwareDateTime(allow_none=True)


class GoogleStartQuery(BaseSchema):
    accept_terms = fields.Boolean(
        load_default=False, metadata={"description": "The terms accepted, in case this sign-in creates the account"}
    )


class GoogleCallbackQuery(BaseSchema):
    """What Google appends to the redirect URI (all of it, so none is an unknown parameter)."""

    code = fields.String(validate=validate.Length(max=2048))
    state = fields.String(validate=validate.Length(max=200))
    scope = fields.String(validate=validate.Length(max=2000))
    authuser = fields.String(validate=validate.Length(max=20))
    hd = fields.String(validate=validate.Length(max=255))
    prompt = fields.String(validate=validate.Length(max=100))
    iss = fields.String(validate=validate.Length(max=255))
    error = fields.String(validate=validate.Length(max=200))
    error_description = fields.String(validate=validate.Length(max=2000))
    error_uri = fields.String(validate=validate.Length(max=2000))


class GoogleHandoffIn(BaseSchema):
    handoff = fields.String(required=True, validate=validate.Length(min=20, max=100))
    totp = _six_digits()
    recovery_code = _recovery_code()
