"""Schemas of the profile, addresses and data export."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from app.auth.models import Role
from app.common.fields import KenyanPhone, MediaUrl, Password, Trimmed, Username
from app.common.schemas import BaseSchema, OutSchema, PatchSchema
from app.users.counties import KENYAN_COUNTIES, canonical_county

MIN_AGE_YEARS = 13


class UserRefOut(OutSchema):
    """Another user as others may see them: an id and a name (an inviter)."""

    id = fields.Integer()
    name = fields.String()


class ProfileOut(OutSchema):
    """What a user sees of their own account."""

    id = fields.Integer(dump_only=True)
    email = fields.Email(dump_only=True)
    email_verified = fields.Boolean(dump_only=True)
    role = fields.String(dump_only=True, validate=validate.OneOf([role.value for role in Role]))
    name = fields.String()
    username = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    date_of_birth = fields.Date(allow_none=True)
    marketing_opt_in = fields.Boolean()
    marketing_opt_in_changed_at = fields.AwareDateTime(allow_none=True)
    picture_url = MediaUrl(attribute="picture_path")
    invite_code = fields.String(dump_only=True)
    invited_by = fields.Nested(UserRefOut, allow_none=True)
    two_factor_enabled = fields.Boolean(attribute="totp_enabled")
    created_at = fields.AwareDateTime()


class ProfilePatch(BaseSchema):
    name = Trimmed(validate=validate.Length(min=1, max=120))
    username = Username(allow_none=True)
    phone = KenyanPhone(allow_none=True)
    location = Trimmed(allow_none=True, validate=validate.Length(max=200))
    date_of_birth = fields.Date(allow_none=True)
    marketing_opt_in = fields.Boolean()

    @validates("date_of_birth")
    def check_age(self, value: date | None, **_: Any) -> None:
        validate_date_of_birth(value)


def validate_date_of_birth(value: date | None) -> None:
    if value is None:
        return
    today = date.today()
    if value > today:
        raise ValidationError("Date of birth cannot be in the future.")
    try:
        thirteenth = value.replace(year=value.year + MIN_AGE_YEARS)
    except ValueError:  # 29 February
        thirteenth = date(value.year + MIN_AGE_YEARS, 3, 1)
    if thirteenth > today:
        raise ValidationError(f"You must be at least {MIN_AGE_YEARS} years old.")
    if value.year < 1900:
        raise ValidationError("Enter a real date of birth.")


class DeleteAccountIn(BaseSchema):
    password = Password(required=True)


class County(Trimmed):
    """One of Kenya's 47 counties, in any case; loaded in its canonical spelling."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"example": "Nairobi", "description": "One of Kenya's 47 counties"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(validate=validate.Length(min=1, max=40), metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if name.lower() not in KENYAN_COUNTIES:
            raise ValidationError("Not a Kenyan county.")
        return canonical_county(name)


class AddressIn(BaseSchema):
    label = Trimmed(required=True, validate=validate.Length(min=1, max=40), metadata={"example": "Home"})
    recipient = Trimmed(required=True, validate=validate.Length(min=1, max=120))
    phone = KenyanPhone(required=True)
    county = County(required=True)
    town = Trimmed(required=True, validate=validate.Length(min=1, max=80))
    street = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    postal_code = Trimmed(allow_none=True, validate=validate.Regexp(r"^\d{5}$", error="Five digits."))
    is_default = fields.Boolean(load_default=False)


class AddressPatch(PatchSchema, AddressIn):
    """Any subset of the address fields."""


class AddressOut(OutSchema):
    id = fields.Integer()
    label = fields.String()
    recipient = fields.String()
    phone = fields.String()
    county = fields.String()
    town = fields.String()
    street = fields.String()
    postal_code = fields.String(allow_none=True)
    is_default = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ConsentEventOut(OutSchema):
    kind = fields.String()
    granted = fields.Boolean()
    created_at = fields.AwareDateTime()


class LoginSessionOut(OutSchema):
    id = fields.String()
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    ip_address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)


class ExportOut(OutSchema):
    """Everything the shop holds about the user (right of access)."""

    exported_at = fields.AwareDateTime()
    profile = fields.Nested(ProfileOut)
    terms_accepted_at = fields.AwareDateTime()
    addresses = fields.List(fields.Nested(AddressOut))
    consents = fields.List(fields.Nested(ConsentEventOut))
    sessions = fields.List(fields.Nested(LoginSessionOut))


ADDRESS_IN_EXAMPLE = {
    "label": "Home",
    "recipient": "Wanjiku Kamau",
    "phone": "0712345678",
    "county": "Nairobi",
    "town": "Westlands",
    "street": "Woodvale Grove, Apartment 4B",
    "postal_code": "00800",
    "is_default": True,
}
