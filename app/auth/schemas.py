"""Request and response schemas of the auth endpoints."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.common.fields import EmailAddress, KenyanPhone, Password, Trimmed, Username
from app.common.schemas import BaseSchema, OutSchema
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


class LoginIn(BaseSchema):
    email = EmailAddress(validate=validate.Length(max=254))
    username = Username()
    password = Password(required=True)
    totp = fields.String(validate=validate.Regexp(r"^\d{6}$", error="Six digits."), metadata={"example": "123456"})

    @validates_schema
    def one_identifier(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("email")) == bool(data.get("username")):
            raise ValidationError("Send either email or username.", "email")


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


class ResetPasswordIn(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = Password(required=True)


class ChangePasswordIn(BaseSchema):
    current_password = Password(required=True)
    new_password = Password(required=True)


class TotpSetupOut(OutSchema):
    secret = fields.String(required=True)
    otpauth_uri = fields.String(required=True)


class TotpCodeIn(BaseSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."))


class TotpDisableIn(TotpCodeIn):
    password = Password(required=True)


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
